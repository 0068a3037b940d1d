package hashset

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/quick"
)

// batchTable imports n SHA-1 digests of "in i" and returns the SHA-1 table
// and the PDQ table of the same segment.
func batchTable(t *testing.T, n int) (exact, perceptual *Table) {
	t.Helper()
	db, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var es []Entry
	for i := 0; i < n; i++ {
		es = append(es, ent(SHA1, sha1Of(fmt.Sprint("in ", i)), i+1, "", ""))
	}
	pdq := make([]byte, 32)
	pdq[0] = 0xA5
	es = append(es, Entry{Algorithm: PDQ, Digest: pdq, Line: n + 1, Size: -1, Quality: 100})
	importT(t, db, newReader(es...), src("batch"), ImportOptions{})
	seg, err := db.Segment("batch")
	if err != nil {
		t.Fatal(err)
	}
	if seg.Table(SHA1).filter == nil {
		t.Fatal("the SHA-1 table has no bloom filter")
	}
	return seg.Table(SHA1), seg.Table(PDQ)
}

// checkBatch compares MayContainMany, and its batched form whatever the
// filter's size, with the library's own Test for every digest, and with
// MayContain.
func checkBatch(t *testing.T, tb *Table, ds [][]byte) {
	t.Helper()
	checkBatchWith(t, tb, ds, tb.MayContainMany)
	if tb.filter != nil {
		checkBatchWith(t, tb, ds, tb.mayContainBatched)
	}
}

func checkBatchWith(t *testing.T, tb *Table, ds [][]byte, mayContainMany func([][]byte, []bool)) {
	t.Helper()
	out := make([]bool, len(ds)+3)
	for i := range out {
		out[i] = i%2 == 0 // stale values must be overwritten
	}
	tail := append([]bool(nil), out[len(ds):]...)
	mayContainMany(ds, out)
	for i, d := range ds {
		want := tb.MayContain(d)
		if tb.filter != nil && tb.filter.Test(d) != want {
			t.Fatalf("MayContain(%x) disagrees with bloom's Test", d)
		}
		if out[i] != want {
			t.Fatalf("digest %d of %d (%x): MayContainMany says %v, bloom's Test %v", i, len(ds), d, out[i], want)
		}
	}
	for i, v := range tail {
		if out[len(ds)+i] != v {
			t.Fatalf("MayContainMany wrote past the %d results it was asked for", len(ds))
		}
	}
}

func TestMayContainManyAgreesWithTest(t *testing.T) {
	tb, ptb := batchTable(t, 4000)
	in := func(i int) []byte { return sha1Of(fmt.Sprint("in ", i)) }
	out := func(i int) []byte { return sha1Of(fmt.Sprint("out ", i)) }
	seq := func(n int, f func(int) []byte) [][]byte {
		ds := make([][]byte, n)
		for i := range ds {
			ds[i] = f(i)
		}
		return ds
	}
	// Misses that the filter lets through: every one of the k probes of
	// these hit a set bit, so they exercise the later rounds.
	var falsePos [][]byte
	for i := 0; len(falsePos) < 40 && i < 100000; i++ {
		if d := out(i); tb.filter.Test(d) {
			falsePos = append(falsePos, d)
		}
	}
	if len(falsePos) < 40 {
		t.Fatalf("only %d false positives in 100000 misses: the filter is not what the test assumes", len(falsePos))
	}
	mixed := seq(200, func(i int) []byte {
		switch i % 4 {
		case 0:
			return in(i)
		case 1:
			return falsePos[i%len(falsePos)]
		}
		return out(i)
	})
	for _, c := range []struct {
		name string
		tb   *Table
		ds   [][]byte
	}{
		{"none", tb, nil},
		{"one hit", tb, seq(1, in)},
		{"one miss", tb, seq(1, out)},
		{"31 hits", tb, seq(31, in)},
		{"32 misses", tb, seq(32, out)},
		{"33 misses", tb, seq(33, out)},
		{"false positives", tb, falsePos},
		{"mixed across chunks", tb, mixed},
		{"1000 misses", tb, seq(1000, out)},
		{"odd lengths", tb, [][]byte{nil, {}, {1, 2, 3}, make([]byte, 64), in(7)}},
		{"perceptual table, no filter", ptb, seq(40, out)},
	} {
		t.Run(c.name, func(t *testing.T) { checkBatch(t, c.tb, c.ds) })
	}
	got := make([]bool, len(mixed))
	tb.mayContainBatched(mixed, got)
	for i := 0; i < len(mixed); i += 4 {
		if !got[i] {
			t.Fatalf("stored digest %x reported absent", mixed[i])
		}
	}
}

// A property test: any batch of stored digests, their near misses (one bit
// flipped) and random bytes, in any order, gets bloom's own answers.
func TestMayContainManyProperty(t *testing.T) {
	tb, _ := batchTable(t, 3000)
	prop := func(seed uint64, size uint8) bool {
		rng := rand.New(rand.NewPCG(seed, 1))
		ds := make([][]byte, int(size)%97)
		for i := range ds {
			switch rng.IntN(3) {
			case 0:
				ds[i] = tb.Digest(rng.IntN(tb.Len()))
			case 1:
				d := append([]byte(nil), tb.Digest(rng.IntN(tb.Len()))...)
				d[rng.IntN(len(d))] ^= 1 << rng.IntN(8)
				ds[i] = d
			default:
				ds[i] = make([]byte, 20)
				for j := range ds[i] {
					ds[i][j] = byte(rng.Uint32())
				}
			}
		}
		out, batched := make([]bool, len(ds)), make([]bool, len(ds))
		tb.MayContainMany(ds, out)
		tb.mayContainBatched(ds, batched)
		for i, d := range ds {
			if out[i] != tb.filter.Test(d) || batched[i] != out[i] {
				t.Logf("seed %d: digest %d (%x): %v", seed, i, d, out[i])
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 300}); err != nil {
		t.Error(err)
	}
}

func TestMayContainManyShortOutput(t *testing.T) {
	tb, _ := batchTable(t, 10)
	defer func() {
		if recover() == nil {
			t.Error("MayContainMany with too few results did not panic")
		}
	}()
	tb.MayContainMany([][]byte{sha1Of("a"), sha1Of("b")}, make([]bool, 1))
}
