package hashset

import (
	"errors"
	"io"
	"slices"
)

var formatNSRL = &Format{
	Name: "nsrl",
	Description: "NIST NSRL RDS text (NSRLFile.txt), 1.5 and 2.x column orders, told apart by the header; " +
		"SHA-1 and MD5 entries named by FileName, MD4 and CRC32 counted as unsupported",
	sniff:     sniffNSRL,
	newReader: newNSRLReader,
}

func init() { formatNSRL.openFile = openStreamFile(newNSRLReader) }

func sniffNSRL(h *sniffed) specificity {
	hd := h.header()
	if len(hd) > 0 && hd[0] == "sha-1" && slices.Contains(hd, "md5") && slices.Contains(hd, "filename") {
		return byHeader
	}
	return noMatch
}

func newNSRLReader(r io.Reader, name string) (Reader, error) {
	return newHeaderReader(r, name, "nsrl", func(t *textReader, h []string) (func([][]byte, int) error, error) {
		sha1, md5 := columnIndex(h, "sha-1", "sha1"), columnIndex(h, "md5")
		if sha1 < 0 && md5 < 0 {
			return nil, errors.New(`NSRL header names neither "SHA-1" nor "MD5"`)
		}
		md4, crc := columnIndex(h, "md4"), columnIndex(h, "crc32")
		fname, fsize, special := columnIndex(h, "filename"), columnIndex(h, "filesize"), columnIndex(h, "specialcode")
		if md4 >= 0 {
			t.info.FormatVersion = "1.5"
		} else {
			t.info.FormatVersion = "2.x"
		}
		return func(f [][]byte, n int) error {
			e := newEntry(Unknown, nil, n)
			if c := field(f, fname); c != nil {
				e.ID = string(f[fname]) // verbatim: NSRL pads some names
			}
			e.Size = parseSize(field(f, fsize))
			e.Category = string(field(f, special))
			if len(field(f, md4)) > 0 {
				t.unsupported("md4")
			}
			if len(field(f, crc)) > 0 {
				t.unsupported("crc32")
			}
			err1 := t.pushDigest(e, SHA1, field(f, sha1))
			err2 := t.pushDigest(e, MD5, field(f, md5))
			if err1 != nil {
				return err1
			}
			if err2 != nil {
				return err2
			}
			if len(field(f, sha1)) == 0 && len(field(f, md5)) == 0 {
				return errors.New("record without SHA-1 or MD5")
			}
			return nil
		}, nil
	}), nil
}
