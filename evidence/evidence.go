// Package evidence enumerates the items of seized storage: files in
// directory trees, members of archives, files in the file systems of raw
// and E01 disk images. Every source is read strictly read-only.
//
// Each Item carries a stable locator (its Path): a plain path for a file in
// a directory; for an item inside a container, the container's locator, "!",
// and the inner path, once per level ("case/disk.E01!p2/Users/a/pic.jpg",
// "case/x.zip!inner/y.zip!z.jpg").
package evidence

import (
	"context"
	"io"
	"time"
)

// Type classifies an item.
type Type uint8

const (
	Regular Type = iota // file content that can be read and hashed
	Symlink             // not followed; counted as skipped
	FIFO                // never opened; skipped
	Socket              // never opened; skipped
	Device              // never opened inside a tree; skipped
	Other               // anything else that has no content to hash; skipped
)

func (t Type) String() string {
	return [...]string{"regular", "symlink", "fifo", "socket", "device", "other"}[t]
}

// Metadata is what the container or file system says about an item.
// Zero values mean "not known".
type Metadata struct {
	FileSystem string    // "ntfs", "fat32", "ext4", ...; "" for the host's own files
	Inode      uint64    // inode or MFT entry number
	Deleted    bool      // the file system marks the entry deleted; content may be partly overwritten
	Stream     string    // NTFS alternate data stream name, "" for the main stream
	Modified   time.Time // UTC
	Accessed   time.Time
	Changed    time.Time // inode / MFT entry change
	Created    time.Time // birth time
	Encrypted  bool      // archive member is encrypted: content cannot be read
	NoAtime    bool      // opened with O_NOATIME (host files only)
}

// File is an open item. ReadAt lets containers (zip, disk images) be read
// without copying; Size is the number of bytes the item holds.
type File interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Size() int64
}

// An Item is one thing found in the evidence.
type Item struct {
	Path  string // locator; see the package documentation
	Size  int64
	Type  Type
	Meta  Metadata
	Depth int // container nesting depth: 0 for an item named on the command line or found in a directory tree

	// Err, if set, says why the item could not be enumerated or read; the
	// scan turns it into an error record. Open is nil then.
	Err error

	// Open opens the content for reading. It is nil for items that are not
	// Regular or that carry Err. For items of streaming containers (tar,
	// gzip, rar) Open is only valid until the walk function returns.
	Open func() (File, error) `json:"-"`

	// Unexamined is set only on the summary item (Type Other, the disk's
	// own locator) that WalkDisk sends after a disk's or volume's files:
	// the parts of it that were not examined (unpartitioned space, free
	// clusters, partitions without a recognised file system). It is not
	// an error; the scan adds it to its summary.
	Unexamined []Gap `json:"-"`
}

// WalkFunc receives each item. Returning a non-nil error stops the walk and
// Walk returns that error.
type WalkFunc func(Item) error

// A Source enumerates items.
type Source interface {
	// Walk calls fn for every item, in a deterministic order (sorted by name
	// within each directory). Problems with single items reach fn as items
	// with Err set; Walk itself fails only when the source as a whole cannot
	// be read or ctx is cancelled.
	Walk(ctx context.Context, fn WalkFunc) error
}

// Limits bound what container expansion may cost.
type Limits struct {
	MaxDepth    int     // nesting depth of containers (default 8)
	MaxExpanded int64   // total bytes expanded per archive (default 64 GiB)
	MaxRatio    float64 // expanded bytes per compressed byte (default 1000)
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 8, MaxExpanded: 64 << 30, MaxRatio: 1000}
}
