package match

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/hashtriage/hashtriage/bench/pdqgen"
)

// TestBitsAt checks fingerprint extraction against a bit-by-bit definition,
// including windows that wrap from bit 255 to bit 0.
func TestBitsAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	h := [4]uint64{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
	bit := func(i uint) uint64 { return h[(i%256)/64] >> (i % 64) & 1 }
	for start := uint(0); start < 300; start++ {
		var want uint64
		for j := uint(0); j < 64; j++ {
			want |= bit(start+j) << j
		}
		if got := bitsAt(&h, start); got != want {
			t.Fatalf("bitsAt(%d) = %016x, want %016x", start, got, want)
		}
	}
}

// TestSortChunk256 checks the fingerprinted table build: the same buckets as
// countingSort, and beside each id the fingerprint of that id's hash, for
// the default layout and for chunks that straddle words.
func TestSortChunk256(t *testing.T) {
	hashes, _, err := pdqgen.Generate(pdqgen.Config{Seed: 7, N: 5000})
	if err != nil {
		t.Fatal(err)
	}
	n := len(hashes) / 32
	for _, m := range []int{16, 19, 11} {
		var sc fpSortScratch
		for _, c := range chunkLayout(256, m) {
			keys := make([]uint32, n)
			for i := range keys {
				h := words256(hashes[32*i:])
				keys[i] = c.key(h[:])
			}
			wantOff, wantIDs := countingSort(keys, make([]uint64, n), c.width)
			off, ids, recs := sortChunk256(hashes, c, &sc)
			if !slices.Equal(off, wantOff) || !slices.Equal(ids, wantIDs) {
				t.Fatalf("m=%d chunk %+v: buckets differ from countingSort", m, c)
			}
			start := c.fpStart()
			if len(recs) != 12*n || cap(recs) < 12*n+recPad {
				t.Fatalf("m=%d chunk %+v: fingerprint table of %d bytes (capacity %d), want %d (capacity ≥ %d)", m, c, len(recs), cap(recs), 12*n, 12*n+recPad)
			}
			for v := 0; v+1 < len(off); v++ {
				a, b := off[v], off[v+1]
				for j := a; j < b; j++ {
					h := words256(hashes[32*int(ids[j]):])
					hi, lo := fingerprintAt(recs, a, b, j)
					if hi != bitsAt(&h, start) || lo != uint32(bitsAt(&h, start+64)) {
						t.Fatalf("m=%d chunk %+v: entry %d (hash %d) has a wrong fingerprint", m, c, j, ids[j])
					}
				}
			}
			// The fingerprint must not overlap the chunk, or the lower bound
			// would count the chunk's bits twice.
			chunkStart := uint(c.word)*64 + c.shift
			for j := uint(0); j < fpBits; j++ {
				if (start+j)%256-chunkStart < c.width {
					t.Fatalf("m=%d chunk %+v: fingerprint from bit %d overlaps it", m, c, start)
				}
			}
		}
	}
}

// fingerprintAt returns the fingerprint of entry j of the bucket ids[a:b]
// in the layout Index256.recs describes.
func fingerprintAt(recs []byte, a, b, j uint32) (uint64, uint32) {
	base := 12 * int(a)
	return binary.LittleEndian.Uint64(recs[base+8*int(j-a):]),
		binary.LittleEndian.Uint32(recs[base+8*int(b-a)+4*int(j-a):])
}

// TestBucketPass checks the bucket scans (the portable scanRun and, where the
// processor has them, the AVX-512 and AVX2 ones) against a per-entry definition, for
// runs of 0..64 entries with distances around the limit, including runs
// that end exactly at the end of a padded table (where the vector scan
// reads into the padding) and limits of 0 and above any distance.
func TestBucketPass(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for trial := 0; trial < 3000; trial++ {
		n := trial % 65
		qHi, qLo := rng.Uint64(), rng.Uint32()
		// A table holding just this run, with the padding after it filled
		// with bytes that would pass if they were read as entries.
		table := make([]byte, 12*n+recPad)
		for i := 12 * n; i < len(table); i++ {
			table[i] = byte(qHi)
		}
		table = table[:12*n]
		his, los := table[:8*n], table[8*n:]
		for k := 0; k < n; k++ {
			// Flip a chosen number of bits so that distances cluster near the limit.
			hi, lo := qHi, qLo
			for f := rng.IntN(40); f > 0; f-- {
				if b := rng.IntN(96); b < 64 {
					hi ^= 1 << b
				} else {
					lo ^= 1 << (b - 64)
				}
			}
			binary.LittleEndian.PutUint64(his[8*k:], hi)
			binary.LittleEndian.PutUint32(los[4*k:], lo)
		}
		limit := []int{0, 5, 15, 20, 31, 96, 200}[trial%7]
		var want uint64
		for k := 0; k < n; k++ {
			d := bits.OnesCount64(binary.LittleEndian.Uint64(his[8*k:])^qHi) + bits.OnesCount32(binary.LittleEndian.Uint32(los[4*k:])^qLo)
			if d <= limit {
				want |= 1 << k
			}
		}
		ids := make([]uint32, n)
		var wantIDs []uint32
		for k := range ids {
			ids[k] = uint32(1000 + k)
			if want>>k&1 != 0 {
				wantIDs = append(wantIDs, ids[k])
			}
		}
		if got := scanRun(nil, his, los, ids, qHi, qLo, limit); !slices.Equal(got, wantIDs) {
			t.Fatalf("trial %d (n=%d, limit %d): scanRun = %v, want %v", trial, n, limit, got, wantIDs)
		}
		if hasAVX512Pass && n > 0 {
			if got := bucketPassAVX512(unsafe.Pointer(&his[0]), unsafe.Pointer(&los[0]), n, qHi, uint64(qLo), uint64(limit)); got != want {
				t.Fatalf("trial %d (n=%d, limit %d): bucketPassAVX512 = %064b, want %064b", trial, n, limit, got, want)
			}
		}
		if hasAVX2Pass && n > 0 {
			if got := bucketPassAVX2(unsafe.Pointer(&his[0]), unsafe.Pointer(&los[0]), n, qHi, uint64(qLo), uint64(limit)); got != want {
				t.Fatalf("trial %d (n=%d, limit %d): bucketPassAVX2 = %064b, want %064b", trial, n, limit, got, want)
			}
		}
	}
	if !hasAVX512Pass {
		t.Log("no AVX-512 VPOPCNTQ here: that scan was not checked")
	}
	if !hasAVX2Pass {
		t.Log("no AVX2 here: that scan was not checked")
	}
}

// TestIndex256ScanPaths checks that every bucket scan this processor can
// run (portable, AVX2, AVX-512) gives the brute-force search results, on a haystack whose chunk tables have empty
// buckets, buckets of more than 64 entries (duplicates), and buckets at the
// very end of the tables (hashes with all-ones chunks).
func TestIndex256ScanPaths(t *testing.T) {
	hashes, _, err := pdqgen.Generate(pdqgen.Config{Seed: 13, N: 20000, Distances: []int{0, 1, 5, 17, 31, 32}, PerDistance: 20})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 13))
	// 150 copies of one hash (a bucket of 150 in every chunk), and hashes
	// near all-ones and all-zeros (the last and first buckets).
	dup := slices.Clone(hashes[:32])
	for range 150 {
		hashes = append(hashes, dup...)
	}
	for i := range 40 {
		h := make([]byte, 32)
		fill := byte(0xff)
		if i%2 == 1 {
			fill = 0
		}
		for j := range h {
			h[j] = fill
		}
		for f := rng.IntN(8); f > 0; f-- {
			b := rng.IntN(256)
			h[b/8] ^= 1 << (b % 8)
		}
		hashes = append(hashes, h...)
	}
	scans := map[bucketScan]string{scanPortable: "portable"}
	if hasAVX2Pass {
		scans[scanAVX2] = "AVX2"
	}
	if hasAVX512Pass {
		scans[scanAVX512] = "AVX-512"
	}
	if got := bestBucketScan(); scans[got] == "" {
		t.Fatalf("default bucket scan %d is not one this processor can run", got)
	}
	for _, k := range []int{16, 13, 11} {
		ix, err := newIndex256(hashes, k, true)
		if err != nil {
			t.Fatal(err)
		}
		for trial := 0; trial < 60; trial++ {
			qs := make([][32]byte, 1+trial%8)
			for j := range qs {
				src := 32 * rng.IntN(len(hashes)/32)
				copy(qs[j][:], hashes[src:])
				for f := rng.IntN(20); f > 0; f-- {
					b := rng.IntN(256)
					qs[j][b/8] ^= 1 << (b % 8)
				}
			}
			d := []int{0, 8, 31, 40}[trial%4]
			want := bruteAny256(hashes, qs, d)
			for scan, name := range scans {
				ix.scan = scan
				got := collect(t, func(fn func(i, dist int)) { ix.SearchAny(qs, d, fn) })
				sameResults(t, fmt.Sprintf("k=%d trial %d d=%d %s", k, trial, d, name), got, want)
			}
		}
	}
}

// TestPlanCoversDistanceFingerprinted checks the pigeonhole condition for
// the plans of fingerprinted (Index256) tables, and the default layouts'
// plans at d = 31.
func TestPlanCoversDistanceFingerprinted(t *testing.T) {
	for _, n := range []int{512, 100_000, 10_000_000} {
		for _, k := range []int{chunkCount256(n), 11, 19} {
			m := mih{n: n, chunks: chunkLayout(256, k), fingerprinted: true}
			for _, lin := range []float64{costLinear256, costLinearAny, 1e9} {
				for d, radii := range m.plan(lin) {
					sum := 0
					for _, r := range radii {
						sum += int(r) + 1
					}
					if radii != nil && sum < d+1 {
						t.Errorf("n=%d k=%d d=%d: radii %v cover only %d", n, k, d, radii, sum-1)
					}
				}
			}
		}
	}
	// The measured layouts: the defaults at one million and at ten million,
	// 16 chunks of 16 bits, each at radius 1 (17 buckets a chunk); and the
	// previous default at ten million, 14 chunks of 18–19 bits, each probed
	// at radius 1 or 2.
	for _, tc := range []struct{ n, k, chunks, maxRadius int }{
		{1_000_000, chunkCount256(1_000_000), 16, 1},
		{10_000_000, chunkCount256(10_000_000), 16, 1},
		{10_000_000, 14, 14, 2},
	} {
		m := mih{n: tc.n, chunks: chunkLayout(256, tc.k), fingerprinted: true}
		plan := m.plan(costLinearAny)[31]
		if len(plan) != tc.chunks || slices.ContainsFunc(plan, func(r int8) bool { return r < 1 || int(r) > tc.maxRadius }) {
			t.Errorf("%d hashes, d=31: plan %v, want %d chunks at radius 1..%d", tc.n, plan, tc.chunks, tc.maxRadius)
		}
	}
}
