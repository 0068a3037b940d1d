package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// posReader tracks the offset of a TAR stream read from an io.ReaderAt,
// so that the data of a plain member can be served in place. archive/tar
// reads headers in whole blocks and skips data with Seek, so after Next
// the offset is where the member's data starts.
type posReader struct {
	sr *io.SectionReader
}

func (p *posReader) Read(b []byte) (int, error) { return p.sr.Read(b) }
func (p *posReader) Seek(off int64, whence int) (int64, error) {
	return p.sr.Seek(off, whence)
}
func (p *posReader) pos() int64 {
	n, _ := p.sr.Seek(0, io.SeekCurrent)
	return n
}

// walkPlainTar walks an uncompressed TAR held in w.r.
func (w *walker) walkPlainTar() error {
	pr := &posReader{sr: io.NewSectionReader(w.r, 0, w.size)}
	return w.walkTar(pr, pr)
}

// walkTar walks the TAR stream src. If pos is not nil, src reads w.r from
// offset 0 and plain members are served in place; otherwise every member
// is decompressed into a spool.
func (w *walker) walkTar(src io.Reader, pos *posReader) error {
	tr := tar.NewReader(src)
	prev := ""
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		w.current = ""
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			var le *LimitError
			if errors.As(err, &le) { // hit while skipping to the next header
				return fmt.Errorf("tar: after member %q: %w", prev, err)
			}
			if prev == "" {
				return fmt.Errorf("tar: %w", err)
			}
			return fmt.Errorf("tar: header after member %q: %w; rest of archive not examined", prev, err)
		}
		prev = hdr.Name
		stop, err := w.tarMember(tr, hdr, pos)
		if err != nil || stop {
			return err
		}
	}
}

func (w *walker) tarMember(tr *tar.Reader, hdr *tar.Header, pos *posReader) (bool, error) {
	m := Member{Name: hdr.Name, Size: hdr.Size}
	if !hdr.ModTime.IsZero() {
		m.Modified = hdr.ModTime.UTC()
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
	case tar.TypeDir:
		m.Mode, m.Size = fs.ModeDir, 0
	case tar.TypeSymlink:
		m.Mode, m.Size = fs.ModeSymlink, 0
	case tar.TypeChar:
		m.Mode, m.Size = fs.ModeDevice|fs.ModeCharDevice, 0
	case tar.TypeBlock:
		m.Mode, m.Size = fs.ModeDevice, 0
	case tar.TypeFifo:
		m.Mode, m.Size = fs.ModeNamedPipe, 0
	default: // hard links (content is another member's), unknown types
		m.Mode, m.Size = fs.ModeIrregular, 0
	}
	if m.Mode != 0 {
		return false, w.emit(m)
	}
	if hdr.Size < 0 {
		m.Err, m.Size = fmt.Errorf("tar member %q: negative size %d", hdr.Name, hdr.Size), -1
		return false, w.emit(m)
	}
	if pos != nil && !tarSparse(hdr) {
		off := pos.pos()
		if off <= w.size && hdr.Size <= w.size-off {
			if err := w.charge(hdr.Name, hdr.Size); err != nil {
				m.Err, m.Size = err, -1
				return true, w.emit(m)
			}
			m.Open = func() (File, error) { return newSectionFile(w.r, off, hdr.Size), nil }
			return false, w.emit(m)
		}
		// Truncated archive: fall through, so the read reports it.
	}
	var in io.Reader = tr
	if pos != nil { // sparse member of a plain tar: holes expand, so count
		in = w.memberLimited(tr, hdr.Name, -1)
	}
	failed, stop, err := w.emitContent(m, in, hdr.Size, func(err error) error {
		if pos == nil {
			return fmt.Errorf("tar member %q: %w; rest of archive not examined", hdr.Name, err)
		}
		return fmt.Errorf("tar member %q: %w", hdr.Name, err)
	})
	// In a stream, a read error leaves no way to the next header.
	return stop || failed && pos == nil, err
}

// tarSparse reports whether hdr describes a sparse file, whose stored data
// is not its content.
func tarSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
