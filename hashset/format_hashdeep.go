package hashset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

var formatHashdeep = &Format{
	Name: "hashdeep",
	Description: "hashdeep 1.0 files (%%%% HASHDEEP-1.0, a %%%% size,...,filename column header, ## comments); " +
		"md5, sha1 and sha256 columns are read, tiger and whirlpool counted as unsupported",
	sniff:     sniffHashdeep,
	newReader: newHashdeepReader,
}

func init() { formatHashdeep.openFile = openStreamFile(newHashdeepReader) }

var hashdeepMagic = []byte("%%%% HASHDEEP-")

func sniffHashdeep(h *sniffed) specificity {
	if bytes.HasPrefix(h.firstLine(), hashdeepMagic) {
		return byHeader
	}
	return noMatch
}

type hashdeepColumn struct {
	kind        byte // 's' size, 'd' digest, 'f' filename, 'u' unsupported digest, '-' other
	alg         Algorithm
	unsupported string
}

func parseHashdeepColumns(spec []byte) ([]hashdeepColumn, error) {
	names := strings.Split(string(spec), ",")
	cols := make([]hashdeepColumn, len(names))
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case "size":
			cols[i].kind = 's'
		case "filename":
			cols[i].kind = 'f'
		case "md5":
			cols[i] = hashdeepColumn{kind: 'd', alg: MD5}
		case "sha1", "sha-1":
			cols[i] = hashdeepColumn{kind: 'd', alg: SHA1}
		case "sha256", "sha-256":
			cols[i] = hashdeepColumn{kind: 'd', alg: SHA256}
		case "tiger", "whirlpool", "sha3", "sha512", "sha-512":
			cols[i] = hashdeepColumn{kind: 'u', unsupported: strings.ReplaceAll(n, "-", "")}
		default:
			cols[i].kind = '-'
		}
	}
	if cols[len(cols)-1].kind != 'f' {
		return nil, fmt.Errorf("hashdeep column header %s does not end with filename", quoteShort(spec))
	}
	return cols, nil
}

func newHashdeepReader(r io.Reader, name string) (Reader, error) {
	t := newTextReader(r, name, "hashdeep")
	var cols []hashdeepColumn
	var fields [][]byte
	t.parse = func(line []byte, n int) error {
		if n == 1 && !bytes.HasPrefix(line, hashdeepMagic) {
			return errors.New("missing %%%% HASHDEEP-1.0 header")
		}
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			return nil
		case bytes.HasPrefix(line, []byte("%%%%")):
			rest := bytes.TrimSpace(line[4:])
			if v, ok := bytes.CutPrefix(rest, []byte("HASHDEEP-")); ok {
				t.info.FormatVersion = string(v)
				return nil
			}
			c, err := parseHashdeepColumns(rest)
			if err != nil {
				return err
			}
			cols = c
			var names []string
			for _, f := range strings.Split(string(rest), ",") {
				names = append(names, strings.TrimSpace(f))
			}
			t.setMeta("columns", strings.Join(names, ","))
			return nil
		case line[0] == '#':
			c := bytes.TrimSpace(bytes.TrimLeft(line, "#"))
			if v, ok := bytes.CutPrefix(c, []byte("Invoked from:")); ok {
				t.setMeta("invoked_from", string(bytes.TrimSpace(v)))
			} else if v, ok := bytes.CutPrefix(c, []byte("$ ")); ok {
				t.setMeta("command", string(v))
			}
			return nil
		}
		if cols == nil {
			return errors.New("data line before the %%%% column header")
		}
		fields = splitPlain(line, ',', len(cols), fields)
		if len(fields) != len(cols) {
			return fmt.Errorf("%d fields, the header names %d", len(fields), len(cols))
		}
		var size int64 = -1
		var id string
		for i, c := range cols {
			switch c.kind {
			case 's':
				size = parseSize(fields[i])
			case 'f':
				id = string(fields[i])
			}
		}
		start := len(t.queue)
		var firstErr error
		for i, c := range cols {
			switch c.kind {
			case 'u':
				if len(fields[i]) > 0 {
					t.unsupported(c.unsupported)
				}
			case 'd':
				if len(fields[i]) == 0 {
					continue
				}
				d, err := decodeDigest(c.alg, fields[i])
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				e := newEntry(c.alg, d, n)
				e.ID, e.Size = id, size
				t.push(e)
			}
		}
		if firstErr == nil && len(t.queue) == start {
			return errors.New("no digest on the line")
		}
		return firstErr
	}
	return t, nil
}

// splitPlain splits line at sep into at most max fields (max > 0), without
// any quoting: the last field keeps the rest.
func splitPlain(line []byte, sep byte, max int, dst [][]byte) [][]byte {
	dst = dst[:0]
	for len(dst) < max-1 {
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			break
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
	return append(dst, line)
}
