package hashset

import (
	"bytes"
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

// sniffXMLRoot reports byRoot when the sniffed text is XML whose first
// element is named root, and noMatch otherwise.
func sniffXMLRoot(h *sniffed, root string) specificity {
	if !bytes.HasPrefix(h.text, []byte("<")) {
		return noMatch
	}
	dec := xml.NewDecoder(bytes.NewReader(h.text))
	for {
		t, err := dec.RawToken()
		if err != nil {
			return noMatch
		}
		if se, ok := t.(xml.StartElement); ok {
			if se.Name.Local == root {
				return byRoot
			}
			return noMatch
		}
	}
}

// xmlChild returns the next child element inside an open element, passing
// over character data, comments and the like; ok is false when the open
// element ends instead.
func xmlChild(dec *xml.Decoder) (se xml.StartElement, ok bool, err error) {
	for {
		t, err := xmlToken(dec)
		if err != nil {
			return xml.StartElement{}, false, err
		}
		switch x := t.(type) {
		case xml.EndElement:
			return xml.StartElement{}, false, nil
		case xml.StartElement:
			return x, true, nil
		}
	}
}
