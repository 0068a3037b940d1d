//go:build linux

package match

import "golang.org/x/sys/unix"

// mapTable returns size bytes of zeroed anonymous memory outside the Go heap,
// advised for transparent huge pages: the chunk tables are read at random,
// and with 4 KiB pages nearly every bucket costs a TLB miss as well as a
// cache miss. ok is false when the mapping fails; the caller then uses the heap.
func mapTable(size int) (b []byte, ok bool) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, false
	}
	// Advice only: without huge pages the table still works.
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	return b, true
}

// unmapTable releases memory from mapTable.
func unmapTable(b []byte) { _ = unix.Munmap(b) }
