package hashset

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

var formatJSONL = &Format{
	Name: "jsonl",
	Description: "JSON Lines, one object a line with hash keys (md5, sha1, sha256, pdq with pdq_quality, " +
		"ahash, dhash, phash) and optionally path (or path_hex), id, name, category, series, size: " +
		"what hashtriage hash --format jsonl prints",
	sniff:     sniffJSONL,
	newReader: newJSONLReader,
}

func init() { formatJSONL.openFile = openStreamFile(newJSONLReader) }

func sniffJSONL(h *sniffed) specificity {
	l := bytes.TrimSpace(h.firstLine())
	if len(l) == 0 || l[0] != '{' {
		return noMatch
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(l, &m) != nil {
		return noMatch
	}
	for k := range m {
		if _, ok := csvHashColumns[strings.ToLower(k)]; ok {
			return byCSV
		}
	}
	return noMatch
}

// jsonText returns a JSON string or number as text, "" for anything else.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func newJSONLReader(r io.Reader, name string) (Reader, error) {
	t := newTextReader(r, name, "jsonl")
	hashKeys := []string{"md5", "sha1", "sha256", "pdq", "ahash", "dhash", "phash"}
	t.parse = func(line []byte, n int) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("not a JSON object: %w", err)
		}
		lower := make(map[string]json.RawMessage, len(m))
		for k, v := range m {
			lower[strings.ToLower(k)] = v
		}
		e := newEntry(Unknown, nil, n)
		for _, k := range idColumns {
			if v := jsonText(lower[k]); v != "" {
				e.ID = v
				break
			}
		}
		if e.ID == "" { // a path that is not valid UTF-8 comes hex-encoded
			if b, err := hex.DecodeString(jsonText(lower["path_hex"])); err == nil && len(b) > 0 {
				e.ID = string(b)
			}
		}
		e.Category, e.Series = jsonText(lower["category"]), jsonText(lower["series"])
		if s := jsonText(lower["size"]); s != "" {
			e.Size = parseSize([]byte(s))
		}
		var errs []error
		for _, k := range hashKeys {
			raw, ok := lower[k]
			if !ok {
				continue
			}
			cell := []byte(strings.TrimSpace(jsonText(raw)))
			if len(cell) == 0 {
				continue
			}
			a := csvHashColumns[k]
			p := e
			var d []byte
			var err error
			switch a {
			case AHash, DHash, PHash:
				d, err = parsePerceptualCell(a, cell)
			case PDQ:
				if q := jsonText(lower["pdq_quality"]); q != "" {
					var qerr error
					if p.Quality, qerr = parseQuality([]byte(q)); qerr != nil {
						errs = append(errs, qerr)
					}
				}
				d, err = decodeDigest(a, cell)
			default:
				d, err = decodeDigest(a, cell)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p.Algorithm, p.Digest = a, d
			t.push(p)
		}
		if len(errs) == 0 && len(t.queue) == 0 {
			errs = append(errs, errors.New("object without a hash ("+strconv.Quote(strings.Join(hashKeys, ", "))+")"))
		}
		return errors.Join(errs...)
	}
	return t, nil
}
