package report_test

import (
	"os"
	"syscall"
	"time"
)

// statInodeChange returns the inode number and change time the walker records.
func statInodeChange(fi os.FileInfo) (uint64, time.Time) {
	st := fi.Sys().(*syscall.Stat_t)
	return st.Ino, time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
}
