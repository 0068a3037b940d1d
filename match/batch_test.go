package match

import (
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/hashtriage/hashtriage/hashset"
)

func sha1Of(s string) []byte { d := sha1.Sum([]byte(s)); return d[:] }

// batchMatcher builds a database of `sets` sets: set k holds the MD5 of
// "d i" for every i with i%(k+2) == 0 (so digests are shared between sets
// in varied ways), "d 0" a second time, and some SHA-1 entries.
func batchMatcher(t *testing.T, sets, n int) *Matcher {
	t.Helper()
	db, err := hashset.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for k := 0; k < sets; k++ {
		var es []hashset.Entry
		for i := 0; i < n; i += k + 2 {
			es = append(es, entry(hashset.MD5, md5Of(fmt.Sprint("d ", i)), len(es)+1, fmt.Sprintf("s%d-%d", k, i), fmt.Sprint(k)))
		}
		es = append(es, entry(hashset.MD5, md5Of("d 0"), len(es)+1, "again", ""))
		es = append(es, entry(hashset.SHA1, sha1Of(fmt.Sprint("d ", k)), len(es)+1, "sha1", ""))
		importList(t, db, fmt.Sprintf("set%02d", k), hashset.Alert, es...)
	}
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkMany compares LookupMany with Lookup for every digest, and checks
// that fn is called once per digest, in order.
func checkMany(t *testing.T, m *Matcher, alg hashset.Algorithm, ds [][]byte) (hits int) {
	t.Helper()
	next := 0
	m.LookupMany(alg, ds, func(i int, ms []Match) {
		if i != next {
			t.Fatalf("fn called for digest %d, want %d", i, next)
		}
		next++
		want := m.Lookup(alg, ds[i])
		if !reflect.DeepEqual(ms, want) {
			t.Fatalf("digest %d (%x): LookupMany gave %+v, Lookup %+v", i, ds[i], ms, want)
		}
		if len(ms) > 0 {
			hits++
		}
	})
	if next != len(ds) {
		t.Fatalf("fn called %d times for %d digests", next, len(ds))
	}
	return hits
}

func TestLookupManyAgreesWithLookup(t *testing.T) {
	m3 := batchMatcher(t, 3, 3000)
	m6 := batchMatcher(t, 6, 600) // more sets than LookupMany's stack scratch
	seq := func(n int, prefix string) [][]byte {
		ds := make([][]byte, n)
		for i := range ds {
			ds[i] = md5Of(fmt.Sprint(prefix, i))
		}
		return ds
	}
	mixed := append(seq(70, "d "), seq(70, "miss ")...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
	pdq := make([]byte, 32)
	for _, c := range []struct {
		name     string
		m        *Matcher
		alg      hashset.Algorithm
		ds       [][]byte
		wantHits int // digests with at least one match
	}{
		{"no digests", m3, hashset.MD5, nil, 0},
		{"one hit in three sets, twice in one", m3, hashset.MD5, seq(1, "d "), 1},
		{"one miss", m3, hashset.MD5, seq(1, "miss "), 0},
		{"32 hits", m3, hashset.MD5, seq(32, "d "), 21}, // i < 32 even or a multiple of 3
		{"33 misses", m3, hashset.MD5, seq(33, "miss "), 0},
		{"mixed, several chunks", m3, hashset.MD5, mixed, 47},
		{"2000 misses", m3, hashset.MD5, seq(2000, "miss "), 0},
		{"six sets", m6, hashset.MD5, seq(100, "d "), 78},
		{"sha1", m3, hashset.SHA1, [][]byte{sha1Of("d 2"), sha1Of("d 9"), md5Of("d 2")}, 1},
		{"wrong lengths", m3, hashset.MD5, [][]byte{nil, {1}, sha1Of("d 0"), md5Of("d 0")}, 1},
		{"algorithm no set holds", m3, hashset.SHA256, seq(5, "d "), 0},
		{"perceptual, looked up alone", m3, hashset.PDQ, [][]byte{pdq}, 0},
		{"unknown algorithm", m3, hashset.Algorithm(200), seq(3, "d "), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := checkMany(t, c.m, c.alg, c.ds); got != c.wantHits {
				t.Errorf("%d digests matched, want %d", got, c.wantHits)
			}
		})
	}
}

// A property test: random batches of stored digests, near misses and random
// digests get, digest by digest, what Lookup gives.
func TestLookupManyProperty(t *testing.T) {
	m := batchMatcher(t, 3, 2000)
	prop := func(seed uint64, size uint16) bool {
		rng := rand.New(rand.NewPCG(seed, 3))
		ds := make([][]byte, int(size)%150)
		for i := range ds {
			d := md5Of(fmt.Sprint("d ", rng.IntN(2200)))
			switch rng.IntN(3) {
			case 1:
				d[rng.IntN(16)] ^= 1 << rng.IntN(8)
			case 2:
				for j := range d {
					d[j] = byte(rng.Uint32())
				}
			}
			ds[i] = d
		}
		ok := true
		m.LookupMany(hashset.MD5, ds, func(i int, ms []Match) {
			if !reflect.DeepEqual(ms, m.Lookup(hashset.MD5, ds[i])) {
				t.Logf("seed %d: digest %d (%x) differs", seed, i, ds[i])
				ok = false
			}
		})
		return ok
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 200}); err != nil {
		t.Error(err)
	}
}

func TestLookupManyMissesAllocateNothing(t *testing.T) {
	m := batchMatcher(t, 3, 1000)
	var ds [][]byte
	for i := 0; i < 64; i++ {
		if d := md5Of(fmt.Sprint("miss ", i)); len(m.Lookup(hashset.MD5, d)) == 0 {
			ds = append(ds, d)
		}
	}
	calls := 0
	fn := func(i int, ms []Match) { calls++ }
	allocs := testing.AllocsPerRun(20, func() { m.LookupMany(hashset.MD5, ds, fn) })
	// bloom.Locations allocates its result: one small allocation per digest
	// and set is the floor here; anything more is the matcher's.
	if max := float64(3 * len(ds)); allocs > max {
		t.Errorf("LookupMany of %d misses in 3 sets: %.0f allocations, want at most %.0f", len(ds), allocs, max)
	}
	if calls == 0 {
		t.Error("fn never called")
	}
}

// BenchmarkLookupManyMiss is BenchmarkLookupMiss through LookupMany, 16
// digests a call; it reports ns per digest. (The 1 Mi-entry filter fits in
// the cache, so the overlap of memory accesses that LookupMany is for shows
// only on a larger database: see bench/dbprobe.)
func BenchmarkLookupManyMiss(b *testing.B) {
	m := benchSetup(b)
	qs := make([][]byte, 4096)
	for i := range qs {
		qs[i] = make([]byte, 16)
		benchDigest(qs[i], 1, uint64(i))
	}
	const batch = 16
	fn := func(i int, ms []Match) {
		if len(ms) != 0 {
			b.Fatalf("miss matched")
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.LookupMany(hashset.MD5, qs[i:i+batch], fn)
		i = (i + batch) & 4095
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/digest")
}
