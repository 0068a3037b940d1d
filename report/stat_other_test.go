//go:build !linux

package report_test

import (
	"os"
	"time"
)

// statInodeChange: the planted-tree test's metadata expectations are Linux's.
func statInodeChange(fi os.FileInfo) (uint64, time.Time) { return 0, time.Time{} }
