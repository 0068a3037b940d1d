// Package evidence enumerates the items of seized storage: files in
// directory trees, members of archives, files in the file systems of raw
// and E01 disk images. Every source is read strictly read-only.
//
// Each Item carries a stable locator (its Path): a plain path for a file in
// a directory; for an item inside a container, the container's locator, "!",
// and the inner path, once per level ("case/disk.E01!p2/Users/a/pic.jpg",
// "case/x.zip!inner/y.zip!z.jpg").
//
// A name may itself hold "!" (a ZIP member "a!b.jpg"), so Path alone can
// be read more than one way. Item.Parts holds the same locator split
// into its components, outermost source path first, then one inner path
// per container level (["case/x.zip", "inner/y.zip", "z.jpg"]), and says
// unambiguously where each level begins: strings.Join(Parts, "!") is Path.
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
	Path string // locator; see the package documentation

	// Parts are the components of Path: the path of the outermost source
	// (a file or directory entry of the host), then the inner path of the
	// item at each container level, so that strings.Join(Parts, "!") ==
	// Path. Unlike Path they stay unambiguous when a name holds "!". Every
	// Item this package creates has them; for an Item built elsewhere
	// without them, PathParts treats Path as one component.
	Parts []string

	Size  int64
	Type  Type
	Meta  Metadata
	Depth int // container nesting depth: 0 for an item named on the command line or found in a directory tree

	// Err, if set, says why the item could not be enumerated or read; the
	// scan turns it into an error record. Open is nil then.
	Err error

	// Open opens the content for reading. It is nil for items that are not
	// Regular or that carry Err. For members of tar, gzip, bzip2, xz, 7z and
	// RAR archives, Open and the File it returns are only valid until the
	// walk function returns for the member: they are streamed. Children of
	// random-access containers (see RandomAccess: ZIP members, files inside
	// disk images and volumes) may be opened later, from any goroutine, and
	// read concurrently, for as long as the container's own content (the
	// File passed to Expand) stays open and Expand has not returned; with
	// ExpandWait, until its wait function returns, after which an E01
	// image's segment files are closed.
	Open func() (File, error) `json:"-"`

	// Unexamined is set only on the summary item (Type Other, the disk's
	// own locator) that WalkDisk sends after a disk's or volume's files:
	// the parts of it that were not examined (unpartitioned space, free
	// clusters, partitions without a recognised file system). It is not
	// an error; the scan adds it to its summary.
	Unexamined []Gap `json:"-"`

	// Image is set only on the image item (Type Other, the image's own
	// locator) that Expand sends after the files of an E01 image: what the
	// image says about its acquisition and, with Limits.VerifyImages, the
	// outcome of checking its stored media hashes. It is not an error; the
	// scan adds it to its summary.
	Image *ImageInfo `json:"-"`
}

// PathParts returns it.Parts, or Path as the only component when Parts
// is empty (an Item built outside this package). The slice is shared:
// callers must not change it.
func (it Item) PathParts() []string {
	if len(it.Parts) == 0 {
		return []string{it.Path}
	}
	return it.Parts
}

// child returns the Parts of an item inside it at inner path inner. The
// result never shares its backing array with it.Parts, so that siblings
// cannot overwrite each other's last component.
func (it Item) child(inner string) []string {
	parts := it.PathParts()
	return append(parts[:len(parts):len(parts)], inner)
}

// ImageInfo describes one disk image: the chain-of-custody fields of its
// acquisition header and the check of its stored media hashes.
type ImageInfo struct {
	Path   string // the image's locator
	Format string // "e01"
	Size   int64  // media bytes

	// From the EWF header2/header section; "" when absent.
	CaseNumber     string
	EvidenceNumber string
	Examiner       string
	Description    string
	Notes          string
	Model          string
	SerialNumber   string
	DeviceLabel    string
	Software       string // acquiring software and version
	Platform       string // operating system of the acquiring machine
	Acquired       string // UTC RFC 3339 when the image gives a POSIX time, else as stored
	System         string // the acquiring machine's clock, same form

	StoredMD5  string // lower-case hex, "" if the image stores none
	StoredSHA1 string

	// Verification is "" when the check was not asked for (Limits.VerifyImages
	// false), else "verified", "mismatch" or "not verifiable" (no stored
	// hash, the check could not finish, or a read failed: VerifyError says
	// which).
	Verification string
	VerifyError  string
	ComputedMD5  string // "" when some chunk could not be read
	ComputedSHA1 string
	// BadRanges are the media byte ranges that could not be read or failed
	// their check, in media order. Each is also an error item.
	BadRanges []ByteRange
}

// ByteRange is a range of bytes: Offset and Length.
type ByteRange struct {
	Offset int64
	Length int64
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

	// VerifyImages makes Expand recompute the media MD5 and SHA-1 of every
	// E01 image, concurrently with listing its files, and compare them with
	// the stored ones (ImageInfo.Verification). Off by default: it reads
	// every chunk of the media, free space included.
	VerifyImages bool
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 8, MaxExpanded: 64 << 30, MaxRatio: 1000}
}
