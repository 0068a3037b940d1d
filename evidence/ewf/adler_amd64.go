package ewf

import "golang.org/x/sys/cpu"

// useAVX2 says whether adlerSum may use the AVX2 block routine.
var useAVX2 = cpu.X86.HasAVX2

// adlerBlockMax is the most bytes given to adlerBlocksAVX2 at once. Its
// 32-bit lanes of weighted sums gain at most 2·255·(64+63) + 2·255·(32+31)
// < 2^17 per 64-byte block, so 8192 blocks (512 KiB) stay below 2^31.
const adlerBlockMax = 8192 * 64

// adlerBlocksAVX2 takes p in blocks of 64 bytes (len(p) must be a nonzero
// multiple of 64, at most adlerBlockMax) and returns, unreduced,
//
//	sum      = Σ b_i
//	weighted = Σ (len(p)-i)·b_i
//
// so that, from RFC 1950's definition, s1' = s1 + sum and
// s2' = s2 + len(p)·s1 + weighted. Per block it forms the plain sum of the
// bytes with VPSADBW and the sum weighted by 64…1 with VPMADDUBSW and
// VPMADDWD; the blocks' place in p is accounted for by adding, before
// each block, the running plain sum to a second accumulator (it then holds
// Σ_k sum_k·(blocks after k)), which is multiplied by 64 at the end.
//
//go:noescape
func adlerBlocksAVX2(p []byte) (sum, weighted uint64)

// adlerSum returns the Adler-32 checksum of p (RFC 1950). Every chunk of
// the media passes through it; on CPUs with AVX2 all but the last few
// bytes go through adlerBlocksAVX2, several times faster than adlerGeneric.
func adlerSum(p []byte) uint32 {
	if !useAVX2 || len(p) < 64 {
		return adlerGeneric(p)
	}
	s1, s2 := uint64(1), uint64(0)
	for len(p) >= 64 {
		n := min(len(p)&^63, adlerBlockMax)
		sum, weighted := adlerBlocksAVX2(p[:n])
		// s1, s2 < 2^16, n ≤ 2^19, sum < 2^27, weighted ≤ 255·n²/2 < 2^45.
		s2 = (s2 + uint64(n)*s1 + weighted) % adlerMod
		s1 = (s1 + sum) % adlerMod
		p = p[n:]
	}
	a, b := adlerUpdate(uint32(s1), uint32(s2), p)
	return b<<16 | a
}
