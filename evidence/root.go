package evidence

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// OpenOptions tune how Open reads host files.
type OpenOptions struct {
	// NoNoAtime disables O_NOATIME, so that every file is opened with a
	// plain O_RDONLY. Only tests and comparisons want this.
	NoNoAtime bool

	// openFile and openDir replace the host open calls; tests use them to
	// inject failures (as root, permission bits do not stop a read).
	openFile func(path string, noatime bool) (handle, bool, error)
	openDir  func(path string, noatime bool) (*os.File, error)
}

// Open returns a Source for a file or a directory tree named on the
// command line.
//
// A directory is walked depth first, entries sorted by name (byte order),
// iteratively, so depth is bounded by memory and not by the goroutine
// stack. Symbolic links inside the tree are never followed (they become
// Symlink items); FIFOs, sockets and device nodes are never opened (FIFO,
// Socket, Device items); a directory that cannot be read, or an entry that
// vanished between listing and inspection, becomes an item with Err set.
// Names are kept byte for byte, valid UTF-8 or not.
//
// The root itself is resolved like find -H: if root is a symbolic link
// named on the command line, the link is followed once, because that is
// what the user pointed at. A block device named as root is an item
// (read like a raw disk image); a FIFO, socket or character device named
// as root is a skipped item.
//
// Open fails, with an error naming root, only when root cannot be
// inspected at all (missing, permission denied on its parent).
func Open(root string, opts OpenOptions) (Source, error) {
	if root == "" {
		return nil, fmt.Errorf("evidence: empty path")
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("evidence root %s: %w", root, err)
	}
	clean := filepath.Clean(root)
	return &hostSource{root: clean, rootInfo: fi, opts: opts}, nil
}

// hostSource is a file or directory tree of the host's own file system.
type hostSource struct {
	root     string
	rootInfo fs.FileInfo
	opts     OpenOptions
}

// Root returns the path the source was opened with (cleaned).
func (s *hostSource) String() string { return s.root }

func (s *hostSource) Walk(ctx context.Context, fn WalkFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.rootInfo.IsDir() {
		it := s.item(s.root, s.rootInfo, true)
		return fn(it)
	}
	return s.walkDir(ctx, fn)
}
