package hashset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hashtriage/hashtriage/internal/utf16le"
)

var formatEnCase = &Format{
	Name: "encase",
	Description: "EnCase 3-6 binary hash set (.hash): magic HASH\\r\\n\\xff\\x00, a 0x480-byte header with " +
		"the set name and category, then 18-byte records of one MD5 each; records are numbered from 1",
	sniff:     sniffEnCase,
	newReader: newEnCaseReader,
}

func init() { formatEnCase.openFile = openStreamFile(newEnCaseReader) }

// EnCase .hash layout (hash-list-formats.md §5.5).
const (
	encaseHeaderSize = 0x480
	encaseRecordSize = 18
	encaseCountAt    = 0x10
	encaseNameAt     = 0x408
	encaseNameLen    = 80
	encaseCategoryAt = 0x458
	encaseCategoryLn = 40
)

var encaseMagic = []byte("HASH\r\n\xff\x00")

func sniffEnCase(h *sniffed) specificity {
	if bytes.HasPrefix(h.raw, encaseMagic) {
		return byMagic
	}
	return noMatch
}

type encaseReader struct {
	listState
	r        io.Reader
	declared uint32
	records  int
	rec      [encaseRecordSize]byte
	done     bool
}

func newEnCaseReader(r io.Reader, name string) (Reader, error) {
	var hdr [encaseHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: EnCase hash set shorter than its 0x%x-byte header", name, encaseHeaderSize)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !bytes.HasPrefix(hdr[:], encaseMagic) {
		return nil, fmt.Errorf("%s: not an EnCase hash set (bad magic % x)", name, hdr[:8])
	}
	e := &encaseReader{listState: newListState(name, "encase"), r: r}
	e.info.FormatVersion = strconv.FormatUint(uint64(binary.LittleEndian.Uint32(hdr[8:])), 10)
	e.declared = binary.LittleEndian.Uint32(hdr[encaseCountAt:])
	e.setMeta("name", utf16le.String(hdr[encaseNameAt:encaseNameAt+encaseNameLen]))
	e.setMeta("category", utf16le.String(hdr[encaseCategoryAt:encaseCategoryAt+encaseCategoryLn]))
	e.setMeta("declared_count", strconv.FormatUint(uint64(e.declared), 10))
	return e, nil
}

func (e *encaseReader) Next() (Entry, error) {
	if en, ok, err := e.pop(); ok {
		return en, err
	}
	if e.done {
		return Entry{}, io.EOF
	}
	n, err := io.ReadFull(e.r, e.rec[:])
	switch {
	case err == nil:
		e.records++
		d := bytes.Clone(e.rec[:16])
		return newEntry(MD5, d, e.records), nil
	case errors.Is(err, io.EOF):
		e.done = true
		if uint32(e.records) != e.declared {
			return Entry{}, e.parseError(0, fmt.Errorf("header declares %d hashes, the file holds %d", e.declared, e.records))
		}
		return Entry{}, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.done = true
		e.records++
		if uint32(e.records-1) != e.declared {
			e.pending = e.parseError(0, fmt.Errorf("header declares %d hashes, the file holds %d", e.declared, e.records-1))
		}
		return Entry{}, e.parseError(e.records, fmt.Errorf("truncated record: %d of %d bytes", n, encaseRecordSize))
	default:
		e.done = true
		return Entry{}, fmt.Errorf("%s: %w", e.file, err)
	}
}

func (e *encaseReader) Close() error { return nil }
