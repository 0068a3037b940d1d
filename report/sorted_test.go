package report_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

// TestSortedListWriter: rows arriving in any order come out sorted by
// path, identical whether they were sorted in memory or through many
// spilled runs and several merge passes, and no run file is left behind.
func TestSortedListWriter(t *testing.T) {
	const n = 5000
	results := make([]scan.Result, n)
	for i := range results {
		p := fmt.Sprintf("case/dir%02d/file%05d.bin", i%37, (i*7919)%n)
		if i%500 == 0 {
			p += "\xff" // not UTF-8: sorted by its bytes all the same
		}
		results[i] = scan.Result{Outcome: scan.Unmatched, Item: evidence.Item{Path: p, Size: int64(i)},
			Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: bytes.Repeat([]byte{byte(i)}, 16), Quality: -1}}}
	}
	// Results that carry no digest are not listed.
	results = append(results, scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "case/zz-failed"}})
	write := func(t *testing.T, f report.ListFormat, memory int, seed uint64) string {
		t.Helper()
		rs := append([]scan.Result(nil), results...)
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		dir := t.TempDir()
		var out bytes.Buffer
		w, err := report.NewSortedListWriter(&out, f, report.ListOptions{Algorithms: []hashset.Algorithm{hashset.MD5}}, dir, memory)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%d temporary files left in %s", len(left), dir)
		}
		return out.String()
	}
	for _, f := range []report.ListFormat{report.ListCSV, report.ListJSONL, report.ListHashdeep} {
		inMemory := write(t, f, 0, 1)
		spilled := write(t, f, 2<<10, 2) // about 100 runs: two merge passes
		if inMemory != spilled {
			t.Errorf("%s: in-memory and external sort differ", f)
		}
		lines := strings.Split(strings.TrimSuffix(inMemory, "\n"), "\n")
		var rows []string
		for _, l := range lines {
			if strings.Contains(l, "case/") {
				rows = append(rows, l)
			}
		}
		if len(rows) != n {
			t.Fatalf("%s: %d rows, want %d", f, len(rows), n)
		}
		for i := 1; i < len(rows); i++ {
			a, b := rowPath(rows[i-1]), rowPath(rows[i])
			if a > b {
				t.Fatalf("%s: row %d %q before %q", f, i, rows[i-1], rows[i])
			}
		}
	}
}

// rowPath extracts the displayed path of a list row in any of the formats.
func rowPath(l string) string {
	i := strings.Index(l, "case/")
	j := strings.IndexAny(l[i:], "\",")
	if j < 0 {
		return l[i:]
	}
	return l[i : i+j]
}
