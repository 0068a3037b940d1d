package match

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/bench/pdqgen"
	"github.com/hashtriage/hashtriage/internal/cputime"
)

// Benchmarks of the PDQ index (figures in bench/README.md, "PDQ index"):
//
//	go test -run='^$' -bench=Index256 -benchtime=2000x ./match
//	HASHTRIAGE_BENCH_10M=1 go test -run='^$' -bench=Index256 -benchtime=2000x -timeout=30m ./match

type benchSet struct {
	hashes  []byte
	plants  []pdqgen.Plant
	ix      *Index256
	legacy  *legacyIndex256
	legMB   float64
	build   time.Duration // wall
	cpu     time.Duration // process CPU time during the build, all threads
	indexMB float64
}

var (
	benchMu   sync.Mutex
	benchSets = map[int]*benchSet{}
)

// benchSizes lists the haystack sizes to benchmark: 1M, plus 10M when
// HASHTRIAGE_BENCH_10M=1.
func benchSizes() []int {
	if os.Getenv("HASHTRIAGE_BENCH_10M") == "1" {
		return []int{1_000_000, 10_000_000}
	}
	return []int{1_000_000}
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// loadBenchSet generates (once per size) a seeded haystack with copies
// planted at distances 0..40 and builds its index, timing the build and
// measuring the index's heap.
func loadBenchSet(b *testing.B, n int) *benchSet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if s, ok := benchSets[n]; ok {
		return s
	}
	dists := make([]int, 41)
	for d := range dists {
		dists[d] = d
	}
	hashes, plants, err := pdqgen.Generate(pdqgen.Config{Seed: 2026, N: n, Distances: dists, PerDistance: 25})
	if err != nil {
		b.Fatal(err)
	}
	before := heapAlloc()
	start, cpu := time.Now(), cputime.Process()
	// HASHTRIAGE_BENCH_CHUNKS forces a chunk count, to compare layouts.
	k := chunkCount256(n)
	if v := os.Getenv("HASHTRIAGE_BENCH_CHUNKS"); v != "" {
		if k, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ix, err := newIndex256(hashes, k, false)
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSet{hashes: hashes, plants: plants, ix: ix, build: time.Since(start), cpu: cputime.Process() - cpu}
	s.indexMB = float64(heapAlloc()-before) / 1e6
	before = heapAlloc()
	s.legacy = newLegacyIndex256(hashes)
	s.legMB = float64(heapAlloc()-before) / 1e6
	benchSets[n] = s
	return s
}

// benchQueries returns count groups of 8 variants: variant 0 is a planted
// base (so real matches exist), the others random, as the dihedral variants
// of an image's hash are unrelated hashes as far as the index is concerned.
func benchQueries(s *benchSet, count int) [][][32]byte {
	rng := rand.New(rand.NewPCG(9, 9))
	out := make([][][32]byte, count)
	for i := range out {
		g := make([][32]byte, 8)
		for j := range g {
			pdqgen.Balanced(rng, g[j][:])
		}
		if i%2 == 0 {
			p := s.plants[rng.IntN(len(s.plants))]
			copy(g[0][:], s.hashes[32*p.Base:])
		}
		out[i] = g
	}
	return out
}

func BenchmarkIndex256Search(b *testing.B) {
	const maxDist = 31
	for _, n := range benchSizes() {
		s := loadBenchSet(b, n)
		queries := benchQueries(s, 512)
		linear, _ := newIndex256(s.hashes, 0, false)
		// Recall spot check against the linear scan before timing anything.
		for _, g := range queries[:16] {
			want := collect(b, func(fn func(i, dist int)) { linear.SearchAny(g, maxDist, fn) })
			got := collect(b, func(fn func(i, dist int)) { s.ix.SearchAny(g, maxDist, fn) })
			sameResults(b, fmt.Sprintf("n=%d recall", n), got, want)
			got = collect(b, func(fn func(i, dist int)) { s.legacy.SearchAny(g, maxDist, fn) })
			sameResults(b, fmt.Sprintf("n=%d legacy recall", n), got, want)
		}
		b.Logf("n=%d: build %.2f s wall, %.2f s CPU; index heap %.0f MB (legacy %.0f MB), hashes %.0f MB; %d chunks",
			n, s.build.Seconds(), s.cpu.Seconds(), s.indexMB, s.legMB, float64(len(s.hashes))/1e6, len(s.ix.chunks))
		run := func(name string, ix interface {
			SearchAny([][32]byte, int, func(int, int))
		}, variants int) {
			b.Run(fmt.Sprintf("n=%d/%s/variants=%d", n, name, variants), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				matches, i := 0, 0
				cpu := cputime.Thread()
				for b.Loop() {
					ix.SearchAny(queries[i%len(queries)][:variants], maxDist, func(int, int) { matches++ })
					i++
				}
				if cpu := cputime.Thread() - cpu; cpu > 0 {
					// Queries per second of CPU: the rate on a core of one's own.
					b.ReportMetric(float64(b.N)/cpu.Seconds(), "queries/cpu-s")
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
				b.ReportMetric(float64(matches)/float64(b.N), "matches/query")
			})
		}
		run("fp", s.ix, 1)
		run("legacy", s.legacy, 1)
		run("fp", s.ix, 8)
		// The slower bucket scans, as on processors without AVX-512 or AVX2.
		best := s.ix.scan
		for _, alt := range []struct {
			name string
			scan bucketScan
			ok   bool
		}{{"scan-avx2", scanAVX2, hasAVX2Pass && best != scanAVX2}, {"scan-portable", scanPortable, best != scanPortable}} {
			if alt.ok {
				s.ix.scan = alt.scan
				run(alt.name, s.ix, 8)
				s.ix.scan = best
			}
		}
		run("legacy", s.legacy, 8)
		run("brute", linear, 1)
		run("brute", linear, 8)
	}
}

// BenchmarkIndex64Search measures 64-bit (goimagehash) lookups at the
// default threshold 10 over 1M random hashes, against the linear scan.
func BenchmarkIndex64Search(b *testing.B) {
	const n, maxDist = 1_000_000, 10
	rng := rand.New(rand.NewPCG(4, 4))
	flat := make([]byte, 8*n)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint64(flat[8*i:], rng.Uint64())
	}
	queries := make([]uint64, 256)
	for i := range queries {
		queries[i] = binary.BigEndian.Uint64(flat[8*rng.IntN(n):]) ^ 1<<(i%64)
	}
	for _, name := range []string{"mih", "brute"} {
		k := chunkCount(n, 64)
		if name == "brute" {
			k = 0
		}
		ix, err := newIndex64(flat, k, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			matches, i := 0, 0
			cpu := cputime.Thread()
			for b.Loop() {
				ix.Search(queries[i%len(queries)], maxDist, func(int, int) { matches++ })
				i++
			}
			if cpu := cputime.Thread() - cpu; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "queries/cpu-s")
			}
			b.ReportMetric(float64(matches)/float64(b.N), "matches/query")
		})
	}
}
