//go:build !(darwin || linux || openbsd)

package ewf

import (
	"errors"
	"syscall"
)

const havePreadv = false

func preadv(syscall.RawConn, [][]byte, int64) (int, error) {
	return 0, errors.ErrUnsupported
}
