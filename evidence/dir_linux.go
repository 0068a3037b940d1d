//go:build linux

package evidence

import (
	"io/fs"
	"syscall"
	"time"
)

// statMeta fills Metadata from an lstat result.
func statMeta(fi fs.FileInfo) Metadata {
	m := Metadata{Modified: fi.ModTime().UTC()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		m.Inode = st.Ino
		m.Accessed = time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
		m.Changed = time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC()
	}
	return m
}
