package perceptual_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/hashtriage/hashtriage/perceptual"
)

// drawPicture draws a test picture in code: 8×6 coloured tiles under a
// bright disc, at any size.
func drawPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i, j := x*8/w, y*6/h
			c := color.RGBA{uint8(i*37 + j*91), uint8(i*73 + j*29), uint8(i * j * 11), 255}
			if dx, dy := x-w/3, y-h/2; dx*dx+dy*dy < h*h/16 {
				c = color.RGBA{250, 240, 200, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func ExamplePDQ() {
	img := drawPicture(320, 240)
	res, err := perceptual.PDQ(img, perceptual.PDQFull)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Hash, res.Quality)

	// A half-size copy is a near duplicate.
	small, _ := perceptual.PDQ(drawPicture(160, 120), perceptual.PDQFull)
	d := res.Hash.Distance(small.Hash)
	fmt.Println("half size within threshold:", d <= perceptual.PDQThreshold)

	// The hex form round-trips.
	h, _ := perceptual.ParsePDQ(res.Hash.String())
	fmt.Println(h == res.Hash)
	// Output:
	// 1e0671a8dc688ad063e124271b9cfa5bfc7d27cd6271db161f867528e40efad0 100
	// half size within threshold: true
	// true
}

func ExamplePDQDihedral() {
	// Eight 256-bit hashes from one DCT; only their first 16 hex digits
	// are printed here.
	res, _ := perceptual.PDQDihedral(drawPicture(256, 256), perceptual.PDQ512)
	for i, h := range res.Dihedral {
		fmt.Printf("%-10s %s\n", perceptual.DihedralName(i), h.String()[:16])
	}
	// Output:
	// orig       dc0eb1a860631ed0
	// rot90      c66d58e267c525d8
	// rot180     a97b1b023736b57e
	// rot270     9338f24832908f72
	// flipx      dc0e4e576463e12f
	// flipy      895be4fd31364b85
	// flipplus1  c66da71d67c5da27
	// flipminus1 933c0db7b290708d
}

func ExampleImageHash() {
	h, err := perceptual.ImageHash(drawPicture(64, 64), perceptual.PHash)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := perceptual.FormatImageHash(perceptual.PHash, h)
	kind, v, _ := perceptual.ParseImageHash(s)
	fmt.Println(kind, v == h)
	// Output: phash true
}

func ExampleDecode() {
	var buf bytes.Buffer
	png.Encode(&buf, drawPicture(64, 48))
	img, format, err := perceptual.Decode(&buf, perceptual.DecodeOptions{MaxPixels: 10_000_000})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(format, img.Bounds().Dx(), img.Bounds().Dy())

	// A header claiming more pixels than the limit is refused before the
	// pixels are allocated.
	buf.Reset()
	png.Encode(&buf, drawPicture(64, 48))
	_, _, err = perceptual.Decode(&buf, perceptual.DecodeOptions{MaxPixels: 1000})
	fmt.Println(errors.Is(err, perceptual.ErrTooLarge))
	// Output:
	// png 64 48
	// true
}
