//go:build darwin || linux || openbsd

package ewf

import (
	"syscall"

	"golang.org/x/sys/unix"
)

const havePreadv = true

// preadv reads into iovs from offset off of the file of rc, in one system
// call.
func preadv(rc syscall.RawConn, iovs [][]byte, off int64) (n int, err error) {
	cerr := rc.Read(func(fd uintptr) bool {
		for {
			n, err = unix.Preadv(int(fd), iovs, off)
			if err != unix.EINTR {
				return true
			}
		}
	})
	if cerr != nil {
		return 0, cerr
	}
	return n, err
}
