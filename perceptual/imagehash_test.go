package perceptual

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/corona10/goimagehash"
)

// goimagehashKinds pairs each goimagehash kind with the library's own
// function, which ImageHash must agree with.
var goimagehashKinds = []struct {
	kind HashKind
	fn   func(image.Image) (*goimagehash.ImageHash, error)
}{{AHash, goimagehash.AverageHash}, {DHash, goimagehash.DifferenceHash}, {PHash, goimagehash.PerceptionHash}}

// TestImageHashMatchesGoimagehash: the wrapper returns goimagehash's own
// values and text form.
func TestImageHashMatchesGoimagehash(t *testing.T) {
	img := testPhoto(120, 90, 2)
	for _, c := range goimagehashKinds {
		got, err := ImageHash(img, c.kind)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		want, err := c.fn(img)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.GetHash() {
			t.Errorf("%s: %016x, goimagehash %016x", c.kind, got, want.GetHash())
		}
		if s := FormatImageHash(c.kind, got); s != want.ToString() {
			t.Errorf("%s: text %q, goimagehash %q", c.kind, s, want.ToString())
		}
	}
}

// TestImageHashNearDuplicate: a slightly brightened copy stays close; a
// different picture does not.
func TestImageHashNearDuplicate(t *testing.T) {
	a := testPhoto(160, 120, 2)
	b := testPhoto(160, 120, 2)
	for i := range b.Pix {
		if i%4 != 3 {
			b.Pix[i] = uint8(min(int(b.Pix[i])+6, 255))
		}
	}
	c := testPhoto(160, 120, 99)
	for _, kind := range []HashKind{AHash, DHash, PHash} {
		ha, _ := ImageHash(a, kind)
		hb, _ := ImageHash(b, kind)
		hc, _ := ImageHash(c, kind)
		if d := ImageHashDistance(ha, hb); d > 8 {
			t.Errorf("%s: near duplicate at distance %d", kind, d)
		}
		if d := ImageHashDistance(ha, hc); d < 10 {
			t.Errorf("%s: different image at distance %d", kind, d)
		}
	}
}

// panicImage panics when its pixels are read, like a buggy decoder's image.
type panicImage struct{}

func (panicImage) ColorModel() color.Model { return color.RGBAModel }
func (panicImage) Bounds() image.Rectangle { return image.Rect(0, 0, 10, 10) }
func (panicImage) At(x, y int) color.Color { panic("pixel read failed") }

func TestImageHashRecoversPanics(t *testing.T) {
	for _, kind := range []HashKind{AHash, DHash, PHash} {
		if _, err := ImageHash(panicImage{}, kind); err == nil || !strings.Contains(err.Error(), "panicked") {
			t.Errorf("%s: err = %v, want a recovered panic", kind, err)
		}
	}
	if _, err := ImageHash(nil, AHash); err == nil {
		t.Error("nil image: no error")
	}
	if _, err := ImageHash(image.NewRGBA(image.Rect(0, 0, 0, 0)), AHash); err == nil {
		t.Error("empty image: no error")
	}
	if _, err := ImageHash(testPhoto(8, 8, 1), HashKind(9)); err == nil {
		t.Error("unknown kind: no error")
	}
}

func TestParseImageHash(t *testing.T) {
	tests := []struct {
		in   string
		kind HashKind
		v    uint64
		ok   bool
	}{
		{"p:aca29c1c33dc23d7", PHash, 0xaca29c1c33dc23d7, true},
		{"a:0000000000000001", AHash, 1, true},
		{"D:FFFFFFFFFFFFFFFF", DHash, ^uint64(0), true},
		{"w:0000000000000001", 0, 0, false},
		{"p:aca29c1c33dc23d", 0, 0, false},
		{"p:aca29c1c33dc23d77", 0, 0, false},
		{"p-aca29c1c33dc23d7", 0, 0, false},
		{"p:+ca29c1c33dc23d7", 0, 0, false},
		{"p:0xa29c1c33dc23d7", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		kind, v, err := ParseImageHash(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseImageHash(%q): err %v", tt.in, err)
			continue
		}
		if tt.ok && (kind != tt.kind || v != tt.v) {
			t.Errorf("ParseImageHash(%q) = %s %x", tt.in, kind, v)
		}
		if tt.ok && !strings.EqualFold(FormatImageHash(kind, v), tt.in) {
			t.Errorf("round trip %q → %q", tt.in, FormatImageHash(kind, v))
		}
	}
}

// TestImageHashGenericTypes: an image type goimagehash reads through At
// (copied to RGBA64 by the wrapper) hashes as goimagehash hashes it.
func TestImageHashGenericTypes(t *testing.T) {
	src := testPhoto(100, 70, 6)
	pal := image.NewPaletted(src.Bounds(), nil)
	for i := range 216 {
		pal.Palette = append(pal.Palette, color.RGBA{uint8(i / 36 * 51), uint8(i / 6 % 6 * 51), uint8(i % 6 * 51), 255})
	}
	cmyk := image.NewCMYK(src.Bounds())
	for y := range 70 {
		for x := range 100 {
			pal.Set(x, y, src.At(x, y))
			cmyk.Set(x, y, src.At(x, y))
		}
	}
	for name, img := range map[string]image.Image{"opaque": opaqueImage{src}, "paletted": pal, "cmyk": cmyk} {
		for _, c := range goimagehashKinds {
			got, err := ImageHash(img, c.kind)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := c.fn(img)
			if got != want.GetHash() {
				t.Errorf("%s %s: %016x, goimagehash %016x", name, c.kind, got, want.GetHash())
			}
		}
	}
}
