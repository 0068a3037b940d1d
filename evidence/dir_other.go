//go:build !linux

package evidence

import (
	"io/fs"
	"os"
)

// statMeta fills Metadata from an lstat result: only the modification time
// is portable.
func statMeta(fi fs.FileInfo) Metadata {
	return Metadata{Modified: fi.ModTime().UTC()}
}

// statEntries does nothing here: entries are lstat'ed by path (DirEntry.Info).
func statEntries(d *os.File, entries []fs.DirEntry) {}
