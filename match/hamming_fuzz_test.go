package match

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"testing"
)

// fuzzHashes cuts data into 32-byte hashes (at most 256) and adds, for each,
// copies with a few bits flipped, so that fuzzed haystacks hold near
// neighbours at every small distance and not just unrelated noise.
func fuzzHashes(data []byte, flips uint64) []byte {
	n := min(len(data)/32, 64)
	out := append([]byte(nil), data[:32*n]...)
	for i := 0; i < n; i++ {
		h := append([]byte(nil), data[32*i:32*i+32]...)
		f := flips + uint64(i)*0x9e3779b97f4a7c15
		for j := 0; j < int(f%41); j++ {
			bit := (f >> (j % 50)) ^ uint64(j*37)
			h[bit%32] ^= 1 << (bit / 32 % 8)
		}
		out = append(out, h...)
	}
	return out
}

func FuzzIndex256(f *testing.F) {
	f.Add(make([]byte, 64), uint64(0), uint8(0), uint8(31), uint8(5))
	f.Add([]byte("0123456789abcdef0123456789abcdefFEDCBA9876543210fedcba9876543210xyz"), uint64(12345), uint8(3), uint8(47), uint8(7))
	seed := make([]byte, 32*20)
	for i := range seed {
		seed[i] = byte(i * 7919 >> 3)
	}
	f.Add(seed, uint64(99), uint8(17), uint8(16), uint8(8))
	f.Fuzz(func(t *testing.T, data []byte, flips uint64, query, maxDist, k uint8) {
		hashes := fuzzHashes(data, flips)
		n := len(hashes) / 32
		var q [32]byte
		if n > 0 {
			copy(q[:], hashes[32*(int(query)%n):])
		}
		q[query%32] ^= query
		// Variants: the query, its complement, and two more neighbours.
		qs := [][32]byte{q, q, q, q}
		for j := range q {
			qs[1][j] = ^q[j]
			qs[2][j] = q[j] ^ byte(flips>>(j%8))
			qs[3][j] = q[31-j]
		}
		// -10..70: negative distances, and up to where forced index plans stay
		// cheap enough to fuzz (the unit tests cover 255, 256 and beyond).
		d := int(maxDist%81) - 10
		// Linear, and chunk tables of 16, 13–14, 11–12 and 8–16 bits.
		for _, kk := range []int{0, 16, 19, 22, 16 + int(k%17)} {
			ix, err := newIndex256(hashes, kk, true)
			if err != nil {
				t.Fatal(err)
			}
			if ix.Len() != n {
				t.Fatalf("Len %d, want %d", ix.Len(), n)
			}
			// Every bucket scan this processor can run.
			for _, scan := range []bucketScan{scanPortable, scanAVX2, scanAVX512} {
				if scan == scanAVX2 && !hasAVX2Pass || scan == scanAVX512 && !hasAVX512Pass {
					continue
				}
				ix.scan = scan
				got := collect(t, func(fn func(i, dist int)) { ix.Search(q, d, fn) })
				sameResults(t, fmt.Sprintf("k=%d d=%d scan %d", kk, d, scan), got, brute256(hashes, q, d))
				got = collect(t, func(fn func(i, dist int)) { ix.SearchAny(qs, d, fn) })
				sameResults(t, fmt.Sprintf("k=%d d=%d scan %d any", kk, d, scan), got, bruteAny256(hashes, qs, d))
			}
		}
	})
}

func FuzzIndex64(f *testing.F) {
	f.Add(make([]byte, 64), uint64(0), uint8(10))
	f.Add([]byte("0123456789abcdef0123456789abcdefFEDCBA9876543210"), uint64(0xfeedface), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, q uint64, maxDist uint8) {
		data = data[:len(data)/8*8]
		words := make([]uint64, len(data)/8)
		for i := range words {
			words[i] = binary.BigEndian.Uint64(data[8*i:])
		}
		// Near neighbours of q at distances 0..len(words)-1 make matches likely.
		for i := range words {
			if i%2 == 0 {
				words[i] = q ^ (1<<(i%65) - 1)
				binary.BigEndian.PutUint64(data[8*i:], words[i])
			}
		}
		d := int(maxDist%80) - 5
		for _, k := range []int{0, 4, 6, 8} {
			ix, err := newIndex64(data, k, true)
			if err != nil {
				t.Fatal(err)
			}
			got := collect(t, func(fn func(i, dist int)) { ix.Search(q, d, fn) })
			sameResults(t, fmt.Sprintf("k=%d d=%d", k, d), got, brute64(words, q, d))
			if len(words) > 0 && d >= 0 && d < 64 && got[0] != bits.OnesCount64(words[0]^q) {
				t.Fatalf("k=%d: hash 0 at distance %d not found", k, bits.OnesCount64(words[0]^q))
			}
		}
	})
}
