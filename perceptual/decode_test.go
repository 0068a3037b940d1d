package perceptual

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// encodedSamples returns a small image encoded in every format Go can
// write, plus the WebP fixtures.
func encodedSamples(t testing.TB, w, h int) map[string][]byte {
	t.Helper()
	img := testPhoto(w, h, 1)
	out := map[string][]byte{}
	var b bytes.Buffer
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(png.Encode(&b, img))
	out["png"] = bytes.Clone(b.Bytes())
	b.Reset()
	must(jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}))
	out["jpeg"] = bytes.Clone(b.Bytes())
	b.Reset()
	must(gif.Encode(&b, img, nil))
	out["gif"] = bytes.Clone(b.Bytes())
	b.Reset()
	must(bmp.Encode(&b, img))
	out["bmp"] = bytes.Clone(b.Bytes())
	b.Reset()
	must(tiff.Encode(&b, img, &tiff.Options{Compression: tiff.Deflate}))
	out["tiff"] = bytes.Clone(b.Bytes())
	webp, err := os.ReadFile("testdata/decode/blue-purple-pink.lossy.webp")
	must(err)
	out["webp"] = webp
	return out
}

func TestSniff(t *testing.T) {
	for format, data := range encodedSamples(t, 16, 16) {
		got, ok := Sniff(data[:SniffLen])
		if !ok || got != format {
			t.Errorf("Sniff(%s sample) = %q, %v", format, got, ok)
		}
	}
	for _, head := range []string{"", "BM", "BM\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x99\x00\x00\x00",
		"RIFF\x00\x00\x00\x00WAVE", "GIF88a", "\xff\xd8", "%PDF-1.4", "\x89PNG\r\n\x1a"} {
		if f, ok := Sniff([]byte(head)); ok {
			t.Errorf("Sniff(%q) = %q, want no match", head, f)
		}
	}
}

func TestDecodeFormats(t *testing.T) {
	for format, data := range encodedSamples(t, 40, 30) {
		// A plain io.Reader: Decode must not rely on seeking.
		img, got, err := Decode(io.MultiReader(bytes.NewReader(data)), DecodeOptions{})
		if err != nil {
			t.Errorf("%s: %v", format, err)
			continue
		}
		if got != format {
			t.Errorf("%s sample decoded as %s", format, got)
		}
		if format != "webp" && img.Bounds().Size() != image.Pt(40, 30) {
			t.Errorf("%s: size %v", format, img.Bounds().Size())
		}
		if _, err := PDQ(img, PDQFull); err != nil {
			t.Errorf("%s: PDQ: %v", format, err)
		}
	}
	for _, name := range []string{"gopher-doc.1bpp.lossless.webp", "bw-deflate.tiff"} {
		f, err := os.Open("testdata/decode/" + name)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Decode(f, DecodeOptions{})
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDecodeLosslessMatchesPixels: decoding a PNG through Decode gives the
// same PDQ hash as the image it was made from.
func TestDecodeLosslessMatchesPixels(t *testing.T) {
	img := testPhoto(200, 130, 4)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	dec, _, err := Decode(&b, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := PDQ(img, PDQFull)
	got, _ := PDQ(dec, PDQFull)
	if got != want {
		t.Errorf("PNG round trip: %s vs %s", got.Hash, want.Hash)
	}
}

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// hugeClaims returns ~1 KB files whose headers claim w×h pixels.
func hugeClaims(w, h int) map[string][]byte {
	junk := bytes.Repeat([]byte{0x5a}, 1000)
	out := map[string][]byte{}

	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	p := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	p = append(p, pngChunk("IDAT", junk)...)
	out["png"] = append(p, pngChunk("IEND", nil)...)

	g := []byte("GIF89a")
	g = binary.LittleEndian.AppendUint16(g, uint16(w))
	g = binary.LittleEndian.AppendUint16(g, uint16(h))
	g = append(g, 0, 0, 0)
	out["gif"] = append(g, junk...)

	j := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	j = append(j, 0xff, 0xc0, 0, 17, 8)
	j = binary.BigEndian.AppendUint16(j, uint16(h))
	j = binary.BigEndian.AppendUint16(j, uint16(w))
	j = append(j, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	out["jpeg"] = append(j, junk...)

	bm := make([]byte, 54)
	copy(bm, "BM")
	binary.LittleEndian.PutUint32(bm[2:], uint32(54+len(junk)))
	binary.LittleEndian.PutUint32(bm[10:], 54)
	binary.LittleEndian.PutUint32(bm[14:], 40)
	binary.LittleEndian.PutUint32(bm[18:], uint32(w))
	binary.LittleEndian.PutUint32(bm[22:], uint32(h))
	binary.LittleEndian.PutUint16(bm[26:], 1)
	binary.LittleEndian.PutUint16(bm[28:], 24)
	out["bmp"] = append(bm, junk...)

	// TIFF: one IFD with width, length, 8-bit grey, one strip.
	tf := []byte("II*\x00\x08\x00\x00\x00")
	entries := [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 200}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(len(junk))}}
	tf = binary.LittleEndian.AppendUint16(tf, uint16(len(entries)))
	for _, e := range entries {
		tf = binary.LittleEndian.AppendUint16(tf, uint16(e[0]))
		tf = binary.LittleEndian.AppendUint16(tf, uint16(e[1]))
		tf = binary.LittleEndian.AppendUint32(tf, 1)
		if e[1] == 3 {
			tf = binary.LittleEndian.AppendUint16(tf, uint16(e[2]))
			tf = append(tf, 0, 0)
		} else {
			tf = binary.LittleEndian.AppendUint32(tf, e[2])
		}
	}
	tf = append(tf, 0, 0, 0, 0)
	for len(tf) < 200 {
		tf = append(tf, 0)
	}
	out["tiff"] = append(tf, junk...)

	// WebP VP8X canvas (24-bit fields; the decoder itself caps w·h at 2³¹).
	ww, wh := min(w, 16000), min(h, 16000)
	x := []byte("VP8X")
	x = binary.LittleEndian.AppendUint32(x, 10)
	x = append(x, 0, 0, 0, 0)
	x = append(x, byte(ww-1), byte((ww-1)>>8), byte((ww-1)>>16), byte(wh-1), byte((wh-1)>>8), byte((wh-1)>>16))
	x = append(x, "VP8 "...)
	x = binary.LittleEndian.AppendUint32(x, uint32(len(junk)))
	x = append(x, junk...)
	r := []byte("RIFF")
	r = binary.LittleEndian.AppendUint32(r, uint32(4+len(x)))
	r = append(r, "WEBP"...)
	out["webp"] = append(r, x...)
	return out
}

// TestDecodeRefusesHugeClaims: a 1 KB file that claims 60000×60000 pixels
// is refused with ErrTooLarge before its pixels are allocated.
func TestDecodeRefusesHugeClaims(t *testing.T) {
	for format, data := range hugeClaims(60000, 60000) {
		if len(data) > 1300 {
			t.Fatalf("%s claim is %d bytes", format, len(data))
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, got, err := Decode(bytes.NewReader(data), DecodeOptions{})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", format, err)
		}
		if got != format {
			t.Errorf("%s: format %q", format, got)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", format, alloc)
		}
	}
}

func TestDecodeMaxPixelsOption(t *testing.T) {
	data := encodedSamples(t, 40, 30)["png"]
	if _, _, err := Decode(bytes.NewReader(data), DecodeOptions{MaxPixels: 40*30 - 1}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit just under the size: %v", err)
	}
	if _, _, err := Decode(bytes.NewReader(data), DecodeOptions{MaxPixels: 40 * 30}); err != nil {
		t.Errorf("limit equal to the size: %v", err)
	}
	tiffData := encodedSamples(t, 40, 30)["tiff"]
	if _, _, err := Decode(bytes.NewReader(tiffData), DecodeOptions{MaxBytes: int64(len(tiffData) - 1)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("TIFF over MaxBytes: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	samples := encodedSamples(t, 40, 30)
	small := image.NewRGBA(image.Rect(0, 0, 4, 9))
	small.Set(1, 1, color.White)
	var smallPNG bytes.Buffer
	png.Encode(&smallPNG, small)

	tests := []struct {
		name string
		data []byte
		want error // nil: any error
	}{
		{"empty", nil, ErrUnknownFormat},
		{"text", []byte("hello, world, this is not an image"), ErrUnknownFormat},
		{"4x9 png", smallPNG.Bytes(), ErrTooSmall},
	}
	for format, data := range samples {
		tests = append(tests,
			struct {
				name string
				data []byte
				want error
			}{"truncated " + format, data[:len(data)/2], nil},
			struct {
				name string
				data []byte
				want error
			}{"header only " + format, data[:SniffLen], nil})
	}
	for _, tt := range tests {
		img, _, err := Decode(bytes.NewReader(tt.data), DecodeOptions{})
		if err == nil {
			// Some decoders (GIF, BMP, TIFF) fill missing pixels silently
			// only if the stream is complete; a half file must fail.
			t.Errorf("%s: decoded %v, want an error", tt.name, img.Bounds())
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestRecoverDecoder(t *testing.T) {
	err := func() (err error) {
		defer recoverDecoder("test", &err)
		var m map[string]int
		m["x"]++ // nil map write panics
		return nil
	}()
	if !errors.Is(err, ErrDecoderPanic) {
		t.Errorf("err = %v, want ErrDecoderPanic", err)
	}
}

func TestDecodeConfig(t *testing.T) {
	for format, data := range encodedSamples(t, 40, 30) {
		cfg, got, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || got != format {
			t.Errorf("%s: %v %q", format, err, got)
			continue
		}
		if format != "webp" && (cfg.Width != 40 || cfg.Height != 30) {
			t.Errorf("%s: %dx%d", format, cfg.Width, cfg.Height)
		}
	}
}

// TestDecodeIgnoresEXIFOrientation: PDQ hashes stored pixels, so an EXIF
// orientation tag changes neither the decoded size nor the hash.
func TestDecodeIgnoresEXIFOrientation(t *testing.T) {
	plain := encodedSamples(t, 60, 40)["jpeg"]
	// APP1 "Exif" with a little-endian TIFF header and one IFD entry:
	// Orientation (0x0112) = 6, "rotate 90° clockwise to display".
	tiffHdr := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	payload := append([]byte("Exif\x00\x00"), tiffHdr...)
	app1 := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	app1 = append(app1, payload...)
	withExif := append(append(append([]byte{}, plain[:2]...), app1...), plain[2:]...)

	a, _, err := Decode(bytes.NewReader(plain), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Decode(bytes.NewReader(withExif), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Bounds() != a.Bounds() {
		t.Errorf("EXIF orientation changed the bounds: %v vs %v", b.Bounds(), a.Bounds())
	}
	ha, _ := PDQ(a, PDQFull)
	hb, _ := PDQ(b, PDQFull)
	if ha != hb {
		t.Errorf("EXIF orientation changed the hash: %s vs %s", hb.Hash, ha.Hash)
	}
}
