package scan

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/perceptual"
)

// ImageOptions configure an ImageHasher. The zero value gives the
// documented defaults.
type ImageOptions struct {
	// PDQMode is the pre-resize convention (default perceptual.PDQFull, as
	// HMA and python-threatexchange hash).
	PDQMode perceptual.PDQMode
	// MinQuality: PDQ hashes of lower quality are reported but not looked
	// up (default perceptual.MinQuality, 50). A negative value matches
	// every quality.
	MinQuality int
	// MaxPixels refuses images with more pixels before they are decoded
	// (default perceptual.DefaultMaxPixels, 100 megapixels).
	MaxPixels int64
	// MaxBytes bounds how much of a TIFF file is held in memory (default
	// perceptual.DefaultMaxBytes).
	MaxBytes int64
}

// An ImageHasher computes the perceptual hashes of images for the scan:
// its Hash method is a Config.Image. It decodes safely (format sniffed
// from content, pixel limit checked before allocation, decoder panics
// recovered), computes PDQ with its eight dihedral variants as lookup
// variants (so rotated and mirrored copies match), and goimagehash's
// aHash, dHash and pHash.
//
// An ImageHasher is safe for concurrent use: it keeps one
// perceptual.Hasher (scratch buffers) per goroutine hashing at a time.
type ImageHasher struct {
	opts ImageOptions

	mu   sync.Mutex
	free []*perceptual.Hasher
}

// NewImageHasher returns an ImageHasher with opts (zero fields take their
// defaults).
func NewImageHasher(opts ImageOptions) *ImageHasher {
	if opts.MinQuality == 0 {
		opts.MinQuality = perceptual.MinQuality
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = perceptual.DefaultMaxPixels
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = perceptual.DefaultMaxBytes
	}
	return &ImageHasher{opts: opts}
}

// Options returns the options in force, defaults filled in.
func (h *ImageHasher) Options() ImageOptions { return h.opts }

// Hash decodes the image in f and computes the perceptual algorithms in
// algs. It implements ImageFunc.
//
// An image under perceptual.MinDimension pixels on a side gives no digest
// and an error wrapping perceptual.ErrTooSmall, which the scan counts
// (Summary.ImagesTooSmall) instead of reporting. A PDQ hash under the
// minimum quality is returned with NotMatched set. Images over the pixel
// limit, corrupt images and decoder panics are errors.
func (h *ImageHasher) Hash(ctx context.Context, f evidence.File, algs []hashset.Algorithm) ([]Digest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, f.Size()), 64<<10)
	img, format, err := perceptual.Decode(r, perceptual.DecodeOptions{MaxPixels: h.opts.MaxPixels, MaxBytes: h.opts.MaxBytes})
	if err != nil {
		if errors.Is(err, perceptual.ErrTooLarge) {
			return nil, fmt.Errorf("refused, not decoded (raise --max-image-pixels to hash it): %w", err)
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	var out []Digest
	for _, a := range algs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch a {
		case hashset.PDQ:
			d, err := h.pdq(img)
			if err != nil {
				return nil, fmt.Errorf("%s image: %w", format, err)
			}
			out = append(out, d)
		case hashset.AHash, hashset.DHash, hashset.PHash:
			kind := map[hashset.Algorithm]perceptual.HashKind{hashset.AHash: perceptual.AHash, hashset.DHash: perceptual.DHash, hashset.PHash: perceptual.PHash}[a]
			v, err := perceptual.ImageHash(img, kind)
			if err != nil {
				return nil, fmt.Errorf("%s image: %w", format, err)
			}
			sum := make([]byte, 8)
			binary.BigEndian.PutUint64(sum, v)
			out = append(out, Digest{Algorithm: a, Sum: sum, Quality: -1})
		default:
			return nil, fmt.Errorf("no image hash for %s", a)
		}
	}
	return out, nil
}

// pdq hashes img with a pooled Hasher. The reported hash is the one the
// reference's plain entry point gives; Variants are the seven other
// dihedral hashes in the reference's order (rot90, rot180, rot270, flipx,
// flipy, flipplus1, flipminus1), then, for a 64×64 image only, the
// dihedral entry point's original when it differs from the plain hash.
func (h *ImageHasher) pdq(img image.Image) (Digest, error) {
	ph := h.get()
	defer h.put(ph)
	res, err := ph.PDQDihedral(img, h.opts.PDQMode)
	if err != nil {
		return Digest{}, err
	}
	hash := res.Hash
	if b := img.Bounds(); b.Dx() == 64 && b.Dy() == 64 {
		// Only here do the two entry points differ (the dihedral one
		// always blurs): report what a list made with the plain hasher holds.
		plain, err := ph.PDQ(img, h.opts.PDQMode)
		if err != nil {
			return Digest{}, err
		}
		hash = plain.Hash
	}
	d := Digest{Algorithm: hashset.PDQ, Sum: clone32(hash), Quality: res.Quality}
	for v := perceptual.DihedralRot90; v < len(res.Dihedral); v++ {
		d.Variants = append(d.Variants, clone32(res.Dihedral[v]))
	}
	if res.Dihedral[perceptual.DihedralOriginal] != hash {
		d.Variants = append(d.Variants, clone32(res.Dihedral[perceptual.DihedralOriginal]))
	}
	if h.opts.MinQuality >= 0 && res.Quality < h.opts.MinQuality {
		d.NotMatched = fmt.Sprintf("pdq quality %d under the minimum %d", res.Quality, h.opts.MinQuality)
	}
	return d, nil
}

func clone32(h perceptual.PDQHash) []byte { return append([]byte(nil), h[:]...) }

func (h *ImageHasher) get() *perceptual.Hasher {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.free); n > 0 {
		ph := h.free[n-1]
		h.free = h.free[:n-1]
		return ph
	}
	return new(perceptual.Hasher)
}

func (h *ImageHasher) put(ph *perceptual.Hasher) {
	h.mu.Lock()
	h.free = append(h.free, ph)
	h.mu.Unlock()
}

// imageStatus is what the image step made of one item.
type imageStatus uint8

const (
	imageNone       imageStatus = iota // not an image, or no perceptual algorithm wanted
	imageHashed                        // hashed and looked up
	imageTooSmall                      // under perceptual.MinDimension on a side: not matched
	imageLowQuality                    // hashed, but a digest was too featureless to match
	imageFailed                        // not decoded or not hashed: an error record
)

// imageOutcome classifies the image step's result.
func imageOutcome(ds []Digest, err error) imageStatus {
	switch {
	case errors.Is(err, perceptual.ErrTooSmall):
		return imageTooSmall
	case err != nil:
		return imageFailed
	}
	for _, d := range ds {
		if d.NotMatched != "" {
			return imageLowQuality
		}
	}
	return imageHashed
}

// countImage adds an item's image outcome to the summary (collector only).
func (s *scanner) countImage(st imageStatus) {
	if st == imageNone {
		return
	}
	s.sum.Images++
	switch st {
	case imageTooSmall:
		s.sum.ImagesTooSmall++
	case imageLowQuality:
		s.sum.ImagesLowQuality++
	case imageFailed:
		s.sum.ImagesFailed++
	}
}
