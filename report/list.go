package report

import (
	"bufio"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/scan"
)

// ListFormat is a format of digest lists: the output of hashtriage hash
// and of scan --unmatched.
type ListFormat string

const (
	ListCSV      ListFormat = "csv"      // path,size,md5,... (sets import reads it back)
	ListJSONL    ListFormat = "jsonl"    // {"path":…,"size":…,"md5":…}
	ListHashdeep ListFormat = "hashdeep" // hashdeep's own text format, %%%% HASHDEEP-1.0
)

// ParseListFormat parses "csv", "jsonl" or "hashdeep".
func ParseListFormat(s string) (ListFormat, error) {
	switch f := ListFormat(strings.ToLower(s)); f {
	case ListCSV, ListJSONL, ListHashdeep:
		return f, nil
	}
	return "", fmt.Errorf("list format must be csv, jsonl or hashdeep, not %q", s)
}

// ListOptions describe a digest list.
type ListOptions struct {
	// Algorithms are the digest columns, in order.
	Algorithms []hashset.Algorithm
	// WorkingDir and Command fill hashdeep's "## Invoked from" and "## $"
	// header lines.
	WorkingDir string
	Command    []string
	// PDQDihedral adds, after pdq and pdq_quality, the seven other
	// dihedral PDQ hashes (Digest.Variants of an ImageHasher) as columns
	// pdq_rot90, pdq_rot180, pdq_rot270, pdq_flipx, pdq_flipy,
	// pdq_flipplus1 and pdq_flipminus1 (the reference's --pdqdih order;
	// pdq itself is the original). sets import ignores these columns.
	PDQDihedral bool
}

// A ListWriter writes one line per item: its path, size and digests.
type ListWriter struct {
	bw     *bufio.Writer
	format ListFormat
	algs   []hashset.Algorithm
	err    error

	dihedral bool // PDQ dihedral columns
}

// NewListWriter starts a digest list on w and writes its header. The
// hashdeep format holds exact digests only.
func NewListWriter(w io.Writer, f ListFormat, opts ListOptions) (*ListWriter, error) {
	lw := &ListWriter{bw: bufio.NewWriterSize(w, 64<<10), format: f, algs: opts.Algorithms, dihedral: opts.PDQDihedral}
	if len(lw.algs) == 0 {
		return nil, fmt.Errorf("digest list: no algorithm chosen")
	}
	names := make([]string, 0, len(lw.algs)+1)
	for _, a := range lw.algs {
		names = append(names, a.String())
		if a == hashset.PDQ && f != ListHashdeep {
			names = append(names, "pdq_quality")
			if lw.dihedral {
				names = append(names, dihedralColumns[:]...)
			}
		}
	}
	switch f {
	case ListCSV:
		cw := csv.NewWriter(lw.bw)
		if lw.err = cw.Write(append([]string{"path", "size"}, names...)); lw.err == nil {
			cw.Flush()
			lw.err = cw.Error()
		}
	case ListJSONL:
	case ListHashdeep:
		for _, a := range lw.algs {
			if !a.Exact() {
				return nil, fmt.Errorf("the hashdeep format holds md5, sha1 and sha256 only, not %s", a)
			}
		}
		_, lw.err = fmt.Fprintf(lw.bw, "%%%%%%%% HASHDEEP-1.0\n%%%%%%%% size,%s,filename\n## Invoked from: %s\n## $ %s\n##\n",
			strings.Join(names, ","), opts.WorkingDir, strings.Join(opts.Command, " "))
	default:
		return nil, fmt.Errorf("unknown list format %q", f)
	}
	return lw, lw.err
}

// Write adds one item. Results that carry no digests (errors, skipped
// items, expanded disk images) are not written: the caller reports them.
func (lw *ListWriter) Write(r scan.Result) error {
	if lw.err != nil {
		return lw.err
	}
	line, ok := lw.line(r)
	if ok {
		_, lw.err = lw.bw.Write(line)
	}
	return lw.err
}

// line formats the line (or CSV record) of r, newline included; ok is
// false for results that carry no digests.
func (lw *ListWriter) line(r scan.Result) (line []byte, ok bool) {
	if r.Outcome == scan.Failed || r.Outcome == scan.Skipped || r.Outcome == scan.Expanded {
		return nil, false
	}
	p, valid := DisplayPath(r.Item.Path)
	size := strconv.FormatInt(r.Item.Size, 10)
	var b strings.Builder
	switch lw.format {
	case ListCSV:
		row := []string{p, size}
		for _, a := range lw.algs {
			h, q := digestHex(r.Digests, a)
			row = append(row, h)
			if a == hashset.PDQ {
				if h != "" && q >= 0 {
					row = append(row, strconv.Itoa(q))
				} else {
					row = append(row, "")
				}
				if lw.dihedral {
					row = append(row, dihedralHex(r.Digests)...)
				}
			}
		}
		cw := csv.NewWriter(&b)
		cw.Write(row) // a strings.Builder does not fail
		cw.Flush()
	case ListJSONL:
		// Written by hand so that the keys keep their order: path, size,
		// then the digests in the order asked for.
		b.WriteString(`{"path":`)
		b.WriteString(jsonString(p))
		if !valid {
			b.WriteString(`,"path_hex":"` + PathHex(r.Item.Path) + `"`)
		}
		b.WriteString(`,"size":` + size)
		for _, a := range lw.algs {
			if h, q := digestHex(r.Digests, a); h != "" {
				b.WriteString(`,"` + a.String() + `":"` + h + `"`)
				if a == hashset.PDQ && q >= 0 {
					b.WriteString(`,"pdq_quality":` + strconv.Itoa(q))
				}
				if a == hashset.PDQ && lw.dihedral {
					for i, v := range dihedralHex(r.Digests) {
						b.WriteString(`,"` + dihedralColumns[i] + `":"` + v + `"`)
					}
				}
			}
		}
		b.WriteString("}\n")
	case ListHashdeep:
		b.WriteString(size)
		for _, a := range lw.algs {
			h, _ := digestHex(r.Digests, a)
			b.WriteString(",")
			b.WriteString(h)
		}
		b.WriteString(",")
		b.WriteString(strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(p))
		b.WriteString("\n")
	}
	return []byte(b.String()), true
}

// Close flushes the list; it does not close the underlying writer.
func (lw *ListWriter) Close() error {
	if lw.err != nil {
		return lw.err
	}
	return lw.bw.Flush()
}

// jsonString quotes s as a JSON string without HTML escaping.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return `""`
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// dihedralColumns name the dihedral PDQ hashes after the original.
var dihedralColumns = [7]string{"pdq_rot90", "pdq_rot180", "pdq_rot270", "pdq_flipx", "pdq_flipy", "pdq_flipplus1", "pdq_flipminus1"}

// dihedralHex returns the seven dihedral variants of the PDQ digest in ds
// as hex (the first seven Variants), or seven empty strings.
func dihedralHex(ds []scan.Digest) []string {
	out := make([]string, len(dihedralColumns))
	for _, d := range ds {
		if d.Algorithm == hashset.PDQ && len(d.Variants) >= len(out) {
			for i, v := range d.Variants[:len(out)] {
				out[i] = hex.EncodeToString(v)
			}
		}
	}
	return out
}
