package archive

import (
	"archive/zip"
	"compress/bzip2"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
)

// zipMethodBzip2 is the APPNOTE method number of bzip2, which archive/zip
// does not register itself.
const zipMethodBzip2 = 12

func (w *walker) walkZip() error {
	zr, err := zip.NewReader(w.r, w.size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return fmt.Errorf("zip: %w", err)
	}
	zr.RegisterDecompressor(zipMethodBzip2, func(r io.Reader) io.ReadCloser { return io.NopCloser(bzip2.NewReader(r)) })
	for _, f := range zr.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		stop, err := w.zipMember(zr, f)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func (w *walker) zipMember(zr *zip.Reader, f *zip.File) (stop bool, err error) {
	m := Member{Name: f.Name, Size: clampSize(f.UncompressedSize64)}
	if !f.Modified.IsZero() {
		m.Modified = f.Modified.UTC()
	}
	mode := f.Mode()
	m.Mode = mode & fs.ModeType
	if m.Mode&fs.ModeType&^(fs.ModeDir|fs.ModeSymlink|fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket) != 0 {
		m.Mode = fs.ModeIrregular
	}
	switch {
	case m.Mode != 0:
		m.Size = 0
		if m.Mode&fs.ModeSymlink != 0 {
			m.Size = clampSize(f.UncompressedSize64)
		}
		return false, w.emit(m)
	case f.Flags&0x1 != 0: // APPNOTE 4.4.4 bit 0: encrypted (ZipCrypto or AES)
		m.Encrypted, m.Err = true, ErrEncrypted
		return false, w.emit(m)
	}
	switch f.Method {
	case zip.Store:
		return w.zipStored(m, f)
	case zip.Deflate, zipMethodBzip2:
	default:
		m.Err, m.Size = fmt.Errorf("zip member %q: unsupported zip compression method %d", f.Name, f.Method), -1
		return false, w.emit(m)
	}
	// Decompressed on Open, not now: the caller may open ZIP members
	// later and in parallel (see Member.Open).
	compressed := clampSize(f.CompressedSize64)
	size := m.Size
	m.Open = func() (File, error) {
		if w.exhausted() {
			return nil, &LimitError{Limit: w.limitName, Member: f.Name, Max: w.maxExpanded,
				Detail: w.limitDetail + ", already spent on earlier members"}
		}
		var rc io.ReadCloser
		err := guard("zip", func() error {
			var err error
			rc, err = f.Open()
			return err
		})
		if err != nil {
			if errors.Is(err, zip.ErrAlgorithm) {
				err = fmt.Errorf("unsupported zip compression method %d", f.Method)
			}
			return nil, fmt.Errorf("zip member %q: %w", f.Name, err)
		}
		defer rc.Close()
		sp, err := w.spool(w.memberLimited(&guardedReader{r: rc, what: "zip"}, f.Name, compressed), size, false)
		if err != nil {
			if _, ok := err.(*LimitError); ok {
				return nil, err
			}
			return nil, fmt.Errorf("zip member %q: %w", f.Name, err)
		}
		return &ownedFile{sectionFile: *newSectionFile(sp, 0, sp.size), sp: sp}, nil
	}
	return false, w.emit(m)
}

// zipStored serves a stored member in place, its CRC-32 checked by the
// sequential reads of the File.
func (w *walker) zipStored(m Member, f *zip.File) (bool, error) {
	fail := func(err error) (bool, error) {
		m.Err, m.Size = fmt.Errorf("zip member %q: %w", f.Name, err), -1
		return false, w.emit(m)
	}
	off, err := f.DataOffset()
	if err != nil {
		return fail(err)
	}
	n := clampSize(f.CompressedSize64)
	if f.CompressedSize64 != f.UncompressedSize64 {
		return fail(fmt.Errorf("stored member sizes disagree: %d compressed, %d uncompressed: %w", f.CompressedSize64, f.UncompressedSize64, zip.ErrFormat))
	}
	if off < 0 || n > w.size || off > w.size-n {
		return fail(fmt.Errorf("data at offset %d, %d bytes, extends past the archive's end at %d: %w", off, n, w.size, io.ErrUnexpectedEOF))
	}
	if err := w.charge(f.Name, n); err != nil {
		m.Err, m.Size = err, -1
		return true, w.emit(m)
	}
	m.Size = n
	m.Open = func() (File, error) {
		return &checkedFile{sectionFile: *newSectionFile(w.r, off, n), want: f.CRC32, name: f.Name}, nil
	}
	return false, w.emit(m)
}

func (c *checkedFile) Read(p []byte) (int, error) {
	if c.bad != nil {
		return 0, c.bad
	}
	n, err := c.sr.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	if err == io.EOF && !c.checked {
		c.checked = true
		if c.crc != c.want {
			c.bad = fmt.Errorf("zip member %q: %w", c.name, zip.ErrChecksum)
			return n, c.bad
		}
	}
	return n, err
}

func clampSize(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}
