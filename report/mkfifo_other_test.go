//go:build !unix

package report_test

import "errors"

func mkfifo(path string) error { return errors.ErrUnsupported }
