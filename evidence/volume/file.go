package volume

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// Kind classifies an entry.
type Kind uint8

const (
	KindRegular Kind = iota // content to hash
	KindSymlink             // not followed
	KindOther               // device node, FIFO, socket: no content
)

// An Entry is one file (or one NTFS data stream) found in a volume.
type Entry struct {
	// Path is the inner locator: the partition level ("p2") if the disk has
	// a partition table, then the path inside the file system, separated by
	// "/" without a leading slash; an NTFS alternate data stream appends
	// ":name" ("p2/Users/a/x.jpg:Zone.Identifier").
	Path       string
	Kind       Kind
	Size       int64
	FileSystem string // "fat12", "fat16", "fat32", "exfat", "ntfs", "ext2", "ext3" or "ext4"
	Inode      uint64 // FAT, exFAT: The Sleuth Kit's directory-entry address; NTFS: MFT entry; ext: inode
	Deleted    bool   // the file system marks the entry deleted: content may be partly overwritten
	Stream     string // NTFS alternate data stream name
	Modified   time.Time
	Accessed   time.Time
	Changed    time.Time // inode / MFT record change
	Created    time.Time
	// Note qualifies content that is a reconstruction, for example a
	// deleted FAT file read from the contiguous clusters after its start
	// cluster ("content unverified").
	Note string
	// Err is set when the entry was found but its content cannot be read;
	// Open is then unusable.
	Err error

	open func() (*File, error)
}

// Open returns a reader over the entry's content. It reads through to the
// disk on every call and copies nothing ahead.
func (e Entry) Open() (*File, error) {
	if e.Err != nil {
		return nil, e.Err
	}
	if e.open == nil {
		return nil, fmt.Errorf("%s: no content", e.Path)
	}
	return e.open()
}

// A File reads an entry's content. It implements io.Reader, io.ReaderAt,
// io.Seeker and io.Closer; Close releases nothing on the disk, which the
// caller owns.
type File struct {
	r    io.ReaderAt
	size int64
	off  int64
}

// NewFile returns a File reading size bytes from r.
func NewFile(r io.ReaderAt, size int64) *File { return &File{r: r, size: size} }

// Size returns the content length.
func (f *File) Size() int64 { return f.size }

// ReadAt reads at off; reads past Size return io.EOF.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("volume: negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	short := false
	if rem := f.size - off; int64(len(p)) > rem {
		p = p[:rem]
		short = true
	}
	n, err := f.r.ReadAt(p, off)
	if err == io.EOF {
		if n == len(p) {
			err = nil
		} else {
			// The content ends before its declared size: never pass
			// short data off as the whole file.
			err = fmt.Errorf("content ends at byte %d of %d: %w", off+int64(n), f.size, io.ErrUnexpectedEOF)
		}
	}
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// Read reads from the current offset.
func (f *File) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the offset for the next Read.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, errors.New("volume: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("volume: negative position")
	}
	f.off = offset
	return offset, nil
}

// Close does nothing: the disk belongs to the caller.
func (f *File) Close() error { return nil }

// An extent maps length bytes at logical offset logical of a file to
// physical offset physical of the volume; physical < 0 is a hole (sparse
// region or unwritten extent) that reads as zeros, as the file system
// defines it.
type extent struct {
	logical, physical, length int64
}

// extentReader reads a file made of extents, passing each read straight
// to the volume per extent: no intermediate copying.
type extentReader struct {
	src     io.ReaderAt
	extents []extent // sorted by logical, non-overlapping
	what    string   // for errors
}

func (x *extentReader) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		i := sort.Search(len(x.extents), func(i int) bool {
			e := x.extents[i]
			return e.logical+e.length > pos
		})
		if i == len(x.extents) || x.extents[i].logical > pos {
			// Not covered by any extent: the caller's size check makes
			// this a gap in the map, which the file system defines as a
			// hole only where the format says so; here it is an error.
			return n, fmt.Errorf("%s: byte %d is not mapped to the volume", x.what, pos)
		}
		e := x.extents[i]
		chunk := p[n:]
		if rem := e.logical + e.length - pos; int64(len(chunk)) > rem {
			chunk = chunk[:rem]
		}
		if e.physical < 0 {
			clear(chunk)
			n += len(chunk)
			continue
		}
		m, err := x.src.ReadAt(chunk, e.physical+pos-e.logical)
		n += m
		if err != nil && !(err == io.EOF && m == len(chunk)) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, fmt.Errorf("%s: reading byte %d: %w", x.what, pos, err)
		}
	}
	return n, nil
}

// appendExtent adds an extent, merging it with the previous one when both
// are physically contiguous, so contiguous files read in one call.
func appendExtent(xs []extent, e extent) []extent {
	if n := len(xs); n > 0 {
		last := &xs[n-1]
		if last.logical+last.length == e.logical &&
			((last.physical >= 0 && last.physical+last.length == e.physical) || (last.physical < 0 && e.physical < 0)) {
			last.length += e.length
			return xs
		}
	}
	return append(xs, e)
}
