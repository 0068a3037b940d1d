//go:build !unix

package evidence

import "errors"

func mkfifo(path string) error { return errors.ErrUnsupported }
