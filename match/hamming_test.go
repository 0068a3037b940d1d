package match

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashtriage/hashtriage/bench/pdqgen"
)

// readHexLines reads one 64-hex hash per line into a flat slice.
func readHexLines(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		b, err := hex.DecodeString(strings.TrimSpace(sc.Text()))
		if err != nil || len(b) != 32 {
			t.Fatalf("%s:%d: not a PDQ hash", path, line)
		}
		out = append(out, b...)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type pair struct{ q, i, dist int }

// brute256 returns every (query, hash) pair within maxDist, the minimum over
// variants when qs holds several queries per group.
func brute256(hashes []byte, q [32]byte, maxDist int) map[int]int {
	out := map[int]int{}
	for i := 0; i < len(hashes)/32; i++ {
		var h [32]byte
		copy(h[:], hashes[32*i:])
		if d := Distance256(q, h); d <= maxDist {
			out[i] = d
		}
	}
	return out
}

func bruteAny256(hashes []byte, qs [][32]byte, maxDist int) map[int]int {
	out := map[int]int{}
	for _, q := range qs {
		for i, d := range brute256(hashes, q, maxDist) {
			if old, ok := out[i]; !ok || d < old {
				out[i] = d
			}
		}
	}
	return out
}

// collect runs a search and fails on any hash reported twice.
func collect(t testing.TB, search func(fn func(i, dist int))) map[int]int {
	t.Helper()
	out := map[int]int{}
	search(func(i, d int) {
		if _, dup := out[i]; dup {
			t.Fatalf("hash %d reported twice", i)
		}
		out[i] = d
	})
	return out
}

func sameResults(t testing.TB, what string, got, want map[int]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d results, want %d", what, len(got), len(want))
	}
	for i, d := range want {
		if g, ok := got[i]; !ok {
			t.Errorf("%s: missed hash %d at distance %d", what, i, d)
		} else if g != d {
			t.Errorf("%s: hash %d at distance %d, want %d", what, i, g, d)
		}
	}
	for i, d := range got {
		if _, ok := want[i]; !ok {
			t.Errorf("%s: extra hash %d at distance %d", what, i, d)
		}
	}
}

// layouts256 are the chunkings every recall test runs: the default for the
// size, linear only, and forced chunk tables of 21–22, 13–14 and 9–10 bits,
// most of them straddling words; with wide, also 23–24 bits (the 10 M
// layout, 450 MB of offsets whatever n is).
func layouts256(t testing.TB, hashes []byte, wide bool) map[string]*Index256 {
	t.Helper()
	out := map[string]*Index256{}
	def, err := NewIndex256(hashes)
	if err != nil {
		t.Fatal(err)
	}
	out["default"] = def
	for _, k := range []int{0, 11, 12, 19, 28} {
		if k == 11 && (!wide || testing.Short()) {
			continue
		}
		ix, err := newIndex256(hashes, k, k > 0)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 && (ix.plans[31] == nil || ix.plansMany[63] == nil) {
			t.Fatalf("k=%d: forced index has no plan for d=31 or d=63", k)
		}
		out[fmt.Sprintf("k=%d", k)] = ix
	}
	return out
}

func TestIndex256Vectors(t *testing.T) {
	dir := filepath.Join("testdata", "pdq-index")
	needles := readHexLines(t, filepath.Join(dir, "needles.txt"))
	haystack := readHexLines(t, filepath.Join(dir, "haystack.txt"))
	if len(needles) != 100*32 || len(haystack) != 1350*32 {
		t.Fatalf("read %d needles, %d haystack hashes", len(needles)/32, len(haystack)/32)
	}
	data, err := os.ReadFile(filepath.Join(dir, "expected-pairs-d63.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var expected []pair
	for n, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(line, ",")
		if len(f) != 3 {
			t.Fatalf("expected-pairs-d63.csv:%d: %q", n+2, line)
		}
		var p [3]int
		for j := range f {
			if p[j], err = strconv.Atoi(f[j]); err != nil {
				t.Fatalf("expected-pairs-d63.csv:%d: %v", n+2, err)
			}
		}
		expected = append(expected, pair{p[0] - 1, p[1] - 1, p[2]})
	}
	wantCounts := map[int]int{0: 50, 10: 150, 16: 152, 31: 250, 32: 250, 47: 287, 63: 352}
	for name, ix := range layouts256(t, haystack, true) {
		for _, maxDist := range []int{0, 10, 16, 31, 32, 47, 63} {
			if name == "k=11" && maxDist > 47 {
				continue // radius 5 on 24-bit chunks: ~10^6 probes a needle, only slow
			}
			var want, got []pair
			for _, p := range expected {
				if p.dist <= maxDist {
					want = append(want, p)
				}
			}
			if len(want) != wantCounts[maxDist] {
				t.Fatalf("expected file has %d pairs at d ≤ %d, README says %d", len(want), maxDist, wantCounts[maxDist])
			}
			for q := 0; q < 100; q++ {
				var h [32]byte
				copy(h[:], needles[32*q:])
				for i, d := range collect(t, func(fn func(i, dist int)) { ix.Search(h, maxDist, fn) }) {
					got = append(got, pair{q, i, d})
				}
			}
			cmp := func(a, b pair) int {
				if a.q != b.q {
					return a.q - b.q
				}
				return a.i - b.i
			}
			slices.SortFunc(got, cmp)
			slices.SortFunc(want, cmp)
			if !slices.Equal(got, want) {
				t.Errorf("%s, d ≤ %d: got %d pairs, want %d; first got %v, want %v",
					name, maxDist, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
			}
		}
	}
}

func TestIndex256Random(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	dists := make([]int, 41)
	for d := range dists {
		dists[d] = d
	}
	hashes, plants, err := pdqgen.Generate(pdqgen.Config{Seed: 42, N: n, Distances: dists, PerDistance: 2})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hashAt := func(i int) (h [32]byte) { copy(h[:], hashes[32*i:]); return }
	// Queries: the bases of planted copies (their copies lie at known
	// distances) and fresh random hashes.
	var queries [][32]byte
	for _, p := range plants {
		queries = append(queries, hashAt(p.Base))
	}
	for range 10 {
		var q [32]byte
		pdqgen.Balanced(rng, q[:])
		queries = append(queries, q)
	}
	ixs := layouts256(t, hashes, false)
	for _, maxDist := range []int{0, 7, 16, 31, 40} {
		want := make([]map[int]int, len(queries))
		for qi, q := range queries {
			want[qi] = brute256(hashes, q, maxDist)
		}
		for name, ix := range ixs {
			for qi, q := range queries {
				got := collect(t, func(fn func(i, dist int)) { ix.Search(q, maxDist, fn) })
				sameResults(t, fmt.Sprintf("%s d≤%d query %d", name, maxDist, qi), got, want[qi])
			}
		}
	}
	// Planted copies are found at their planted distance from their base.
	ix := ixs["default"]
	for _, p := range plants {
		if p.Distance > 31 {
			continue
		}
		got := collect(t, func(fn func(i, dist int)) { ix.Search(hashAt(p.Base), 31, fn) })
		if d, ok := got[p.Copy]; !ok || d != p.Distance {
			t.Errorf("plant %+v: found=%v distance %d", p, ok, d)
		}
	}
	// SearchAny with 8 variants: one planted base among 7 random hashes,
	// and groups of 8 planted bases; each hash once at its minimum distance.
	for g := 0; g+8 <= len(plants); g += 8 {
		var mixed, bases [][32]byte
		for j := range 8 {
			bases = append(bases, hashAt(plants[g+j].Base))
			var r [32]byte
			pdqgen.Balanced(rng, r[:])
			mixed = append(mixed, r)
		}
		mixed[g%8] = hashAt(plants[g].Base)
		for _, qs := range [][][32]byte{mixed, bases} {
			for _, maxDist := range []int{0, 31, 40} {
				want := bruteAny256(hashes, qs, maxDist)
				for name, ix := range ixs {
					got := collect(t, func(fn func(i, dist int)) { ix.SearchAny(qs, maxDist, fn) })
					sameResults(t, fmt.Sprintf("%s SearchAny group %d d≤%d", name, g, maxDist), got, want)
				}
			}
		}
	}
}

func TestIndex256Edges(t *testing.T) {
	if _, err := NewIndex256(make([]byte, 33)); !errors.Is(err, ErrHashLength) {
		t.Errorf("33 bytes: err = %v, want ErrHashLength", err)
	}
	if _, err := NewIndex64(make([]byte, 9)); !errors.Is(err, ErrHashLength) {
		t.Errorf("Index64, 9 bytes: err = %v, want ErrHashLength", err)
	}
	empty, err := NewIndex256(nil)
	if err != nil || empty.Len() != 0 {
		t.Fatalf("empty: %v, len %d", err, empty.Len())
	}
	empty.Search([32]byte{}, 256, func(i, d int) { t.Errorf("empty index matched %d", i) })
	empty.SearchAny(nil, 31, func(i, d int) { t.Errorf("empty index matched %d", i) })

	hashes, _, _ := pdqgen.Generate(pdqgen.Config{Seed: 3, N: 3000})
	for name, ix := range layouts256(t, hashes, false) {
		if ix.Len() != 3000 {
			t.Errorf("%s: Len = %d", name, ix.Len())
		}
		var q [32]byte
		copy(q[:], hashes[32*17:])
		ix.Search(q, -1, func(i, d int) { t.Errorf("%s: maxDist -1 matched %d", name, i) })
		ix.SearchAny([][32]byte{q, q}, -5, func(i, d int) { t.Errorf("%s: maxDist -5 matched %d", name, i) })
		ix.SearchAny(nil, 300, func(i, d int) { t.Errorf("%s: no queries matched %d", name, i) })
		for _, maxDist := range []int{255, 256, 1000} {
			got := collect(t, func(fn func(i, dist int)) { ix.Search(q, maxDist, fn) })
			sameResults(t, fmt.Sprintf("%s d≤%d", name, maxDist), got, brute256(hashes, q, maxDist))
		}
		// The all-ones complement of a hash is at distance 256 from it.
		var c [32]byte
		for j := range c {
			c[j] = ^q[j]
		}
		if got := collect(t, func(fn func(i, dist int)) { ix.Search(c, 256, fn) }); got[17] != 256 {
			t.Errorf("%s: complement at distance %d, want 256", name, got[17])
		}
		// Duplicate variants do not duplicate reports.
		got := collect(t, func(fn func(i, dist int)) { ix.SearchAny([][32]byte{q, q, q}, 31, fn) })
		sameResults(t, name+" duplicate variants", got, brute256(hashes, q, 31))
	}
}

// TestPlanCoversDistance checks the planner's pigeonhole condition for every
// distance and several index sizes: Σ(r_i+1) ≥ d+1 guarantees recall.
func TestPlanCoversDistance(t *testing.T) {
	for _, n := range []int{512, 5000, 100_000, 1 << 20, 10_000_000} {
		m := mih{n: n, chunks: chunkLayout(256, chunkCount(n, 256))}
		for _, lin := range []float64{costLinear256, costLinearAny, 1e9} {
			plans := m.plan(lin)
			if len(plans) != 257 {
				t.Fatalf("n=%d: %d plans", n, len(plans))
			}
			for d, radii := range plans {
				if radii == nil {
					continue
				}
				sum := 0
				for i, r := range radii {
					if int(r) > int(m.chunks[i].width) {
						t.Errorf("n=%d d=%d: radius %d over %d bits", n, d, r, m.chunks[i].width)
					}
					sum += int(r) + 1
				}
				if sum < d+1 {
					t.Errorf("n=%d d=%d: radii %v cover only %d", n, d, radii, sum-1)
				}
			}
			if lin == 1e9 && plans[31] == nil {
				t.Errorf("n=%d: no index plan at d=31 even with linear scans priced out", n)
			}
		}
	}
	// At 10 million hashes the index, not a scan, serves d=31.
	m := mih{n: 10_000_000, chunks: chunkLayout(256, chunkCount(10_000_000, 256))}
	if m.plan(costLinearAny)[31] == nil {
		t.Error("10M hashes, d=31: planner chose a linear scan")
	}
}

func TestProbeKeys(t *testing.T) {
	for _, tc := range []struct {
		width  uint
		radius int
		want   int
	}{{4, 0, 1}, {4, 1, 5}, {4, 2, 11}, {4, 4, 16}, {4, 9, 16}, {16, 1, 17}, {21, 2, 232}, {22, 3, 1794}} {
		keys := probeKeys(nil, 5, tc.width, tc.radius)
		if len(keys) != tc.want {
			t.Errorf("width %d radius %d: %d keys, want %d", tc.width, tc.radius, len(keys), tc.want)
		}
		seen := map[uint32]bool{}
		for _, k := range keys {
			if seen[k] || k >= 1<<tc.width || bits.OnesCount32(k^5) > tc.radius {
				t.Errorf("width %d radius %d: bad or repeated key %b", tc.width, tc.radius, k)
			}
			seen[k] = true
		}
	}
}

func brute64(hashes []uint64, q uint64, maxDist int) map[int]int {
	out := map[int]int{}
	for i, h := range hashes {
		if d := bits.OnesCount64(h ^ q); d <= maxDist {
			out[i] = d
		}
	}
	return out
}

func TestIndex64Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 50_000
	words := make([]uint64, n)
	for i := range words {
		words[i] = rng.Uint64()
	}
	// Plant near-duplicates of the first 64 hashes at distances 0..63.
	for d := 0; d < 64; d++ {
		h := words[d]
		for _, b := range rng.Perm(64)[:d] {
			h ^= 1 << b
		}
		words[n-1-d] = h
	}
	flat := make([]byte, 8*n)
	for i, w := range words {
		binary.BigEndian.PutUint64(flat[8*i:], w)
	}
	ixs := map[string]*Index64{}
	def, err := NewIndex64(flat)
	if err != nil {
		t.Fatal(err)
	}
	ixs["default"] = def
	for _, k := range []int{0, 3, 4, 6} {
		if ixs[fmt.Sprintf("k=%d", k)], err = newIndex64(flat, k, k > 0); err != nil {
			t.Fatal(err)
		}
	}
	for name, ix := range ixs {
		if ix.Len() != n {
			t.Errorf("%s: Len = %d", name, ix.Len())
		}
		for _, maxDist := range []int{-1, 0, 4, 10, 16, 22, 40, 64, 99} {
			for q := 0; q < 64; q += 5 {
				got := collect(t, func(fn func(i, dist int)) { ix.Search(words[q], maxDist, fn) })
				sameResults(t, fmt.Sprintf("%s d≤%d q%d", name, maxDist, q), got, brute64(words, words[q], maxDist))
			}
		}
	}
	empty, err := NewIndex64(nil)
	if err != nil {
		t.Fatal(err)
	}
	empty.Search(0, 64, func(i, d int) { t.Errorf("empty index matched %d", i) })
}

// TestCountingSort checks the two-level chunk-table sort against its
// definition: every id once, in its key's bucket, ascending within a bucket.
func TestCountingSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, width := range []uint{1, 5, 8, 13, 16, 21, 24} {
		for _, n := range []int{0, 1, 7, 5000} {
			keys := make([]uint32, n)
			for i := range keys {
				keys[i] = uint32(rng.IntN(1 << width))
				if i%3 == 0 && i > 0 {
					keys[i] = keys[i-1] // repeats
				}
			}
			off, ids := countingSort(keys, make([]uint64, n), width)
			if len(off) != 1<<width+1 || len(ids) != n || int(off[1<<width]) != n {
				t.Fatalf("width %d n %d: %d offsets, %d ids, last offset %d", width, n, len(off), len(ids), off[len(off)-1])
			}
			seen := make([]bool, n)
			for v := 0; v < 1<<width; v++ {
				bucket := ids[off[v]:off[v+1]]
				for j, id := range bucket {
					if seen[id] || keys[id] != uint32(v) || (j > 0 && bucket[j-1] >= id) {
						t.Fatalf("width %d n %d: key %d bucket %v is wrong", width, n, v, bucket)
					}
					seen[id] = true
				}
			}
		}
	}
}

// TestChunkLayout checks that chunks tile the hash: their keys, put back at
// their bit positions, rebuild every word, for layouts that straddle words.
func TestChunkLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct{ bits, m int }{{256, 11}, {256, 12}, {256, 13}, {256, 16}, {256, 28}, {64, 3}, {64, 5}} {
		cs := chunkLayout(tc.bits, tc.m)
		words := make([]uint64, tc.bits/64)
		for i := range words {
			words[i] = rng.Uint64()
		}
		rebuilt := make([]uint64, len(words))
		pos := 0
		for _, c := range cs {
			if c.word*64+int(c.shift) != pos || c.width > maxChunkWidth {
				t.Fatalf("%d bits in %d chunks: chunk %+v at bit %d", tc.bits, tc.m, c, pos)
			}
			k := uint64(c.key(words))
			rebuilt[c.word] |= k << c.shift
			if c.shift+c.width > 64 {
				rebuilt[c.word+1] |= k >> (64 - c.shift)
			}
			pos += int(c.width)
		}
		if pos != tc.bits || !slices.Equal(rebuilt, words) {
			t.Errorf("%d bits in %d chunks: covered %d bits, rebuilt %x, want %x", tc.bits, tc.m, pos, rebuilt, words)
		}
	}
}

// TestIndex256Concurrent runs searches from several goroutines at once, as
// scan workers do, each against brute force (run with -race to check the
// pooled scratch state).
func TestIndex256Concurrent(t *testing.T) {
	hashes, plants, err := pdqgen.Generate(pdqgen.Config{Seed: 11, N: 5000, Distances: []int{0, 3, 9, 20, 31}, PerDistance: 10})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := newIndex256(hashes, 16, true)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for j := w; j < len(plants); j += 4 {
				var q [32]byte
				copy(q[:], hashes[32*plants[j].Base:])
				want := brute256(hashes, q, 31)
				got := map[int]int{}
				ix.SearchAny([][32]byte{q, {}}, 31, func(i, d int) { got[i] = d })
				if len(got) != len(want) || got[plants[j].Copy] != plants[j].Distance {
					t.Errorf("worker %d plant %+v: %d results, want %d", w, plants[j], len(got), len(want))
				}
			}
		})
	}
	wg.Wait()
}
