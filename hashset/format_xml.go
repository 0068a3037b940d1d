package hashset

import (
	"encoding/xml"
	"io"
	"strings"
)

// maxXMLText bounds the text kept from one element (a PhotoDNA value is
// 192 base64 characters; ids, names and hashes are shorter).
const maxXMLText = 4096

// xmlToken returns the next token inside an open element: the end of the
// input there is io.ErrUnexpectedEOF, not io.EOF.
func xmlToken(dec *xml.Decoder) (xml.Token, error) {
	t, err := dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return t, err
}

// xmlText reads the character data of the element just started, up to its
// end, keeping at most maxXMLText bytes of its own (not its children's)
// text, trimmed.
func xmlText(dec *xml.Decoder) (string, error) {
	var b []byte
	depth := 1
	for depth > 0 {
		t, err := xmlToken(dec)
		if err != nil {
			return "", err
		}
		switch x := t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 1 && len(b) < maxXMLText {
				b = append(b, x[:min(len(x), maxXMLText-len(b))]...)
			}
		}
	}
	return strings.TrimSpace(string(b)), nil
}
