package scan_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/scan"
)

// md5List is the smallest Matcher: one alert set of MD5 digests. A real
// program passes a *match.Matcher built from a set database.
type md5List map[[16]byte]string

func (l md5List) Algorithms() []hashset.Algorithm { return []hashset.Algorithm{hashset.MD5} }

func (l md5List) Lookup(a hashset.Algorithm, digests ...[]byte) []match.Match {
	var ms []match.Match
	for _, d := range digests {
		if id, ok := l[[16]byte(d)]; ok && a == hashset.MD5 {
			ms = append(ms, match.Match{Set: "demo", Kind: hashset.Alert, Algorithm: a, ID: id})
		}
	}
	return ms
}

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "evidence")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("shopping list"), 0o644)
	os.WriteFile(filepath.Join(dir, "listed.bin"), []byte("known bad bytes"), 0o644)

	list := md5List{md5.Sum([]byte("known bad bytes")): "sample-1"}
	src, err := evidence.Open(dir, evidence.OpenOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var lines []string
	sum, err := scan.Run(context.Background(), scan.Config{
		Matcher: list,
		Sources: []evidence.Source{src},
		OnResult: func(r scan.Result) error {
			rel, _ := filepath.Rel(dir, r.Item.Path)
			line := fmt.Sprintf("%s: %v", rel, r.Outcome)
			for _, m := range r.Matches {
				line += fmt.Sprintf(" (set %s, %v, id %s)", m.Set, m.Algorithm, m.ID)
			}
			lines = append(lines, line)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sort.Strings(lines) // results arrive in completion order
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("items %d, matched %d, exit code %d\n", sum.Items, sum.Matched, sum.ExitCode())
	// Output:
	// listed.bin: matched (set demo, md5, id sample-1)
	// notes.txt: unmatched
	// items 2, matched 1, exit code 1
}
