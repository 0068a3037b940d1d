package perceptual

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParsePDQ(t *testing.T) {
	const lower = "992d44af36d69e6ca6b812585928bac11def254ef5398c6d07466c9abcc65b92"
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{lower, lower, false},
		{strings.ToUpper(lower), lower, false},
		{lower[:63], "", true},
		{lower + "0", "", true},
		{"", "", true},
		{"g" + lower[1:], "", true},
		{" " + lower[1:], "", true},
		{strings.Repeat("0", 64), strings.Repeat("0", 64), false},
	}
	for _, tt := range tests {
		h, err := ParsePDQ(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePDQ(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && h.String() != tt.want {
			t.Errorf("ParsePDQ(%q) = %s, want %s", tt.in, h, tt.want)
		}
	}
}

// TestPDQBitOrder checks the reference's layout (docs/pdq.md §3): the last
// hex digit's lowest bit is DCT cell (0,0), the first digit's highest bit
// is cell (15,15).
func TestPDQBitOrder(t *testing.T) {
	h, err := ParsePDQ(strings.Repeat("0", 63) + "1")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Bit(0) || h.Bit(1) || h.Bit(255) {
		t.Errorf("...0001: bit 0 %v, bit 1 %v, bit 255 %v", h.Bit(0), h.Bit(1), h.Bit(255))
	}
	h, _ = ParsePDQ("8" + strings.Repeat("0", 63))
	if !h.Bit(255) || h.Bit(0) {
		t.Errorf("8000...: bit 255 %v, bit 0 %v", h.Bit(255), h.Bit(0))
	}
}

func TestPDQDistance(t *testing.T) {
	var zero, ones PDQHash
	for i := range ones {
		ones[i] = 0xff
	}
	a, _ := ParsePDQ("f000000000000000000000000000000000000000000000000000000000000001")
	tests := []struct {
		a, b PDQHash
		want int
	}{
		{zero, zero, 0}, {zero, ones, 256}, {ones, zero, 256}, {a, zero, 5}, {a, ones, 251}, {a, a, 0},
	}
	for _, tt := range tests {
		if got := tt.a.Distance(tt.b); got != tt.want {
			t.Errorf("Distance(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestJaroszWindow(t *testing.T) {
	// Examples from docs/pdq.md §2.4.
	for dim, want := range map[int]int{512: 4, 256: 2, 160: 2, 100: 1, 1600: 13, 1004: 8, 1432: 12, 812: 7, 1152: 9, 723: 6, 5: 1, 128: 1, 129: 2} {
		if got := jaroszWindow(dim); got != want {
			t.Errorf("jaroszWindow(%d) = %d, want %d", dim, got, want)
		}
	}
}

// TestBoxRowMean checks the running-sum box filter against the definition:
// the mean over [t-(w-h), t+h-1] clipped to the vector (docs/pdq.md §2.4).
// The running sum rounds differently, so only closeness is checked here;
// bit-exactness is what the vector tests check.
func TestBoxRowMean(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 5, 7, 64, 100, 300} {
		for _, w := range []int{1, 2, 3, 4, 7, 8, 13} {
			if w > n {
				continue
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.IntN(256))
			}
			y := make([]float32, n)
			boxRow(x, y, w)
			h := (w + 2) / 2
			sums := make([]float32, n)
			cols := []int{0, n / 2, n - 1}
			at := make([]float32, len(cols))
			boxRowAt(x, sums, w, cols, at)
			for t0 := range n {
				lo, hi := max(t0-(w-h), 0), min(t0+h-1, n-1)
				var s float64
				for i := lo; i <= hi; i++ {
					s += float64(x[i])
				}
				want := s / float64(hi-lo+1)
				if math.Abs(float64(y[t0])-want) > 1e-3 {
					t.Fatalf("n=%d w=%d: y[%d] = %v, want %v", n, w, t0, y[t0], want)
				}
			}
			for j, c := range cols {
				if at[j] != y[c] {
					t.Errorf("n=%d w=%d: boxRowAt[%d] = %v, boxRow = %v", n, w, c, at[j], y[c])
				}
			}
		}
	}
}

// testPhoto draws a deterministic, textured colour image.
func testPhoto(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	type blob struct {
		x, y, rad float64
		c         [3]float64
	}
	blobs := make([]blob, 12)
	for i := range blobs {
		blobs[i] = blob{r.Float64() * float64(w), r.Float64() * float64(h), (0.1 + 0.3*r.Float64()) * float64(min(w, h)),
			[3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}}
	}
	for y := range h {
		for x := range w {
			var c [3]float64
			for k := range c {
				c[k] = 40 + 30*math.Sin(float64(x+y*(k+1))/17)
			}
			for _, b := range blobs {
				dx, dy := float64(x)-b.x, float64(y)-b.y
				if dx*dx+dy*dy < b.rad*b.rad {
					c = b.c
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(c[0]), uint8(c[1]), uint8(c[2]), 255})
		}
	}
	return img
}

// opaqueImage hides an image's concrete type, forcing the generic At path.
type opaqueImage struct{ image.Image }

// TestPDQFastPathsMatchGeneric checks that every typed pixel reader gives
// the same hash as the generic image.Image path, so the fast paths keep
// bit-exactness.
func TestPDQFastPathsMatchGeneric(t *testing.T) {
	src := testPhoto(150, 97, 7)
	b := src.Bounds()
	rgba := image.NewRGBA(b)
	rgba64 := image.NewRGBA64(b)
	nrgba64 := image.NewNRGBA64(b)
	cmyk := image.NewCMYK(b)
	pal := image.NewPaletted(b, nil)
	for i := range 216 {
		pal.Palette = append(pal.Palette, color.RGBA{uint8(i / 36 * 51), uint8(i / 6 % 6 * 51), uint8(i % 6 * 51), 255})
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := src.NRGBAAt(x, y)
			rgba.Set(x, y, c)
			rgba64.Set(x, y, c)
			nrgba64.Set(x, y, c)
			cmyk.Set(x, y, c)
			pal.Set(x, y, c)
		}
	}
	// Sub-images exercise non-zero bounds and strides.
	sub := rgba.SubImage(image.Rect(3, 5, 140, 90))
	images := map[string]image.Image{
		"NRGBA": src, "RGBA": rgba, "RGBA64": rgba64, "NRGBA64": nrgba64, "CMYK": cmyk, "Paletted": pal, "SubRGBA": sub,
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		m := image.NewYCbCr(image.Rect(1, 2, 151, 99), ratio)
		r := rand.New(rand.NewPCG(uint64(ratio), 3))
		for i := range m.Y {
			m.Y[i] = uint8(int(src.Pix[(i*4)%len(src.Pix)]) + r.IntN(9))
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		}
		images["YCbCr"+ratio.String()] = m
		images["YCbCr"+ratio.String()+"Sub"] = m.SubImage(image.Rect(4, 5, 140, 90))
		neg := *m
		neg.Rect = m.Rect.Sub(image.Pt(7, 9)) // negative origin: the division path
		images["YCbCr"+ratio.String()+"Neg"] = &neg
		n := &image.NYCbCrA{YCbCr: *m, A: make([]uint8, m.YStride*m.Rect.Dy()), AStride: m.YStride}
		for i := range n.A {
			n.A[i] = 255 // opaque: the generic path would un-premultiply
		}
		images["NYCbCrA"+ratio.String()] = n
	}
	for name, img := range images {
		for _, mode := range []PDQMode{PDQFull, PDQ512} {
			fast, err := PDQ(img, mode)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := PDQ(opaqueImage{img}, mode)
			if err != nil {
				t.Fatal(err)
			}
			if fast != slow {
				t.Errorf("%s: typed path %s/%d, generic path %s/%d", name, fast.Hash, fast.Quality, slow.Hash, slow.Quality)
			}
		}
	}
}

// TestPDQ512FastPathsMatchGeneric: the CLI-512 column sampling of the
// typed readers agrees with the generic path.
func TestPDQ512FastPathsMatchGeneric(t *testing.T) {
	src := testPhoto(530, 520, 8)
	b := src.Bounds()
	gray := image.NewGray(b)
	rgba := image.NewRGBA(b)
	pal := image.NewPaletted(b, nil)
	for i := range 216 {
		pal.Palette = append(pal.Palette, color.RGBA{uint8(i / 36 * 51), uint8(i / 6 % 6 * 51), uint8(i % 6 * 51), 255})
	}
	ycc := image.NewYCbCr(image.Rect(2, 3, 532, 523), image.YCbCrSubsampleRatio420)
	for y := range 520 {
		for x := range 530 {
			c := src.NRGBAAt(x, y)
			gray.Set(x, y, c)
			rgba.Set(x, y, c)
			pal.Set(x, y, c)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x+2, y+3)] = yy
			ci := ycc.COffset(x+2, y+3)
			ycc.Cb[ci], ycc.Cr[ci] = cb, cr
		}
	}
	for name, img := range map[string]image.Image{"NRGBA": src, "Gray": gray, "RGBA": rgba, "Paletted": pal, "YCbCr420": ycc} {
		fast, _ := PDQ(img, PDQ512)
		slow, _ := PDQ(opaqueImage{img}, PDQ512)
		if fast != slow {
			t.Errorf("%s: typed path %s/%d, generic path %s/%d", name, fast.Hash, fast.Quality, slow.Hash, slow.Quality)
		}
		full, _ := PDQ(img, PDQFull)
		if d := full.Hash.Distance(fast.Hash); d > PDQThreshold {
			t.Errorf("%s: full and 512 modes %d bits apart", name, d)
		}
	}
}

// TestPDQIgnoresAlpha: the reference hashes the stored colour, whatever
// the alpha channel says.
func TestPDQIgnoresAlpha(t *testing.T) {
	img := testPhoto(120, 80, 3)
	want, _ := PDQ(img, PDQFull)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = uint8(i % 251)
	}
	got, _ := PDQ(img, PDQFull)
	if got != want {
		t.Errorf("alpha changed the hash: %s vs %s", got.Hash, want.Hash)
	}
}

// TestPDQGreyPath: an RGB image whose pixels are all grey is hashed like a
// single-channel image (the reference CLI receives it as PGM), not through
// the weighted sum.
func TestPDQGreyPath(t *testing.T) {
	src := testPhoto(96, 96, 5)
	grey := image.NewGray(src.Bounds())
	rgb := image.NewRGBA(src.Bounds())
	for i := range grey.Pix {
		v := src.Pix[4*i+1]
		grey.Pix[i] = v
		rgb.Pix[4*i], rgb.Pix[4*i+1], rgb.Pix[4*i+2], rgb.Pix[4*i+3] = v, v, v, 255
	}
	g, _ := PDQ(grey, PDQFull)
	c, _ := PDQ(rgb, PDQFull)
	if g != c {
		t.Errorf("grey %s/%d vs grey-content RGB %s/%d", g.Hash, g.Quality, c.Hash, c.Quality)
	}
	// The weighted sum really does differ from the grey value for some
	// levels (docs/pdq.md §2.1), so the rule is not a no-op.
	differs := 0
	for v := range 256 {
		if (lumaR[v]+lumaG[v])+lumaB[v] != float32(v) {
			differs++
		}
	}
	if differs == 0 {
		t.Error("weighted sum equals the grey value for every level")
	}
}

func TestPDQTooSmall(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 4, 100), image.Rect(0, 0, 100, 4), image.Rect(0, 0, 0, 0)} {
		_, err := PDQ(image.NewGray(r), PDQFull)
		if !errors.Is(err, ErrTooSmall) {
			t.Errorf("%v: err %v, want ErrTooSmall", r, err)
		}
	}
	if _, err := PDQ(image.NewGray(image.Rect(0, 0, 5, 5)), PDQFull); err != nil {
		t.Errorf("5x5: %v", err)
	}
	if _, err := PDQ(nil, PDQFull); !errors.Is(err, ErrNilImage) {
		t.Errorf("nil image: %v", err)
	}
}

// transformed returns img rotated or mirrored as a dihedral variant.
func transformed(img *image.NRGBA, variant int) *image.NRGBA {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var out *image.NRGBA
	switch variant {
	case DihedralRot90, DihedralRot270, DihedralFlipPlus1, DihedralFlipMinus1:
		out = image.NewNRGBA(image.Rect(0, 0, h, w))
	default:
		out = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	for y := range h {
		for x := range w {
			c := img.NRGBAAt(x, y)
			switch variant {
			case DihedralOriginal:
				out.SetNRGBA(x, y, c)
			case DihedralRot90: // counter-clockwise
				out.SetNRGBA(y, w-1-x, c)
			case DihedralRot180:
				out.SetNRGBA(w-1-x, h-1-y, c)
			case DihedralRot270:
				out.SetNRGBA(h-1-y, x, c)
			case DihedralFlipX: // upside down
				out.SetNRGBA(x, h-1-y, c)
			case DihedralFlipY: // left-right mirror
				out.SetNRGBA(w-1-x, y, c)
			case DihedralFlipPlus1: // transpose
				out.SetNRGBA(y, x, c)
			case DihedralFlipMinus1: // anti-transpose
				out.SetNRGBA(h-1-y, w-1-x, c)
			}
		}
	}
	return out
}

// TestPDQDihedralMatchesTransformedImages: each dihedral hash is close to
// the hash of the actually rotated or mirrored image, and far from the
// other variants. Which transform each variant means is checked by the
// reference vectors; this checks that they agree with real pixels.
func TestPDQDihedralMatchesTransformedImages(t *testing.T) {
	img := testPhoto(256, 256, 11)
	dih, err := PDQDihedral(img, PDQFull)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 8 {
		got, err := PDQ(transformed(img, v), PDQFull)
		if err != nil {
			t.Fatal(err)
		}
		// The filter window and the sampling grid are not symmetric, so
		// the variants are approximate; they must match at the default
		// threshold and stay far from the other variants.
		for u := range 8 {
			d := got.Hash.Distance(dih.Dihedral[u])
			if u == v {
				t.Logf("%-10s distance to its variant %d", DihedralName(v), d)
			}
			if u == v && d > PDQThreshold {
				t.Errorf("%s image: distance %d to its variant > %d", DihedralName(v), d, PDQThreshold)
			}
			if u != v && d <= 2*PDQThreshold {
				t.Errorf("%s image: distance %d to variant %s", DihedralName(v), d, DihedralName(u))
			}
		}
	}
}

// TestPDQDihedralTestdata checks the q0004 dihedral row copied into
// testdata (runs without the shared vectors).
func TestPDQDihedralTestdata(t *testing.T) {
	rows := readVectorCSV(t, "testdata/pdq/dihedral.csv")
	img := decodePNGFile(t, "testdata/pdq/pixel-exact/reg-test-input_labelme-subset_q0004.png")
	got, err := PDQDihedral(img, PDQ512)
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range rows[0].hashes {
		if got.Dihedral[v].String() != want {
			t.Errorf("%s: got %s, want %s", DihedralName(v), got.Dihedral[v], want)
		}
	}
}

// TestPDQ64Shortcut: 64×64 input skips the blur in PDQ (the reference's
// single-hash entry point) but not in PDQDihedral.
func TestPDQ64Shortcut(t *testing.T) {
	img := testPhoto(64, 64, 9)
	var hs hasher
	hs.hash(img, PDQFull, false)
	p := newPixelRows(img)
	row := make([]float32, 64)
	hs2 := hasher{pix: make([]byte, 3*64)}
	for y := range 64 {
		hs2.lumaRow(p, y, false, row)
		for x := range 64 {
			if hs.buf64[y][x] != row[x] {
				t.Fatalf("64x64 buffer[%d][%d] = %v, luma %v: input was blurred", y, x, hs.buf64[y][x], row[x])
			}
		}
	}
	single, _ := PDQ(img, PDQFull)
	dih, _ := PDQDihedral(img, PDQFull)
	if d := single.Hash.Distance(dih.Hash); d > 16 {
		t.Errorf("64x64: PDQ and PDQDihedral differ by %d bits", d)
	}
}

func TestPDQModeStrings(t *testing.T) {
	for _, m := range []PDQMode{PDQFull, PDQ512} {
		got, err := ParsePDQMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParsePDQMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParsePDQMode("fast"); err == nil {
		t.Error("ParsePDQMode(fast): no error")
	}
}

// TestHasherReuse: a Hasher reused across images of different sizes and
// modes gives the same results as fresh calls (no stale scratch state).
func TestHasherReuse(t *testing.T) {
	var h Hasher
	imgs := []image.Image{testPhoto(700, 530, 1), testPhoto(40, 33, 2), testPhoto(64, 64, 3), testPhoto(300, 1000, 4), testPhoto(128, 90, 5)}
	for round := range 2 {
		for i, img := range imgs {
			for _, mode := range []PDQMode{PDQFull, PDQ512} {
				got, err := h.PDQ(img, mode)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := PDQ(img, mode)
				if got != want {
					t.Errorf("round %d image %d mode %s: reused %s, fresh %s", round, i, mode, got.Hash, want.Hash)
				}
				gd, _ := h.PDQDihedral(img, mode)
				wd, _ := PDQDihedral(img, mode)
				if *gd.Dihedral != *wd.Dihedral {
					t.Errorf("round %d image %d mode %s: dihedral differs after reuse", round, i, mode)
				}
			}
		}
	}
}

// TestPDQRecoversBrokenImages: an image value whose pixels cannot be read
// gives an error, not a crash.
func TestPDQRecoversBrokenImages(t *testing.T) {
	short := image.NewRGBA(image.Rect(0, 0, 100, 100))
	short.Pix = make([]byte, len(short.Pix)/2)
	for name, img := range map[string]image.Image{"short Pix": short, "panicking At": panicImage{}} {
		if _, err := PDQ(img, PDQFull); !errors.Is(err, ErrBadImage) {
			t.Errorf("%s: err = %v, want ErrBadImage", name, err)
		}
	}
}
