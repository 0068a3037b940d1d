package archive

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"

	"github.com/bodgit/sevenzip"
)

func (w *walker) walk7z() error {
	// The header is checked before the library sees it: it would
	// otherwise allocate whatever dictionary the header names.
	plan, err := sevenZipCheck(w.r, w.size, w.opt)
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return err
		}
		return fmt.Errorf("7z: %w", err)
	}
	zr, err := w.open7z()
	if err != nil {
		return err
	}
	// The library keeps the decoder of a folder holding several files
	// (with its dictionary) until the Reader is dropped. When the kept
	// decoders would exceed the dictionary bound, the Reader is opened
	// anew so that the old ones can be freed.
	var kept int64
	folder := -1
	shared := make(map[int]int) // files per folder
	for _, f := range zr.File {
		if sevenZipHasStream(f) {
			shared[f.Stream]++
		}
	}
	for i := 0; i < len(zr.File); i++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		f := zr.File[i]
		if plan != nil && sevenZipHasStream(f) && f.Stream != folder && f.Stream >= 0 && f.Stream < len(plan.folderMemory) {
			if prev := folder; prev >= 0 && shared[prev] > 1 {
				kept += plan.folderMemory[prev]
			}
			folder = f.Stream
			if need := plan.folderMemory[folder]; kept > 0 && kept+need > w.opt.MaxDictionary {
				if zr, err = w.reopen7z(zr, i); err != nil {
					return err
				}
				f, kept = zr.File[i], 0
			}
		}
		stop, err := w.sevenZipMember(f)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// sevenZipHasStream reports whether f's content comes from a folder (as
// opposed to an empty file or a directory, which have none).
func sevenZipHasStream(f *sevenzip.File) bool {
	return !f.FileInfo().IsDir() && f.UncompressedSize > 0
}

// open7z opens the archive with the 7z library.
func (w *walker) open7z() (*sevenzip.Reader, error) {
	var zr *sevenzip.Reader
	err := guard("7z", func() error {
		var err error
		zr, err = sevenzip.NewReader(w.r, w.size)
		return err
	})
	if err != nil {
		if sevenZipEncrypted(err) {
			return nil, fmt.Errorf("7z: %w", ErrEncryptedHeaders)
		}
		return nil, fmt.Errorf("7z: %w", err)
	}
	return zr, nil
}

// reopen7z opens the archive again, dropping old and the decoders it
// keeps; the new Reader must list the same files, file i at the same
// place.
func (w *walker) reopen7z(old *sevenzip.Reader, i int) (*sevenzip.Reader, error) {
	zr, err := w.open7z()
	if err != nil {
		return nil, err
	}
	if len(zr.File) != len(old.File) || zr.File[i].Name != old.File[i].Name || zr.File[i].Stream != old.File[i].Stream {
		return nil, errors.New("7z: archive changed while it was read")
	}
	return zr, nil
}

func (w *walker) sevenZipMember(f *sevenzip.File) (bool, error) {
	m := Member{Name: f.Name, Size: clampSize(f.UncompressedSize)}
	if !f.Modified.IsZero() {
		m.Modified = f.Modified.UTC()
	}
	m.Mode = f.FileInfo().Mode() & fs.ModeType
	if m.Mode != 0 {
		if m.Mode&^(fs.ModeDir|fs.ModeSymlink|fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket) != 0 {
			m.Mode = fs.ModeIrregular
		}
		m.Size = 0
		return false, w.emit(m)
	}
	var rc io.ReadCloser
	err := guard("7z", func() error {
		var err error
		rc, err = f.Open()
		return err
	})
	if err != nil {
		return false, w.emit(sevenZipFailed(m, err))
	}
	defer guard("7z", rc.Close)
	in := &guardedReader{r: rc, what: "7z"}
	var src io.Reader = in
	if f.CRC32 != 0 { // 0 is also what the library reports when no CRC is stored
		src = &crcReader{r: in, want: f.CRC32}
	}
	w.current = f.Name
	// 7z members share solid blocks: no per-member compressed size.
	_, stop, err := w.emitContent(m, w.memberLimited(src, f.Name, -1), m.Size, func(err error) error {
		if sevenZipEncrypted(err) {
			return ErrEncrypted
		}
		return fmt.Errorf("7z member %q: %w", f.Name, err)
	})
	return stop, err
}

// sevenZipFailed makes m a member whose content could not be opened.
func sevenZipFailed(m Member, err error) Member {
	m.Size = -1
	if sevenZipEncrypted(err) {
		m.Encrypted, m.Err = true, ErrEncrypted
		return m
	}
	m.Err = fmt.Errorf("7z member %q: %w", m.Name, err)
	return m
}

// sevenZipEncrypted reports whether the library says encryption was
// involved in err: no password is tried, so any encrypted data fails.
func sevenZipEncrypted(err error) bool {
	var re *sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return true
	}
	var rv sevenzip.ReadError
	return errors.As(err, &rv) && rv.Encrypted
}

// crcReader checks a member's recorded CRC-32 when its end is reached;
// the 7z library does not check member data.
type crcReader struct {
	r    io.Reader
	crc  uint32
	want uint32
}

var errChecksum = errors.New("checksum error: data differ from the CRC-32 the archive records")

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	if err == io.EOF && c.crc != c.want {
		return n, errChecksum
	}
	return n, err
}

// guard runs a call into a third-party decoder and turns a panic in it
// into an error: a decoder bug triggered by hostile input must not end the
// scan.
func guard(what string, call func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: decoder failed on malformed input: %v", what, p)
		}
	}()
	return call()
}

type guardedReader struct {
	r    io.Reader
	what string
}

func (g *guardedReader) Read(p []byte) (n int, err error) {
	err = guard(g.what, func() error {
		var rerr error
		n, rerr = g.r.Read(p)
		return rerr
	})
	if n < 0 || n > len(p) {
		return 0, fmt.Errorf("%s: decoder returned an invalid count", g.what)
	}
	return n, err
}
