//go:build !unix

package hashset

// syncDir is a no-op where directories cannot be opened for syncing
// (Windows): renames there are made durable by the file system itself.
func syncDir(dir string) error { return nil }
