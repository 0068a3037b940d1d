// Package sha1sha256 computes the SHA-1 and the SHA-256 digests of the same
// data in one pass.
//
// On amd64 processors with the SHA extensions both states advance in one
// loop whose instructions are interleaved: each SHA-NI round instruction
// waits several cycles for the previous one, and the two independent chains
// fill each other's waits, so the pair costs about what SHA-256 alone costs
// with crypto/sha256. Elsewhere it writes to crypto/sha1 and crypto/sha256
// in turn, with the same results.
package sha1sha256

//go:generate go run gen.go

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// BlockSize is the block size of both hash functions, in bytes.
const BlockSize = 64

// state is the layout block_amd64.s works on: the registers of the SHA
// instructions, as 32-bit words from the lowest.
type state struct {
	abef [4]uint32 // SHA-256 F, E, B, A
	cdgh [4]uint32 // SHA-256 H, G, D, C
	abcd [4]uint32 // SHA-1 D, C, B, A
	e    [4]uint32 // SHA-1 0, 0, 0, E
}

// Digest computes SHA-1 and SHA-256 of the data written to it. Its zero
// value is not usable; call New.
type Digest struct {
	s   state
	buf [BlockSize]byte
	n   int    // bytes in buf
	len uint64 // bytes written

	// Without the SHA extensions: the standard library's hashes.
	h1, h256 hash.Hash
}

// New returns a Digest.
func New() *Digest {
	d := new(Digest)
	if !OnePass() {
		d.h1, d.h256 = sha1.New(), sha256.New()
	}
	d.Reset()
	return d
}

// OnePass reports whether this processor computes both digests in one
// interleaved pass. When it does not, a Digest is no faster than the two
// standard hashes written in turn, and a caller with spare cores may prefer
// to hash on two goroutines.
func OnePass() bool { return haveSHANI }

// Reset returns d to its initial state.
func (d *Digest) Reset() {
	d.n, d.len = 0, 0
	if d.h1 != nil {
		d.h1.Reset()
		d.h256.Reset()
		return
	}
	// FIPS 180-4 §5.3.1 and §5.3.3.
	const (
		a1, b1, c1, d1, e1 = 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
		a2, b2, c2, d2     = 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
		e2, f2, g2, h2     = 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	)
	d.s = state{
		abef: [4]uint32{f2, e2, b2, a2},
		cdgh: [4]uint32{h2, g2, d2, c2},
		abcd: [4]uint32{d1, c1, b1, a1},
		e:    [4]uint32{0, 0, 0, e1},
	}
}

// Write adds p to the data hashed. It never returns an error.
func (d *Digest) Write(p []byte) (int, error) {
	if d.h1 != nil {
		d.h1.Write(p)
		return d.h256.Write(p)
	}
	n := len(p)
	d.len += uint64(n)
	if d.n > 0 {
		k := copy(d.buf[d.n:], p)
		d.n += k
		p = p[k:]
		if d.n < BlockSize {
			return n, nil
		}
		block(&d.s, d.buf[:])
		d.n = 0
	}
	if whole := len(p) &^ (BlockSize - 1); whole > 0 {
		block(&d.s, p[:whole])
		p = p[whole:]
	}
	d.n = copy(d.buf[:], p)
	return n, nil
}

// Sums returns the SHA-1 and SHA-256 digests of the data written so far.
// It does not change d: more may be written and summed again.
func (d *Digest) Sums() (s1 [sha1.Size]byte, s256 [sha256.Size]byte) {
	if d.h1 != nil {
		d.h1.Sum(s1[:0])
		d.h256.Sum(s256[:0])
		return s1, s256
	}
	// Both functions pad the same way (FIPS 180-4 §5.1.1): a 1 bit, zeros,
	// and the length in bits, big-endian, ending a block.
	c := *d
	var pad [2 * BlockSize]byte
	pad[0] = 0x80
	k := BlockSize - 8 - c.n
	if k <= 0 {
		k += BlockSize
	}
	binary.BigEndian.PutUint64(pad[k:], c.len<<3)
	c.Write(pad[:k+8])
	s := &c.s
	for i, w := range []uint32{s.abcd[3], s.abcd[2], s.abcd[1], s.abcd[0], s.e[3]} {
		binary.BigEndian.PutUint32(s1[4*i:], w)
	}
	for i, w := range []uint32{s.abef[3], s.abef[2], s.cdgh[3], s.cdgh[2], s.abef[1], s.abef[0], s.cdgh[1], s.cdgh[0]} {
		binary.BigEndian.PutUint32(s256[4*i:], w)
	}
	return s1, s256
}
