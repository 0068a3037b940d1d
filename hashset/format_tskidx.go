package hashset

import (
	"bytes"
	"fmt"
	"io"
)

var formatTSKIdx = &Format{
	Name: "tskidx",
	Description: "The Sleuth Kit sorted hash index (<db>-md5.idx, <db>-sha1.idx): HASH|offset lines after " +
		"a 41-zero header naming the source database type; entries carry no names",
	sniff:     sniffTSKIdx,
	newReader: newTSKIdxReader,
}

func init() { formatTSKIdx.openFile = openStreamFile(newTSKIdxReader) }

var tskIdxHeader = []byte("00000000000000000000000000000000000000000|")

func sniffTSKIdx(h *sniffed) specificity {
	if bytes.HasPrefix(h.firstLine(), tskIdxHeader) {
		return byRoot
	}
	return noMatch
}

func newTSKIdxReader(r io.Reader, name string) (Reader, error) {
	t := newTextReader(r, name, "tskidx")
	t.parse = func(line []byte, n int) error {
		if len(line) == 0 {
			return nil
		}
		hex, rest, ok := bytes.Cut(line, []byte("|"))
		if !ok {
			return fmt.Errorf("index line without '|': %s", quoteShort(line))
		}
		if len(hex) == 41 && isDecimal(hex) && bytes.Count(hex[:40], []byte("0")) == 40 {
			switch hex[40] { // the two header lines that sort first
			case '0':
				t.setMeta("source_type", string(rest))
			case '1':
				t.setMeta("source_name", string(rest))
			}
			return nil
		}
		if n == 1 {
			return fmt.Errorf("missing index header line %s<type>", tskIdxHeader)
		}
		a := hexAlgorithm(len(hex))
		if a != MD5 && a != SHA1 {
			return fmt.Errorf("index hash %s is neither MD5 nor SHA-1", quoteShort(hex))
		}
		d, err := decodeDigest(a, hex)
		if err != nil {
			return err
		}
		if !isDecimal(rest) {
			return fmt.Errorf("index offset %s is not a number", quoteShort(rest))
		}
		t.push(newEntry(a, d, n))
		return nil
	}
	return t, nil
}
