// Package utf16le decodes the fixed-size, zero-padded UTF-16LE name fields
// that binary formats carry (GPT partition names, EnCase hash-set headers).
package utf16le

import (
	"encoding/binary"
	"unicode/utf16"
)

// String decodes b as little-endian UTF-16 up to the first zero code unit
// (or the end of b; a trailing odd byte is ignored). Unpaired surrogates
// become U+FFFD.
func String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
