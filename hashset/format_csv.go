package hashset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

var formatPDQ = &Format{
	Name: "pdq",
	Description: "PDQ lists: CSV with a hash column (+ quality, + id/name/path), the reference hasher's " +
		"hash,quality,path lines, or bare 64-hex hashes one a line (auto-detection reads bare 64-hex " +
		"lines as SHA-256: name --format pdq for those); also goimagehash strings a:/d:/p:<16 hex>",
	sniff:     sniffPDQ,
	newReader: newPDQReader,
}

var formatCSV = &Format{
	Name: "csv",
	Description: "any CSV whose header names hash columns (md5, sha1, sha256, pdq with pdq_quality, ahash, " +
		"dhash, phash) and optionally id, path, name, category, series, size; what hashtriage hash prints. " +
		"Empty cells are skipped",
	sniff:     sniffCSV,
	newReader: newCSVReader,
}

func init() {
	formatPDQ.openFile = openStreamFile(newPDQReader)
	formatCSV.openFile = openStreamFile(newCSVReader)
}

// idColumns are the columns that name an entry, most specific first.
var idColumns = []string{"id", "mediaid", "path", "name", "filename", "file_name", "file"}

// ---- goimagehash strings ----

// imageHashKind maps goimagehash's ToString prefixes to algorithms.
func imageHashKind(c byte) (Algorithm, string) {
	switch c {
	case 'a':
		return AHash, ""
	case 'd':
		return DHash, ""
	case 'p':
		return PHash, ""
	case 'w':
		return Unknown, "whash"
	}
	return Unknown, ""
}

// parseImageHash parses "a:<16 hex>" (goimagehash ImageHash.ToString).
// The 8 digest bytes are the hash's uint64 in big-endian order, as the hex reads.
func parseImageHash(b []byte) (Algorithm, []byte, string, error) {
	if len(b) != 18 || b[1] != ':' {
		return Unknown, nil, "", fmt.Errorf("not a goimagehash string: %s", quoteShort(b))
	}
	a, unsupported := imageHashKind(b[0])
	if unsupported != "" {
		return Unknown, nil, unsupported, nil
	}
	if a == Unknown {
		return Unknown, nil, "", fmt.Errorf("unknown goimagehash kind %q", b[0])
	}
	d, err := decodeDigest(a, b[2:])
	return a, d, "", err
}

// parsePerceptualCell reads a cell of an ahash/dhash/phash column: 16 hex,
// with or without goimagehash's "x:" prefix.
func parsePerceptualCell(a Algorithm, cell []byte) ([]byte, error) {
	if len(cell) == 18 && cell[1] == ':' {
		if k, _ := imageHashKind(cell[0]); k != a {
			return nil, fmt.Errorf("%s column holds %s", a, quoteShort(cell))
		}
		cell = cell[2:]
	}
	return decodeDigest(a, cell)
}

// parseQuality parses a PDQ quality 0..100.
func parseQuality(b []byte) (int, error) {
	q := parseSize(b)
	if q < 0 || q > 100 {
		return -1, fmt.Errorf("PDQ quality %s is not 0..100", quoteShort(b))
	}
	return int(q), nil
}

// ---- pdq ----

func sniffPDQ(h *sniffed) specificity {
	hd := h.header()
	if slices.Contains(hd, "hash") && (slices.Contains(hd, "quality") || slices.Contains(hd, "pdq_quality")) {
		return byHeader
	}
	good := 0
	for _, l := range h.lines {
		if !isPDQLine(l) {
			return noMatch
		}
		good++
	}
	if good > 0 {
		return byLines
	}
	return noMatch
}

// isPDQLine reports whether l is a goimagehash string or a hasher line
// "<64 hex>,<quality>[,path]". Bare 64-hex lines are not claimed: they are
// read as SHA-256 unless the user names the pdq format.
func isPDQLine(l []byte) bool {
	l = bytes.TrimSpace(l)
	if len(l) == 18 && l[1] == ':' && isAllHex(l[2:]) {
		a, u := imageHashKind(l[0])
		return a != Unknown || u != ""
	}
	if len(l) > 65 && hexRun(l) == 64 && l[64] == ',' {
		q, _, _ := bytes.Cut(l[65:], []byte(","))
		_, err := parseQuality(q)
		return err == nil
	}
	return false
}

func newPDQReader(r io.Reader, name string) (Reader, error) {
	t := newTextReader(r, name, "pdq")
	var fields [][]byte
	var sep byte = ','
	started := false
	hash, quality, id := 0, 1, 2 // the hasher's column order until a header says otherwise
	t.parse = func(line []byte, n int) error {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] == '#' {
			return nil
		}
		if !started {
			started = true
			if hexRun(l) != 64 && !(len(l) == 18 && l[1] == ':') {
				sep = csvSeparator(l)
				hd := headerNames(l, sep)
				if hash = columnIndex(hd, "hash", "pdq", "pdq_hash"); hash < 0 {
					t.fatal = fmt.Errorf(`%s:%d: PDQ list header has no "hash" column`, name, n)
					return nil
				}
				quality, id = columnIndex(hd, "quality", "pdq_quality"), columnIndex(hd, idColumns...)
				t.setMeta("columns", strings.Join(hd, ","))
				return nil
			}
		}
		if len(l) == 18 && l[1] == ':' {
			a, d, unsupported, err := parseImageHash(l)
			switch {
			case err != nil:
				return err
			case unsupported != "":
				t.unsupported(unsupported)
				return nil
			}
			t.push(newEntry(a, d, n))
			return nil
		}
		fields = splitCSV(l, sep, 0, fields)
		e := newEntry(PDQ, nil, n)
		if c := field(fields, id); len(c) > 0 {
			e.ID = string(c)
		}
		var qerr error
		if c := field(fields, quality); len(c) > 0 {
			e.Quality, qerr = parseQuality(c)
		}
		c := field(fields, hash)
		if len(c) == 0 {
			return errors.New("record without a PDQ hash")
		}
		if err := t.pushDigest(e, PDQ, c); err != nil {
			return err
		}
		return qerr
	}
	return t, nil
}

// ---- csv ----

// csvHashColumns maps header names to the algorithm of their cells.
var csvHashColumns = map[string]Algorithm{
	"md5": MD5, "sha1": SHA1, "sha-1": SHA1, "sha256": SHA256, "sha-256": SHA256,
	"pdq": PDQ, "ahash": AHash, "dhash": DHash, "phash": PHash,
}

// csvUnsupportedColumns are digest columns counted but not matched.
var csvUnsupportedColumns = map[string]string{
	"sha512": "sha512", "sha-512": "sha512", "sha384": "sha384", "sha-384": "sha384",
	"crc32": "crc32", "md4": "md4", "whash": "whash", "tlsh": "tlsh", "ssdeep": "ssdeep",
}

func sniffCSV(h *sniffed) specificity {
	for _, n := range h.header() {
		if _, ok := csvHashColumns[n]; ok {
			return byCSV
		}
	}
	return noMatch
}

func newCSVReader(r io.Reader, name string) (Reader, error) {
	return newHeaderReader(r, name, "csv", func(t *textReader, h []string) (func([][]byte, int) error, error) {
		type col struct {
			i int
			a Algorithm
		}
		var cols []col
		var unsupported []int
		photoDNA := -1
		for i, n := range h {
			if a, ok := csvHashColumns[n]; ok {
				cols = append(cols, col{i, a})
			} else if _, ok := csvUnsupportedColumns[n]; ok {
				unsupported = append(unsupported, i)
			} else if n == "photodna" || n == "pdna" {
				photoDNA = i
			}
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("CSV header %q names no hash column (md5, sha1, sha256, pdq, ahash, dhash, phash)", strings.Join(h, ","))
		}
		t.setMeta("columns", strings.Join(h, ","))
		id := columnIndex(h, idColumns...)
		cat, series := columnIndex(h, "category"), columnIndex(h, "series")
		size := columnIndex(h, "size", "filesize", "file_size", "mediasize")
		quality := columnIndex(h, "pdq_quality", "quality")
		return func(f [][]byte, n int) error {
			e := newEntry(Unknown, nil, n)
			if c := field(f, id); len(c) > 0 {
				e.ID = string(c)
			}
			if c := field(f, cat); len(c) > 0 {
				e.Category = string(c)
			}
			if c := field(f, series); len(c) > 0 {
				e.Series = string(c)
			}
			e.Size = parseSize(field(f, size))
			for _, i := range unsupported {
				if len(field(f, i)) > 0 {
					t.unsupported(csvUnsupportedColumns[h[i]])
				}
			}
			if len(field(f, photoDNA)) > 0 {
				t.info.PhotoDNA++
			}
			var errs []error
			for _, c := range cols {
				cell := field(f, c.i)
				if len(cell) == 0 {
					continue
				}
				p := e
				var d []byte
				var err error
				switch c.a {
				case AHash, DHash, PHash:
					d, err = parsePerceptualCell(c.a, cell)
				case PDQ:
					if q := field(f, quality); len(q) > 0 {
						var qerr error
						if p.Quality, qerr = parseQuality(q); qerr != nil {
							errs = append(errs, qerr)
						}
					}
					d, err = decodeDigest(PDQ, cell)
				default:
					d, err = decodeDigest(c.a, cell)
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				p.Algorithm, p.Digest = c.a, d
				t.push(p)
			}
			return errors.Join(errs...)
		}, nil
	}), nil
}
