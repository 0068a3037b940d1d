package match

import (
	"encoding/binary"
	"math/bits"

	"github.com/hashtriage/hashtriage/hashset"
)

// hammingIndex is what Lookup needs from a perceptual index: every entry of
// a flat table of fixed-width hashes within maxDist bits of any of qs. fn
// may be called more than once for an entry (the caller keeps the minimum).
type hammingIndex interface {
	searchAny(qs [][]byte, maxDist int, fn func(i, dist int))
}

// newHammingIndex indexes a perceptual table with the multi-index hashing
// indexes of hamming.go, or falls back to a linear scan.
func newHammingIndex(t *hashset.Table) hammingIndex {
	flat := t.Digests()
	switch t.Algorithm().Size() {
	case 32:
		if ix, err := NewIndex256(flat); err == nil {
			return index256{ix}
		}
	case 8:
		if ix, err := NewIndex64(flat); err == nil {
			return index64{ix}
		}
	}
	return &bruteIndex{flat: flat, w: t.Algorithm().Size()}
}

type index256 struct{ ix *Index256 }

func (x index256) searchAny(qs [][]byte, maxDist int, fn func(i, dist int)) {
	q32 := make([][32]byte, len(qs))
	for i, q := range qs {
		copy(q32[i][:], q)
	}
	x.ix.SearchAny(q32, maxDist, fn)
}

type index64 struct{ ix *Index64 }

func (x index64) searchAny(qs [][]byte, maxDist int, fn func(i, dist int)) {
	for _, q := range qs {
		x.ix.Search(binary.BigEndian.Uint64(q), maxDist, fn)
	}
}

// bruteIndex compares each query with every hash: the reference the
// indexes are tested against, and the fallback.
type bruteIndex struct {
	flat []byte
	w    int
}

func (b *bruteIndex) searchAny(qs [][]byte, maxDist int, fn func(i, dist int)) {
	if maxDist < 0 {
		return
	}
	n := len(b.flat) / b.w
	for _, q := range qs {
		if len(q) != b.w {
			continue
		}
		for i := 0; i < n; i++ {
			h := b.flat[b.w*i : b.w*i+b.w]
			d := 0
			for k := 0; k+8 <= b.w; k += 8 {
				d += bits.OnesCount64(binary.BigEndian.Uint64(q[k:]) ^ binary.BigEndian.Uint64(h[k:]))
			}
			for k := b.w &^ 7; k < b.w; k++ {
				d += bits.OnesCount8(q[k] ^ h[k])
			}
			if d <= maxDist {
				fn(i, d)
			}
		}
	}
}
