//go:build !unix

package hashset

import (
	"fmt"
	"io"
	"os"
	"unsafe"
)

// mapVerb names what mapFile does with a file, for its errors.
const mapVerb = "load"

// mapOpenFile reads the first size bytes of f into memory: the portable
// fallback where no mmap is wired up. The buffer is backed by []uint64 so
// that sections keep the 8-byte alignment the bloom filter words need.
func mapOpenFile(f *os.File, path string, size int, sequential bool) (data []byte, release func() error, err error) {
	words := make([]uint64, (size+7)/8)
	data = unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, func() error { return nil }, nil
}
