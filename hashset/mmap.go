package hashset

import (
	"fmt"
	"os"
)

// mapFile makes the file at path readable as one byte slice, read-only;
// release gives it back. How is per OS (mapOpenFile): a mapping where
// mmap is wired up, a copy in memory elsewhere.
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
		return nil, nil, fmt.Errorf("%s: %d bytes is too large to %s", path, size, mapVerb)
	}
	return mapOpenFile(f, path, int(size), sequential)
}
