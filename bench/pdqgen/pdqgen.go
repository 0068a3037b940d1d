// Package pdqgen generates seeded lists of synthetic PDQ hashes for tests and
// benchmarks of Hamming-distance indexes, with near-duplicates planted at
// known distances.
//
// Real PDQ hashes threshold 256 DCT coefficients at their median, so each has
// (nearly) exactly 128 bits set; the generator makes base hashes uniformly
// at random among those. Apart from that balance, uniformly random hashes are
// the hard case for multi-index hashing: every chunk value is equally likely,
// so no bucket is cheap to skip and none is unusually large either.
package pdqgen

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// HashSize is the length of a PDQ hash in bytes.
const HashSize = 32

// A Plant records one planted near-duplicate: hash Copy was made from hash
// Base by flipping exactly Distance bits.
type Plant struct {
	Base, Copy, Distance int
}

// Config says what to generate.
type Config struct {
	Seed uint64 // same seed, same output
	N    int    // total number of hashes, planted copies included
	// Distances lists the distances at which to plant copies; PerDistance
	// copies are planted at each one, each from a different random base.
	Distances   []int
	PerDistance int
}

// Generate returns cfg.N hashes as one flat slice (hash i is
// b[32*i:32*i+32]) and the list of planted copies, in the order planted.
// Copies are placed at random positions among the bases.
func Generate(cfg Config) ([]byte, []Plant, error) {
	planted := len(cfg.Distances) * cfg.PerDistance
	if cfg.N < 0 || cfg.PerDistance < 0 || planted > cfg.N/2 {
		return nil, nil, fmt.Errorf("pdqgen: %d hashes cannot hold %d planted copies and their bases", cfg.N, planted)
	}
	for _, d := range cfg.Distances {
		if d < 0 || d > 256 {
			return nil, nil, fmt.Errorf("pdqgen: plant distance %d is outside 0..256", d)
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	out := make([]byte, HashSize*cfg.N)
	// Decide which slots hold copies: a random subset of size planted.
	perm := rng.Perm(cfg.N)
	isCopy := make([]bool, cfg.N)
	copySlots := perm[:planted]
	for _, s := range copySlots {
		isCopy[s] = true
	}
	var bases []int
	for i := 0; i < cfg.N; i++ {
		if !isCopy[i] {
			Balanced(rng, out[HashSize*i:HashSize*(i+1)])
			bases = append(bases, i)
		}
	}
	var plants []Plant
	k := 0
	for _, d := range cfg.Distances {
		for j := 0; j < cfg.PerDistance; j++ {
			base := bases[rng.IntN(len(bases))]
			slot := copySlots[k]
			k++
			dst := out[HashSize*slot : HashSize*(slot+1)]
			copy(dst, out[HashSize*base:HashSize*(base+1)])
			FlipBits(rng, dst, d)
			plants = append(plants, Plant{Base: base, Copy: slot, Distance: d})
		}
	}
	return out, plants, nil
}

// Balanced fills h (32 bytes) with a uniformly random hash of exactly 128
// set bits. It draws 256 random bits, then flips randomly chosen bits of the
// majority value until the counts are equal; every step is invariant under
// permuting bit positions, so the result is uniform among balanced hashes.
func Balanced(rng *rand.Rand, h []byte) {
	h = h[:HashSize]
	ones := 0
	for i := 0; i < HashSize; i += 8 {
		binary.LittleEndian.PutUint64(h[i:], rng.Uint64())
		ones += bits.OnesCount64(binary.LittleEndian.Uint64(h[i:]))
	}
	for ones != 128 {
		bit := rng.IntN(256)
		set := h[bit/8]&(1<<(bit%8)) != 0
		if set == (ones > 128) {
			h[bit/8] ^= 1 << (bit % 8)
			if set {
				ones--
			} else {
				ones++
			}
		}
	}
}

// FlipBits flips exactly d distinct random bits of h (32 bytes, 0 ≤ d ≤ 256).
func FlipBits(rng *rand.Rand, h []byte, d int) {
	var pos [256]uint8
	for i := range pos {
		pos[i] = uint8(i)
	}
	for i := 0; i < d; i++ { // partial Fisher–Yates shuffle
		j := i + rng.IntN(256-i)
		pos[i], pos[j] = pos[j], pos[i]
		h[pos[i]/8] ^= 1 << (pos[i] % 8)
	}
}
