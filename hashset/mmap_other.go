//go:build !unix

package hashset

import (
	"fmt"
	"io"
	"os"
	"unsafe"
)

// mapFile reads path into memory: the portable fallback where no mmap is
// wired up. The buffer is backed by []uint64 so that sections keep the
// 8-byte alignment the bloom filter words need.
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
		return nil, nil, fmt.Errorf("%s: %d bytes is too large to load", path, size)
	}
	words := make([]uint64, (size+7)/8)
	data = unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), int(size))
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, func() error { return nil }, nil
}
