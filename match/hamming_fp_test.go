package match

import (
	"math/rand/v2"
	"slices"
	"testing"

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
			off, ids, hi, lo := sortChunk256(hashes, c, &sc)
			if !slices.Equal(off, wantOff) || !slices.Equal(ids, wantIDs) {
				t.Fatalf("m=%d chunk %+v: buckets differ from countingSort", m, c)
			}
			start := c.fpStart()
			for j, id := range ids {
				h := words256(hashes[32*int(id):])
				if hi[j] != bitsAt(&h, start) || lo[j] != uint32(bitsAt(&h, start+64)) {
					t.Fatalf("m=%d chunk %+v: entry %d (hash %d) has a wrong fingerprint", m, c, j, id)
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

// TestPlanCoversDistanceFingerprinted checks the pigeonhole condition for
// the plans of fingerprinted (Index256) tables, and that at 10 M hashes
// and d = 31 every chunk is probed at radius 1: 17 buckets a chunk.
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
	m := mih{n: 10_000_000, chunks: chunkLayout(256, chunkCount256(10_000_000)), fingerprinted: true}
	plan := m.plan(costLinearAny)[31]
	if len(plan) != 16 || slices.ContainsFunc(plan, func(r int8) bool { return r != 1 }) {
		t.Errorf("10M hashes, d=31: plan %v, want radius 1 on 16 chunks", plan)
	}
}

// TestIndex256Screens checks that the fingerprints do their job: at d = 31
// over 100,000 random hashes, the hashes fetched for verification are a
// small fraction of the bucket entries scanned (the query's own near
// neighbours), and results match brute force.
func TestIndex256Screens(t *testing.T) {
	hashes, _, err := pdqgen.Generate(pdqgen.Config{Seed: 11, N: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := newIndex256(hashes, 16, true)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for range 20 {
		var q [32]byte
		copy(q[:], hashes[32*rng.IntN(ix.Len()):])
		q[rng.IntN(32)] ^= 0x81
		got := collect(t, func(fn func(i, dist int)) { ix.Search(q, 31, fn) })
		sameResults(t, "screened search", got, brute256(hashes, q, 31))
		qw := words256(q[:])
		var keys, cands []uint32
		var sink uint64
		for ci, c := range ix.chunks {
			key := c.key(qw[:])
			keys = probeKeys(keys[:0], key, c.width, 1)
			start := c.fpStart()
			cands = screen(cands, keys, key, 31, bitsAt(&qw, start), uint32(bitsAt(&qw, start+64)),
				ix.offsets[ci], ix.ids[ci], ix.fpHi[ci], ix.fpLo[ci], &sink)
		}
		// Scanned: 16 chunks × 17 buckets × 100,000/65,536 ≈ 415 entries.
		// Passing: the true matches (each up to 16 times) plus ~2·10^-4 of
		// the rest.
		if len(cands) > 16*len(got)+5 {
			t.Errorf("query passes %d fingerprints for %d matches", len(cands), len(got))
		}
	}
}
