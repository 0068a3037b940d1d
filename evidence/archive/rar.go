package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/nwaples/rardecode/v2"
)

func (w *walker) walkRAR() error {
	var rr *rardecode.Reader
	err := guard("rar", func() error {
		var err error
		rr, err = rardecode.NewReader(io.NewSectionReader(w.r, 0, w.size), rardecode.MaxDictionarySize(w.opt.MaxDictionary))
		return err
	})
	if err != nil {
		return rarArchiveError(err, "")
	}
	head := make([]byte, len(magicRAR4))
	n, _ := w.r.ReadAt(head, 0)
	// RAR 4 keeps MS-DOS local times, which the library places in the
	// examiner's time zone; reading them as UTC keeps reports the same
	// on every machine.
	dosTimes := bytes.Equal(head[:n], magicRAR4)
	prev := ""
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		w.current = ""
		var h *rardecode.FileHeader
		err := guard("rar", func() error {
			var err error
			h, err = rr.Next()
			return err
		})
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return rarArchiveError(err, prev)
		}
		prev = h.Name
		stop, err := w.rarMember(rr, h, dosTimes)
		if err != nil || stop {
			return err
		}
	}
}

func rarArchiveError(err error, prev string) error {
	if errors.Is(err, rardecode.ErrArchiveEncrypted) {
		return fmt.Errorf("rar: %w", ErrEncryptedHeaders)
	}
	if prev == "" {
		return fmt.Errorf("rar: %w", err)
	}
	return fmt.Errorf("rar: header after member %q: %w; rest of archive not examined", prev, err)
}

func (w *walker) rarMember(rr *rardecode.Reader, h *rardecode.FileHeader, dosTimes bool) (bool, error) {
	m := Member{Name: h.Name, Size: h.UnPackedSize}
	if h.UnKnownSize {
		m.Size = -1
	}
	if t := h.ModificationTime; !t.IsZero() {
		if dosTimes {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		m.Modified = t.UTC()
	}
	switch {
	case h.IsDir:
		m.Mode = fs.ModeDir
	case h.LinkType == rardecode.LinkTypeUnixSymlink, h.LinkType == rardecode.LinkTypeWindowsSymlink, h.LinkType == rardecode.LinkTypeWindowsJunction:
		m.Mode = fs.ModeSymlink
	case h.LinkType != rardecode.LinkTypeNone: // hard links and file copies: content is another member's
		m.Mode = fs.ModeIrregular
	}
	if m.Mode != 0 {
		m.Size = 0
		return false, w.emit(m)
	}
	if h.Encrypted {
		m.Encrypted, m.Err = true, ErrEncrypted
		return false, w.emit(m)
	}
	compressed := h.PackedSize
	if h.Solid { // decoding a solid member decodes its predecessors' data too
		compressed = -1
	}
	w.current = h.Name
	hint := m.Size
	_, stop, err := w.emitContent(m, w.memberLimited(&guardedReader{r: rr, what: "rar"}, h.Name, compressed), hint, func(err error) error {
		if errors.Is(err, rardecode.ErrDictionaryTooLarge) {
			return &LimitError{Limit: LimitDict, Member: h.Name, Max: w.opt.MaxDictionary,
				Detail: fmt.Sprintf("the member asks for a larger decoder dictionary than %d bytes", w.opt.MaxDictionary)}
		}
		return fmt.Errorf("rar member %q: %w", h.Name, err)
	})
	return stop, err
}
