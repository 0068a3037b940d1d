package perceptual

import (
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"math/bits"
)

// Defaults shared by everything that matches PDQ hashes.
const (
	// MinQuality is the lowest PDQ quality that is matched; hashes of
	// flatter images are discarded (pdq/README.md, python-threatexchange).
	MinQuality = 50
	// PDQThreshold is the default match threshold: a Hamming distance of at
	// most 31 bits out of 256.
	PDQThreshold = 31
	// MinDimension is the smallest width and height PDQ hashes; smaller
	// images give an all-zero hash with quality 0 in the reference.
	MinDimension = 5
)

// PDQHash is a 256-bit PDQ hash in the reference's byte order: the 32 bytes
// of its 64-digit hex form, read as a big-endian 256-bit number. Bit k (0 =
// least significant, in byte 31) is DCT cell (k/16, k%16).
type PDQHash [32]byte

// String returns the 64 lower-case hex digits the reference prints.
func (h PDQHash) String() string { return hex.EncodeToString(h[:]) }

// ParsePDQ parses a 64-digit hex PDQ hash in either case.
func ParsePDQ(s string) (PDQHash, error) {
	var h PDQHash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("pdq hash must be %d hex digits, got %d", 2*len(h), len(s))
	}
	for i := 0; i < len(s); i++ {
		if hexValue(s[i]) < 0 {
			return h, fmt.Errorf("pdq hash %q: character %d (%q) is not a hex digit", s, i+1, s[i])
		}
	}
	for i := range h {
		h[i] = byte(hexValue(s[2*i])<<4 | hexValue(s[2*i+1]))
	}
	return h, nil
}

func hexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Distance returns the Hamming distance between h and o (0–256).
func (h PDQHash) Distance(o PDQHash) int {
	n := 0
	for i := 0; i < len(h); i += 8 {
		a := uint64(h[i]) | uint64(h[i+1])<<8 | uint64(h[i+2])<<16 | uint64(h[i+3])<<24 |
			uint64(h[i+4])<<32 | uint64(h[i+5])<<40 | uint64(h[i+6])<<48 | uint64(h[i+7])<<56
		b := uint64(o[i]) | uint64(o[i+1])<<8 | uint64(o[i+2])<<16 | uint64(o[i+3])<<24 |
			uint64(o[i+4])<<32 | uint64(o[i+5])<<40 | uint64(o[i+6])<<48 | uint64(o[i+7])<<56
		n += bits.OnesCount64(a ^ b)
	}
	return n
}

// Bit reports bit k (0–255) of h: whether DCT cell (k/16, k%16) is above
// the median.
func (h PDQHash) Bit(k int) bool { return h[31-k/8]>>(k%8)&1 == 1 }

// PDQMode selects the pre-resize convention.
type PDQMode int

const (
	// PDQFull hashes the full-resolution pixels (HMA, python-threatexchange,
	// the Java and Python bindings).
	PDQFull PDQMode = iota
	// PDQ512 first resizes images over 512 px on either side to exactly
	// 512×512 by nearest neighbour, as the reference CLI pdq-photo-hasher.
	PDQ512
)

// String returns "full" or "512", the names used on the command line.
func (m PDQMode) String() string {
	switch m {
	case PDQFull:
		return "full"
	case PDQ512:
		return "512"
	}
	return fmt.Sprintf("PDQMode(%d)", int(m))
}

// ParsePDQMode parses "full" or "512".
func ParsePDQMode(s string) (PDQMode, error) {
	switch s {
	case "full":
		return PDQFull, nil
	case "512":
		return PDQ512, nil
	}
	return 0, fmt.Errorf("unknown pdq mode %q (want full or 512)", s)
}

// The dihedral variants in the reference CLI's order.
const (
	DihedralOriginal = iota
	DihedralRot90
	DihedralRot180
	DihedralRot270
	DihedralFlipX
	DihedralFlipY
	DihedralFlipPlus1
	DihedralFlipMinus1
)

// DihedralName returns the reference CLI's name of dihedral variant v
// (an index into PDQResult.Dihedral): "orig", "rot90", "rot180", "rot270",
// "flipx", "flipy", "flipplus1" or "flipminus1".
func DihedralName(v int) string {
	names := [8]string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("dihedral(%d)", v)
	}
	return names[v]
}

// PDQResult is the outcome of hashing one image.
type PDQResult struct {
	Hash    PDQHash
	Quality int // 0–100; below MinQuality the hash should not be matched
	// Dihedral holds the hashes of the image rotated and mirrored, in the
	// order orig, rot90, rot180, rot270, flipx, flipy, flipplus1,
	// flipminus1; nil unless requested.
	Dihedral *[8]PDQHash
}

// Errors returned for images PDQ does not hash.
var (
	// ErrTooSmall: the image is under MinDimension pixels on a side.
	ErrTooSmall = errors.New("image too small to hash")
	// ErrNilImage: no image was given.
	ErrNilImage = errors.New("nil image")
	// ErrBadImage: reading the image's pixels panicked (an inconsistent
	// image value); the panic was recovered.
	ErrBadImage = errors.New("inconsistent image")
)

// PDQ computes the PDQ hash and quality of img's stored pixels under the
// given convention. Images under MinDimension pixels on a side give a zero
// result and ErrTooSmall.
func PDQ(img image.Image, mode PDQMode) (PDQResult, error) {
	return pdq(img, mode, false)
}

// PDQDihedral is PDQ plus the eight dihedral hashes, all derived from one
// DCT. It mirrors the reference's dihedral entry point, which always runs
// the blur: for an image of exactly 64×64 pixels its Hash (equal to
// Dihedral[0]) may differ in a few bits from PDQ's, which copies 64×64
// input unblurred.
func PDQDihedral(img image.Image, mode PDQMode) (PDQResult, error) {
	return pdq(img, mode, true)
}

// A Hasher computes PDQ hashes and keeps its scratch buffers between
// calls, which saves allocations when hashing many images. The zero value
// is ready to use; a Hasher must not be used by two goroutines at once.
type Hasher struct{ h hasher }

// PDQ is the package-level PDQ using h's buffers.
func (h *Hasher) PDQ(img image.Image, mode PDQMode) (PDQResult, error) {
	return h.h.checked(img, mode, false)
}

// PDQDihedral is the package-level PDQDihedral using h's buffers.
func (h *Hasher) PDQDihedral(img image.Image, mode PDQMode) (PDQResult, error) {
	return h.h.checked(img, mode, true)
}

func pdq(img image.Image, mode PDQMode, dihedral bool) (PDQResult, error) {
	var h hasher
	return h.checked(img, mode, dihedral)
}

func (hs *hasher) checked(img image.Image, mode PDQMode, dihedral bool) (res PDQResult, err error) {
	if img == nil {
		return PDQResult{}, ErrNilImage
	}
	if mode != PDQFull && mode != PDQ512 {
		return PDQResult{}, fmt.Errorf("pdq: unknown mode %d", int(mode))
	}
	b := img.Bounds()
	if b.Dx() < MinDimension || b.Dy() < MinDimension {
		return PDQResult{}, fmt.Errorf("pdq: %dx%d: %w", b.Dx(), b.Dy(), ErrTooSmall)
	}
	// An inconsistent image value (pixel slice shorter than its bounds
	// claim, a panicking At) must not bring down a scan.
	defer func() {
		if p := recover(); p != nil {
			res, err = PDQResult{}, fmt.Errorf("pdq: reading %T: %w: %v", img, ErrBadImage, p)
		}
	}()
	return hs.hash(img, mode, dihedral), nil
}
