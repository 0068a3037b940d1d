package hashset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

var formatMD5Sum = &Format{
	Name: "md5sum",
	Description: "GNU md5sum/sha1sum/sha256sum lines (text, binary and escaped forms), BSD tags " +
		"(MD5 (name) = hash), md5deep plain and -z, bare hashes one a line; the algorithm follows the " +
		"digest length (32 hex MD5, 40 SHA-1, 64 SHA-256)",
	sniff:     sniffMD5Sum,
	newReader: newMD5SumReader,
}

func init() { formatMD5Sum.openFile = openStreamFile(newMD5SumReader) }

// sumLine is one parsed md5sum-family line. Slices point into the line.
type sumLine struct {
	alg         Algorithm
	hex         []byte
	name        []byte // nil for a bare hash
	escaped     bool   // GNU: the name has \\, \n, \r escapes
	size        int64
	unsupported string // a digest kind hashtriage cannot match (sha512, ...)
}

var errNotSumLine = errors.New("not a hash line")

// parseSumLine parses a GNU, BSD, md5deep (-z) or bare hash line. Blank and
// '#' lines give alg Unknown and no error.
func parseSumLine(line []byte) (s sumLine, err error) {
	s.size = -1
	b := bytes.TrimLeft(line, " \t")
	if len(b) == 0 || b[0] == '#' {
		return s, nil
	}
	if b[0] == '\\' { // GNU escaped form: \hash  name or \MD5 (name) = hash
		s.escaped = true
		b = b[1:]
	}
	k := hexRun(b)
	if k < len(b) && k < 32 && (b[k] == ' ' || b[k] == '-' || (b[k] >= 'A' && b[k] <= 'Z')) {
		if tag, ok := bsdTag(b); ok {
			return parseBSD(b, tag, s)
		}
	}
	hex := b[:k]
	rest := b[k:]
	if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		return s, fmt.Errorf("%w: %s", errNotSumLine, quoteShort(line))
	}
	if k > 0 && k < 32 && isDecimal(hex) && !s.escaped { // md5deep -z: size  hash  name
		sz := parseSize(hex)
		r := bytes.TrimLeft(rest, " \t")
		if j := hexRun(r); hexAlgorithm(j) != Unknown && (j == len(r) || r[j] == ' ' || r[j] == '\t') {
			hex, rest, s.size = r[:j], r[j:], sz
			k = j
		}
	}
	if !setSumAlgorithm(&s, k) {
		if k == 0 {
			return s, fmt.Errorf("%w: %s", errNotSumLine, quoteShort(line))
		}
		return s, fmt.Errorf("hash of %d hex digits %s fits no supported algorithm", k, quoteShort(hex))
	}
	s.hex = hex
	switch {
	case len(rest) == 0:
		// a bare hash
	case len(rest) >= 2 && rest[0] == ' ' && (rest[1] == ' ' || rest[1] == '*'):
		s.name = rest[2:] // GNU text or binary mark, md5deep
	default:
		s.name = bytes.TrimLeft(rest, " \t") // one space or tabs: tolerated
		if len(s.name) > 0 && s.name[0] == '*' {
			s.name = s.name[1:]
		}
	}
	return s, nil
}

func isDecimal(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// setSumAlgorithm sets the algorithm for a hex digest of n digits and
// reports whether n is a known digest length.
func setSumAlgorithm(s *sumLine, n int) bool {
	if a := hexAlgorithm(n); a != Unknown {
		s.alg = a
		return true
	}
	switch n {
	case 56:
		s.unsupported = "sha224"
	case 96:
		s.unsupported = "sha384"
	case 128:
		s.unsupported = "sha512"
	default:
		return false
	}
	return true
}

var bsdAlgorithms = map[string]Algorithm{
	"MD5": MD5, "SHA1": SHA1, "SHA-1": SHA1, "SHA256": SHA256, "SHA-256": SHA256,
}

// bsdTag reports whether b starts like "TAG (", returning TAG.
func bsdTag(b []byte) (string, bool) {
	i := bytes.Index(b, []byte(" ("))
	if i <= 0 || i > 16 {
		return "", false
	}
	for _, c := range b[:i] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", false
		}
	}
	return string(b[:i]), true
}

func parseBSD(b []byte, tag string, s sumLine) (sumLine, error) {
	rest := b[len(tag)+2:]
	j := bytes.LastIndex(rest, []byte(") = "))
	if j < 0 {
		return s, fmt.Errorf("%w: BSD line without \") = \": %s", errNotSumLine, quoteShort(b))
	}
	s.name, s.hex = rest[:j], bytes.TrimRight(rest[j+4:], " \t")
	if a, ok := bsdAlgorithms[strings.ToUpper(tag)]; ok {
		s.alg = a
		if len(s.hex) != 2*a.Size() || !isAllHex(s.hex) {
			return s, fmt.Errorf("%s digest %s is not %d hex digits", a, quoteShort(s.hex), 2*a.Size())
		}
		return s, nil
	}
	if !isAllHex(s.hex) {
		return s, fmt.Errorf("%s digest %s is not hex", tag, quoteShort(s.hex))
	}
	s.unsupported = strings.ToLower(strings.ReplaceAll(tag, "-", ""))
	return s, nil
}

// unescapeName undoes GNU's escaping of \\, \n and \r in names.
func unescapeName(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case '\\':
				sb.WriteByte('\\')
				i++
				continue
			case 'n':
				sb.WriteByte('\n')
				i++
				continue
			case 'r':
				sb.WriteByte('\r')
				i++
				continue
			}
		}
		sb.WriteByte(b[i])
	}
	return sb.String()
}

func sniffMD5Sum(h *sniffed) specificity {
	good, total := 0, 0
	for _, l := range h.lines {
		s, err := parseSumLine(l)
		if err == nil && s.alg == Unknown && s.unsupported == "" {
			continue // comment
		}
		total++
		if err == nil {
			good++
		}
	}
	if good > 0 && 2*good >= total {
		return byLines
	}
	return noMatch
}

// newMD5SumReader reads md5sum-family lines. Each entry costs two
// allocations: the digest and the name.
func newMD5SumReader(r io.Reader, name string) (Reader, error) {
	t := newTextReader(r, name, "md5sum")
	t.parse = func(line []byte, n int) error {
		s, err := parseSumLine(line)
		if err != nil {
			return err
		}
		if s.unsupported != "" {
			t.unsupported(s.unsupported)
			return nil
		}
		if s.alg == Unknown {
			return nil
		}
		d := make([]byte, s.alg.Size())
		if !decodeHexInto(d, s.hex) {
			return fmt.Errorf("%s digest %s is not hex", s.alg, quoteShort(s.hex))
		}
		e := newEntry(s.alg, d, n)
		e.Size = s.size
		if s.escaped {
			e.ID = unescapeName(s.name)
		} else if len(s.name) > 0 {
			e.ID = string(s.name)
		}
		t.push(e)
		return nil
	}
	return t, nil
}
