package ewf

import "encoding/binary"

// adlerMod is the Adler-32 modulus, the largest prime below 65536.
const adlerMod = 65521

// adlerGeneric returns the Adler-32 checksum of p (RFC 1950) in portable
// Go; adlerSum uses it where no vector code is available.
func adlerGeneric(p []byte) uint32 {
	s1, s2 := adlerUpdate(1, 0, p)
	return s2<<16 | s1
}

// adlerUpdate continues an Adler-32 over p from the sums s1 and s2 (both
// below adlerMod) and returns the new sums, reduced. s1 is 1 plus the sum
// of the bytes, s2 the sum of the successive values of s1 (RFC 1950).
// The modulo is taken only every nmax bytes, and bytes are taken
// eight at a time. For eight bytes b0…b7 the definition gives
//
//	s2 += 8*s1 + 8*b0 + 7*b1 + … + 1*b7
//	s1 += b0 + b1 + … + b7
//
// and both sums are formed with one multiplication each over the bytes
// spread into 16-bit lanes of a uint64 (no lane can carry: 255*20 < 65536),
// which shortens the chain of dependent additions from two per byte to
// two per eight bytes.
func adlerUpdate(s1, s2 uint32, p []byte) (uint32, uint32) {
	const (
		mod  = adlerMod
		nmax = 5552 // the most bytes before s2 can overflow 32 bits; a multiple of 16
		lo   = 0x00ff00ff00ff00ff
	)
	for len(p) > 0 {
		var rest []byte
		if len(p) > nmax {
			p, rest = p[:nmax], p[nmax:]
		}
		for len(p) >= 16 {
			x := binary.LittleEndian.Uint64(p)
			y := binary.LittleEndian.Uint64(p[8:])
			xe, xo := x&lo, (x>>8)&lo // b0 b2 b4 b6, b1 b3 b5 b7 in 16-bit lanes
			ye, yo := y&lo, (y>>8)&lo
			// The top lane of a product by these constants collects the
			// lanes weighted: by 1 for the sums; by 8,6,4,2 (even bytes) and
			// 7,5,3,1 (odd bytes) for the weighted sum.
			sx := uint32(((xe + xo) * 0x0001000100010001) >> 48)
			sy := uint32(((ye + yo) * 0x0001000100010001) >> 48)
			wx := uint32((xe*0x0008000600040002 + xo*0x0007000500030001) >> 48)
			wy := uint32((ye*0x0008000600040002 + yo*0x0007000500030001) >> 48)
			s2 += 16*s1 + 8*sx + wx + wy
			s1 += sx + sy
			p = p[16:]
		}
		for _, c := range p {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
		p = rest
	}
	return s1, s2
}
