//go:build unix

package hashset

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps path read-only. The mapping outlives the file descriptor,
// and survives the file's removal (sets remove while a scan runs).
func mapFile(path string, sequential bool) (data []byte, release func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	if size <= 0 {
		return []byte{}, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%s: %d bytes is too large to map", path, size)
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	// Lookups touch the tables at random: read-ahead would only waste I/O.
	// Verification reads everything once, in order.
	advice := unix.MADV_RANDOM
	if sequential {
		advice = unix.MADV_SEQUENTIAL
	}
	_ = unix.Madvise(data, advice)
	return data, func() error { return unix.Munmap(data) }, nil
}
