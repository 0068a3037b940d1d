//go:build linux

package evidence

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openFile opens p with O_RDONLY, adding O_NOATIME when noatime is set.
// The kernel refuses O_NOATIME with EPERM unless the caller owns the file
// or holds CAP_FOWNER; then the file is opened again without it, and the
// second result says which way it was opened. O_NOFOLLOW refuses a
// symbolic link that replaced the file since it was listed, O_NONBLOCK
// keeps a FIFO that replaced it from blocking the open (it is rejected by
// the caller's fstat check).
func openFile(p string, noatime bool) (*os.File, bool, error) {
	const flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY
	return openFlags(p, flags, noatime)
}

func openDir(p string, noatime bool) (*os.File, error) {
	const flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_DIRECTORY
	f, _, err := openFlags(p, flags, noatime)
	return f, err
}

func openFlags(p string, flags int, noatime bool) (*os.File, bool, error) {
	if noatime {
		fd, err := openRetry(p, flags|unix.O_NOATIME)
		if err == nil {
			return os.NewFile(uintptr(fd), p), true, nil
		}
		if !errors.Is(err, unix.EPERM) {
			return nil, false, &os.PathError{Op: "open", Path: p, Err: err}
		}
	}
	fd, err := openRetry(p, flags)
	if err != nil {
		return nil, false, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), false, nil
}

func openRetry(p string, flags int) (int, error) {
	for {
		fd, err := unix.Open(p, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
