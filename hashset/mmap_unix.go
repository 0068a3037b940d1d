//go:build unix

package hashset

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapVerb names what mapFile does with a file, for its errors.
const mapVerb = "map"

// mapOpenFile maps the first size bytes of f read-only. The mapping
// outlives the file descriptor, and survives the file's removal (sets
// remove while a scan runs).
func mapOpenFile(f *os.File, path string, size int, sequential bool) (data []byte, release func() error, err error) {
	data, err = unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
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
