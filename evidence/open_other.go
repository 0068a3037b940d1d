//go:build !linux

package evidence

import "os"

// openFile opens p read-only. Only Linux has O_NOATIME; elsewhere reading
// a live file may update its access time (work from an image or a
// read-only mount there), and the second result is always false.
func openFile(p string, noatime bool) (*os.File, bool, error) {
	f, err := os.Open(p)
	return f, false, err
}

func openDir(p string, noatime bool) (*os.File, error) {
	return os.Open(p)
}
