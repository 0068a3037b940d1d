package archive

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
)

// errReleased is returned by reads of a member File after the walk
// callback that received it has returned.
var errReleased = errors.New("archive: member content read after the walk moved on")

// spooled holds one decompressed member: in memory, or in an anonymous
// temporary file when it is larger than Options.MemoryLimit.
type spooled struct {
	buf      []byte
	file     *os.File
	name     string // temp file still to remove on release (systems that cannot unlink open files)
	size     int64
	w        *walker // takes buf back for the next member
	released atomic.Bool
}

const copyChunk = 256 << 10

// spool reads r to EOF. sizeHint (the size the archive claims, or -1) only
// pre-sizes the memory buffer, never beyond MemoryLimit. With reuse, the
// spool borrows and returns the walker's spare buffer: only for spools
// made and released by the walking goroutine.
func (w *walker) spool(r io.Reader, sizeHint int64, reuse bool) (*spooled, error) {
	limit := w.opt.MemoryLimit
	capHint := int64(copyChunk)
	if sizeHint >= 0 && sizeHint < limit {
		capHint = sizeHint + 1 // +1 so that EOF is seen without growing
	}
	var buf []byte
	if reuse && int64(cap(w.spare)) >= capHint {
		buf, w.spare = w.spare[:0], nil // reuse the last member's buffer
	} else {
		buf = make([]byte, 0, capHint)
	}
	for {
		if err := w.ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return w.spoolToFile(buf, r)
			}
			grow := min(max(int64(cap(buf)), copyChunk), limit-int64(len(buf)))
			nb := make([]byte, len(buf), int64(len(buf))+grow)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			sp := &spooled{buf: buf, size: int64(len(buf))}
			if reuse {
				sp.w = w
			}
			return sp, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// spoolToFile writes head and the rest of r to an anonymous temp file.
func (w *walker) spoolToFile(head []byte, r io.Reader) (_ *spooled, err error) {
	f, err := os.CreateTemp(w.opt.TempDir, "hashtriage-member-*")
	if err != nil {
		return nil, fmt.Errorf("spooling large member: %w", err)
	}
	sp := &spooled{file: f}
	// Unlink at once where the OS allows it, so no name is left behind
	// even if the process dies; Windows cannot remove an open file.
	if runtime.GOOS == "windows" || os.Remove(f.Name()) != nil {
		sp.name = f.Name()
	}
	defer func() {
		if err != nil {
			sp.release()
		}
	}()
	if _, err := f.Write(head); err != nil {
		return nil, fmt.Errorf("spooling large member: %w", err)
	}
	n, err := io.CopyBuffer(f, &ctxReader{w: w, r: r}, make([]byte, copyChunk))
	if err != nil {
		return nil, err
	}
	sp.size = int64(len(head)) + n
	return sp, nil
}

type ctxReader struct {
	w *walker
	r io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.w.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (s *spooled) ReadAt(p []byte, off int64) (int, error) {
	if s.released.Load() {
		return 0, errReleased
	}
	if off < 0 {
		return 0, errors.New("archive: negative offset")
	}
	if off >= s.size {
		return 0, io.EOF
	}
	if s.file != nil {
		n, err := s.file.ReadAt(p[:min(int64(len(p)), s.size-off)], off)
		if err == nil && n < len(p) {
			err = io.EOF
		}
		return n, err
	}
	n := copy(p, s.buf[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *spooled) open() (File, error) {
	if s.released.Load() {
		return nil, errReleased
	}
	return newSectionFile(s, 0, s.size), nil
}

func (s *spooled) release() {
	if s.released.Swap(true) {
		return
	}
	if s.w != nil && cap(s.buf) > cap(s.w.spare) {
		s.w.spare = s.buf // views check released before they copy
	}
	s.buf = nil
	if s.file != nil {
		s.file.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
	}
}

// ownedFile is a File that frees its spool when closed.
type ownedFile struct {
	sectionFile
	sp *spooled
}

func (f *ownedFile) Close() error {
	f.sp.release()
	return nil
}

// sectionFile is a File over a byte range of an io.ReaderAt.
type sectionFile struct {
	sr *io.SectionReader
}

func newSectionFile(r io.ReaderAt, off, n int64) *sectionFile {
	return &sectionFile{sr: io.NewSectionReader(r, off, n)}
}

func (f *sectionFile) Read(p []byte) (int, error)              { return f.sr.Read(p) }
func (f *sectionFile) ReadAt(p []byte, off int64) (int, error) { return f.sr.ReadAt(p, off) }
func (f *sectionFile) Size() int64                             { return f.sr.Size() }
func (f *sectionFile) Close() error                            { return nil }

// checkedFile is a File over a stored member read in place whose
// sequential reads are checked against the CRC-32 the archive records:
// the Read that reaches the end returns an error if the bytes differ, as
// archive/zip does for the members it decompresses.
type checkedFile struct {
	sectionFile
	crc     uint32
	want    uint32
	checked bool
	bad     error // sticky once the check failed
	name    string
}
