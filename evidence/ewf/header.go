package ewf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxHeaderText bounds the decompressed header text. EnCase limits each
// value to a few thousand characters; 16 MiB leaves ample room.
const maxHeaderText = 16 << 20

// parseHeaderSection decodes a header (ASCII) or header2 (UTF-16) section.
func parseHeaderSection(data []byte, utf16Text bool) (Header, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return Header{}, fmt.Errorf("%w: header text is not zlib data: %v", ErrFormat, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxHeaderText+1))
	if err != nil {
		return Header{}, fmt.Errorf("header text: %w", err)
	}
	if len(raw) > maxHeaderText {
		return Header{}, fmt.Errorf("%w: header text larger than %d bytes", ErrFormat, maxHeaderText)
	}
	var text string
	if utf16Text {
		text, err = decodeUTF16(raw)
		if err != nil {
			return Header{}, err
		}
	} else {
		text = decodeLatin1(raw)
	}
	return parseHeaderText(text), nil
}

func decodeUTF16(b []byte) (string, error) {
	bigEndian := false
	switch {
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		b = b[2:]
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		b = b[2:]
		bigEndian = true
	}
	if len(b)%2 != 0 {
		return "", errors.New("header2 text has an odd number of bytes")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
	}
	return string(utf16.Decode(u)), nil
}

// decodeLatin1 returns b as text: UTF-8 if it is valid UTF-8, otherwise
// each byte as the code point of the same value.
func decodeLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// parseHeaderText reads the "main" category: a line of tab-separated
// identifiers followed by a line of values.
func parseHeaderText(text string) Header {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	h := Header{Values: map[string]string{}}
	for i := 0; i+2 < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "main" {
			continue
		}
		ids := strings.Split(lines[i+1], "\t")
		vals := strings.Split(lines[i+2], "\t")
		for j, id := range ids {
			if j < len(vals) && id != "" {
				h.Values[id] = strings.TrimRight(vals[j], "\r\x00")
			}
		}
		break
	}
	v := h.Values
	h.Description, h.CaseNumber, h.EvidenceNumber = v["a"], v["c"], v["n"]
	h.Examiner, h.Notes, h.Model, h.SerialNumber = v["e"], v["t"], v["md"], v["sn"]
	h.DeviceLabel, h.Software, h.Platform = v["l"], v["av"], v["ov"]
	h.AcquiredRaw, h.SystemRaw = v["m"], v["u"]
	h.Acquired, h.System = epochTime(h.AcquiredRaw), epochTime(h.SystemRaw)
	return h
}

// epochTime parses a POSIX timestamp; other forms give the zero time.
func epochTime(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
