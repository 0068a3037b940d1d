//go:build linux

package evidence

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// statMeta fills Metadata from an lstat result.
func statMeta(fi fs.FileInfo) Metadata {
	m := Metadata{Modified: fi.ModTime().UTC()}
	switch st := fi.Sys().(type) {
	case *syscall.Stat_t:
		m.Inode = st.Ino
		m.Accessed = time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
		m.Changed = time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC()
	case *unix.Stat_t:
		m.Inode = st.Ino
		m.Accessed = time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
		m.Changed = time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC()
	}
	return m
}

// statEntries lstat's every entry of the open directory d that is not a
// directory, relative to d's descriptor (fstatat): resolving each entry's
// full path again, as os.Lstat does, costs a fifth of a scan of many
// small files. Entries whose stat fails carry the error in Info.
func statEntries(d *os.File, entries []fs.DirEntry) {
	rc, err := d.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		for i, e := range entries {
			if e.IsDir() {
				continue
			}
			se := &statEntry{DirEntry: e}
			for {
				err := unix.Fstatat(int(fd), e.Name(), &se.st, unix.AT_SYMLINK_NOFOLLOW)
				if err == unix.EINTR {
					continue
				}
				se.err = err
				break
			}
			entries[i] = se
		}
	})
}

// statEntry is a directory entry with its lstat result.
type statEntry struct {
	fs.DirEntry
	st  unix.Stat_t
	err error
}

func (e *statEntry) Info() (fs.FileInfo, error) {
	if e.err != nil {
		return nil, e.err
	}
	return &statInfo{name: e.Name(), st: &e.st}, nil
}

// statInfo is an fs.FileInfo over a unix.Stat_t.
type statInfo struct {
	name string
	st   *unix.Stat_t
}

func (fi *statInfo) Name() string       { return fi.name }
func (fi *statInfo) Size() int64        { return fi.st.Size }
func (fi *statInfo) ModTime() time.Time { return time.Unix(fi.st.Mtim.Sec, fi.st.Mtim.Nsec) }
func (fi *statInfo) IsDir() bool        { return fi.Mode().IsDir() }
func (fi *statInfo) Sys() any           { return fi.st }

func (fi *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(fi.st.Mode & 0o777)
	switch fi.st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if fi.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if fi.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if fi.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}
