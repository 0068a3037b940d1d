//go:build !linux

package evidence

import "os"

// openFile opens p read-only. Only Linux has O_NOATIME; elsewhere reading
// a live file may update its access time (work from an image or a
// read-only mount there), and the second result is always false.
func openFile(p string, noatime bool) (handle, bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, false, err
	}
	return osHandle{f}, false, nil
}

func openDir(p string, noatime bool) (*os.File, error) {
	return os.Open(p)
}
