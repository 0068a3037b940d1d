package hashset

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Windows tools and shells (PowerShell 5's ">" redirection, Notepad's
// "Unicode") write text lists as UTF-16 with a byte-order mark. Text
// readers see such input as UTF-8.

func utf16Order(b []byte) (little, ok bool) {
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return true, true
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return false, true
	}
	return false, false
}

// textStream returns r, decoded to UTF-8 if it starts with a UTF-16 BOM.
func textStream(r io.Reader) io.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	head, _ := br.Peek(2)
	little, ok := utf16Order(head)
	if !ok {
		return br
	}
	br.Discard(2)
	return &utf16Reader{r: br, little: little}
}

// utf16Head decodes a UTF-16 head (BOM first) to UTF-8, or returns it as is.
func utf16Head(head []byte) []byte {
	if _, ok := utf16Order(head); !ok {
		return head
	}
	out, _ := io.ReadAll(textStream(bytes.NewReader(head)))
	return out
}

// utf16Reader decodes UTF-16 to UTF-8; unpaired surrogates and a trailing
// odd byte become U+FFFD.
type utf16Reader struct {
	r      io.Reader
	little bool
	raw    [8192]byte
	nraw   int
	high   uint16 // a high surrogate waiting for its pair, or 0
	out    []byte
	err    error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.r.Read(u.raw[u.nraw:])
		u.nraw += n
		out := u.out[:0]
		i := 0
		for ; i+1 < u.nraw; i += 2 {
			var c uint16
			if u.little {
				c = uint16(u.raw[i]) | uint16(u.raw[i+1])<<8
			} else {
				c = uint16(u.raw[i])<<8 | uint16(u.raw[i+1])
			}
			switch {
			case c >= 0xD800 && c < 0xDC00:
				if u.high != 0 {
					out = utf8.AppendRune(out, utf8.RuneError)
				}
				u.high = c
			case c >= 0xDC00 && c < 0xE000:
				if u.high != 0 {
					out = utf8.AppendRune(out, utf16.DecodeRune(rune(u.high), rune(c)))
					u.high = 0
				} else {
					out = utf8.AppendRune(out, utf8.RuneError)
				}
			default:
				if u.high != 0 {
					out = utf8.AppendRune(out, utf8.RuneError)
					u.high = 0
				}
				out = utf8.AppendRune(out, rune(c))
			}
		}
		u.nraw = copy(u.raw[:], u.raw[i:u.nraw])
		if err != nil {
			if u.high != 0 || u.nraw > 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
				u.high, u.nraw = 0, 0
			}
			u.err = err
		}
		u.out = out
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	if len(u.out) == 0 {
		u.out = u.out[:0:cap(u.out)]
	}
	return n, nil
}
