package perceptual

import (
	"fmt"
	"image"
	"image/color"
	"math/bits"
	"strconv"

	"github.com/corona10/goimagehash"
)

// HashKind is one of goimagehash's 64-bit hash kinds.
type HashKind int

// The goimagehash kinds hashtriage computes.
const (
	AHash HashKind = iota // average hash: 8×8 grey, bit set above the mean
	DHash                 // difference hash: 9×8 grey, bit set where left < right
	PHash                 // perception hash: 64×64 grey, DCT, 8×8 above the median
)

// String returns "ahash", "dhash" or "phash" (the hashset algorithm names).
func (k HashKind) String() string {
	switch k {
	case AHash:
		return "ahash"
	case DHash:
		return "dhash"
	case PHash:
		return "phash"
	}
	return fmt.Sprintf("HashKind(%d)", int(k))
}

// Prefix returns the letter goimagehash's ToString puts before the hex
// digits: 'a', 'd' or 'p'.
func (k HashKind) Prefix() byte {
	switch k {
	case AHash:
		return 'a'
	case DHash:
		return 'd'
	case PHash:
		return 'p'
	}
	return '?'
}

// FormatImageHash returns goimagehash's text form of a hash, e.g.
// "p:aca29c1c33dc23d7".
func FormatImageHash(kind HashKind, h uint64) string {
	return fmt.Sprintf("%c:%016x", kind.Prefix(), h)
}

// ParseImageHash parses goimagehash's text form "<a|d|p>:<16 hex digits>"
// (either case). Unlike goimagehash's own parser it rejects unknown kinds
// and wrong lengths.
func ParseImageHash(s string) (HashKind, uint64, error) {
	if len(s) != 18 || s[1] != ':' {
		return 0, 0, fmt.Errorf("image hash %q: want <a|d|p>:<16 hex digits>", s)
	}
	var kind HashKind
	switch s[0] {
	case 'a', 'A':
		kind = AHash
	case 'd', 'D':
		kind = DHash
	case 'p', 'P':
		kind = PHash
	default:
		return 0, 0, fmt.Errorf("image hash %q: unknown kind %q (want a, d or p)", s, s[0])
	}
	for i := 2; i < len(s); i++ {
		if hexValue(s[i]) < 0 {
			return 0, 0, fmt.Errorf("image hash %q: character %d is not a hex digit", s, i+1)
		}
	}
	v, err := strconv.ParseUint(s[2:], 16, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("image hash %q: %w", s, err)
	}
	return kind, v, nil
}

// ImageHashDistance returns the Hamming distance between two 64-bit hashes
// of the same kind.
func ImageHashDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// ImageHash computes a goimagehash (v1.1.0) hash of img. The value is
// goimagehash's GetHash(); its 8-byte form (hashset's AHash, DHash, PHash
// digests) is the big-endian encoding, the same bytes as the 16 hex digits
// of FormatImageHash. A panic inside goimagehash is recovered into an
// error.
//
// goimagehash's resizer (nfnt/resize) reads pixels in goroutines of its
// own, where a panic cannot be recovered and would end the program. So
// only the image types it reads directly from their pixel arrays (as the
// standard decoders build them) are passed as they are; any other type is
// first copied here into an *image.RGBA64 of the same 16-bit premultiplied
// values its At method returns, which the resizer processes identically.
func ImageHash(img image.Image, kind HashKind) (h uint64, err error) {
	if img == nil {
		return 0, ErrNilImage
	}
	b := img.Bounds()
	if b.Dx() < 1 || b.Dy() < 1 {
		return 0, fmt.Errorf("%s: empty image %dx%d", kind, b.Dx(), b.Dy())
	}
	defer func() {
		if p := recover(); p != nil {
			h, err = 0, fmt.Errorf("%s: goimagehash panicked: %v", kind, p)
		}
	}()
	img = resizerSafe(img)
	var ih *goimagehash.ImageHash
	switch kind {
	case AHash:
		ih, err = goimagehash.AverageHash(img)
	case DHash:
		ih, err = goimagehash.DifferenceHash(img)
	case PHash:
		ih, err = goimagehash.PerceptionHash(img)
	default:
		return 0, fmt.Errorf("unknown image hash kind %d", int(kind))
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", kind, err)
	}
	if ih == nil {
		return 0, fmt.Errorf("%s: goimagehash returned no hash", kind)
	}
	return ih.GetHash(), nil
}

// resizerSafe returns img if nfnt/resize reads it through its pixel arrays,
// else a copy as *image.RGBA64 (see ImageHash). It may panic on a broken
// image, in the caller's goroutine.
func resizerSafe(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.RGBA, *image.NRGBA, *image.RGBA64, *image.NRGBA64, *image.Gray, *image.Gray16:
		return img
	case *image.YCbCr:
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
			image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440:
			return img
		}
	}
	b := img.Bounds()
	out := image.NewRGBA64(b)
	var pal [256]color.RGBA64 // Paletted: out-of-range indexes read as transparent black
	paletted, isPaletted := img.(*image.Paletted)
	if isPaletted {
		for i, c := range paletted.Palette {
			if i < len(pal) && c != nil {
				pal[i] = color.RGBA64Model.Convert(c).(color.RGBA64)
			}
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if isPaletted {
				out.SetRGBA64(x, y, pal[paletted.ColorIndexAt(x, y)])
				continue
			}
			c := img.At(x, y)
			if c == nil {
				continue
			}
			r, g, bl, a := c.RGBA()
			out.SetRGBA64(x, y, color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)})
		}
	}
	return out
}
