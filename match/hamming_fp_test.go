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
	// The measured layouts: at one million 16 chunks of 16 bits at radius 1
	// (17 buckets a chunk); at 10 million 14 chunks of 18–19 bits, each
	// probed at radius 1 or 2.
	for _, tc := range []struct{ n, chunks, maxRadius int }{{1_000_000, 16, 1}, {10_000_000, 14, 2}} {
		m := mih{n: tc.n, chunks: chunkLayout(256, chunkCount256(tc.n)), fingerprinted: true}
		plan := m.plan(costLinearAny)[31]
		if len(plan) != tc.chunks || slices.ContainsFunc(plan, func(r int8) bool { return r < 1 || int(r) > tc.maxRadius }) {
			t.Errorf("%d hashes, d=31: plan %v, want %d chunks at radius 1..%d", tc.n, plan, tc.chunks, tc.maxRadius)
		}
	}
}
