//go:build !linux

package evidence

import "io/fs"

// statMeta fills Metadata from an lstat result: only the modification time
// is portable.
func statMeta(fi fs.FileInfo) Metadata {
	return Metadata{Modified: fi.ModTime().UTC()}
}
