package perceptual

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode and hashes whatever decodes:
// no panic may escape, nothing over the pixel limit may be returned.
func FuzzDecode(f *testing.F) {
	for _, data := range encodedSamples(f, 24, 17) {
		f.Add(data)
	}
	for _, data := range hugeClaims(60000, 60000) {
		f.Add(data)
	}
	for _, name := range []string{"gopher-doc.1bpp.lossless.webp", "bw-deflate.tiff"} {
		data, err := os.ReadFile("testdata/decode/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const maxPixels = 1 << 18
	f.Fuzz(func(t *testing.T, data []byte) {
		img, format, err := Decode(bytes.NewReader(data), DecodeOptions{MaxPixels: maxPixels, MaxBytes: 1 << 20})
		if err != nil {
			if errors.Is(err, ErrDecoderPanic) {
				t.Logf("recovered: %v", err)
			}
			return
		}
		if f2, ok := Sniff(data); !ok || f2 != format {
			t.Fatalf("decoded as %q but sniffs as %q", format, f2)
		}
		b := img.Bounds()
		if int64(b.Dx())*int64(b.Dy()) > maxPixels || b.Dx() < MinDimension || b.Dy() < MinDimension {
			t.Fatalf("returned a %v image", b)
		}
		for _, mode := range []PDQMode{PDQFull, PDQ512} {
			r, err := PDQ(img, mode)
			if err != nil {
				t.Fatalf("PDQ: %v", err)
			}
			if r.Quality < 0 || r.Quality > 100 {
				t.Fatalf("quality %d", r.Quality)
			}
		}
		if _, err := ImageHash(img, PHash); err != nil {
			t.Logf("phash: %v", err)
		}
	})
}

// FuzzParsePDQ: ParsePDQ accepts exactly the 64-hex-digit strings and
// round-trips them in lower case.
func FuzzParsePDQ(f *testing.F) {
	f.Add("992d44af36d69e6ca6b812585928bac11def254ef5398c6d07466c9abcc65b92")
	f.Add("992D44AF36D69E6CA6B812585928BAC11DEF254EF5398C6D07466C9ABCC65B92")
	f.Add("")
	f.Add("0x2d44af36d69e6ca6b812585928bac11def254ef5398c6d07466c9abcc65b92")
	f.Add(strings.Repeat("f", 65))
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePDQ(s)
		valid := len(s) == 64
		for i := 0; i < len(s) && valid; i++ {
			valid = strings.IndexByte("0123456789abcdefABCDEF", s[i]) >= 0
		}
		if valid != (err == nil) {
			t.Fatalf("ParsePDQ(%q): err %v, valid %v", s, err, valid)
		}
		if err == nil && h.String() != strings.ToLower(s) {
			t.Fatalf("ParsePDQ(%q) round trip %s", s, h)
		}
	})
}

// FuzzParseImageHash: anything accepted formats back to the same text.
func FuzzParseImageHash(f *testing.F) {
	f.Add("p:aca29c1c33dc23d7")
	f.Add("a:FFFFFFFFFFFFFFFF")
	f.Add("w:0000000000000000")
	f.Add("d:+000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		kind, v, err := ParseImageHash(s)
		if err != nil {
			return
		}
		if got := FormatImageHash(kind, v); !strings.EqualFold(got, s) {
			t.Fatalf("ParseImageHash(%q) formats back as %q", s, got)
		}
	})
}
