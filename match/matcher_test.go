package match

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/hashset"
)

type listReader struct {
	entries []hashset.Entry
	i       int
}

func (r *listReader) Next() (hashset.Entry, error) {
	if r.i >= len(r.entries) {
		return hashset.Entry{}, io.EOF
	}
	r.i++
	return r.entries[r.i-1], nil
}
func (r *listReader) Info() hashset.ListInfo { return hashset.ListInfo{Format: "test"} }
func (r *listReader) Close() error           { return nil }

func md5Of(s string) []byte { d := md5.Sum([]byte(s)); return d[:] }

func entry(a hashset.Algorithm, d []byte, line int, id, cat string) hashset.Entry {
	return hashset.Entry{Algorithm: a, Digest: d, Line: line, ID: id, Category: cat, Size: -1, Quality: -1}
}

func importList(t testing.TB, db *hashset.DB, name string, kind hashset.Kind, es ...hashset.Entry) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	_, err := db.Import(context.Background(), &listReader{entries: es},
		hashset.Source{Name: name + ".txt", SHA256: fmt.Sprintf("%x", sum)}, hashset.ImportOptions{Name: name, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
}

// flip returns h with the first n bits inverted.
func flip(h []byte, n int) []byte {
	h = bytes.Clone(h)
	for i := 0; i < n; i++ {
		h[i/8] ^= 0x80 >> (i % 8)
	}
	return h
}

func TestLookup(t *testing.T) {
	db, err := hashset.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pdqA := sha256.Sum256([]byte("pdq a"))
	pdqB := sha256.Sum256([]byte("pdq b"))
	sha1x := sha256.Sum256([]byte("sha1 stand-in"))
	dh := md5Of("dhash")[:8]
	importList(t, db, "vics", hashset.Alert,
		entry(hashset.MD5, md5Of("x"), 1, "M1", "1"),
		entry(hashset.MD5, md5Of("x"), 2, "M2", "2"), // same digest, another entry
		entry(hashset.MD5, md5Of("y"), 3, "", ""),
		hashset.Entry{Algorithm: hashset.PDQ, Digest: pdqA[:], Line: 4, ID: "P-A", Quality: 100, Size: -1},
		hashset.Entry{Algorithm: hashset.PDQ, Digest: flip(pdqB[:], 40), Line: 5, ID: "P-B-far", Quality: 100, Size: -1},
		hashset.Entry{Algorithm: hashset.PDQ, Digest: flip(pdqB[:], 3), Line: 6, ID: "P-B-near", Quality: 100, Size: -1},
		entry(hashset.DHash, dh, 7, "D", ""),
	)
	importList(t, db, "nsrl", hashset.Known,
		entry(hashset.MD5, md5Of("x"), 10, "x.dll", ""),
		entry(hashset.SHA1, sha1x[:20], 11, "", ""),
	)
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Algorithms(); !slices.Equal(got, []hashset.Algorithm{hashset.MD5, hashset.SHA1, hashset.PDQ, hashset.DHash}) {
		t.Errorf("Algorithms() = %v", got)
	}
	if sets := m.Sets(); len(sets) != 2 || sets[0].Name != "nsrl" || sets[1].Name != "vics" {
		t.Errorf("Sets() = %+v", sets)
	}
	if o := m.Options(); o != DefaultOptions() {
		t.Errorf("Options() = %+v, want the defaults", o)
	}
	str := func(ms []Match) string {
		var parts []string
		for _, x := range ms {
			parts = append(parts, fmt.Sprintf("%s/%s/%s/%d/%s/%s", x.Set, x.Kind, x.Algorithm, x.Distance, x.ID, x.Category))
		}
		return strings.Join(parts, " ")
	}
	for _, c := range []struct {
		name    string
		alg     hashset.Algorithm
		digests [][]byte
		want    string
	}{
		{"md5 in two sets, two entries in one", hashset.MD5, [][]byte{md5Of("x")},
			"nsrl/known/md5/0/x.dll/ vics/alert/md5/0/M1/1 vics/alert/md5/0/M2/2"},
		{"md5 without id is named by its line", hashset.MD5, [][]byte{md5Of("y")}, "vics/alert/md5/0/3/"},
		{"md5 miss", hashset.MD5, [][]byte{md5Of("z")}, ""},
		{"exact uses the first digest only", hashset.MD5, [][]byte{md5Of("z"), md5Of("x")}, ""},
		{"sha1", hashset.SHA1, [][]byte{sha1x[:20]}, "nsrl/known/sha1/0/11/"},
		{"sha256: no set holds it", hashset.SHA256, [][]byte{pdqA[:]}, ""},
		{"wrong length", hashset.MD5, [][]byte{md5Of("x")[:15]}, ""},
		{"pdq exact", hashset.PDQ, [][]byte{pdqA[:]}, "vics/alert/pdq/0/P-A/"},
		{"pdq within threshold", hashset.PDQ, [][]byte{flip(pdqA[:], 31)}, "vics/alert/pdq/31/P-A/"},
		{"pdq beyond threshold", hashset.PDQ, [][]byte{flip(pdqA[:], 32)}, ""},
		{"pdq any variant, minimum distance, sorted by distance", hashset.PDQ,
			[][]byte{flip(pdqA[:], 20), pdqB[:], flip(pdqA[:], 2)},
			"vics/alert/pdq/2/P-A/ vics/alert/pdq/3/P-B-near/"},
		{"dhash", hashset.DHash, [][]byte{flip(dh, 10)}, "vics/alert/dhash/10/D/"},
		{"dhash beyond", hashset.DHash, [][]byte{flip(dh, 11)}, ""},
		{"photodna is never matched", hashset.PhotoDNA, [][]byte{make([]byte, 144)}, ""},
		{"no digest", hashset.MD5, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := str(m.Lookup(c.alg, c.digests...)); got != c.want {
				t.Errorf("Lookup = %q\nwant     %q", got, c.want)
			}
		})
	}

	off, err := Open(db, Options{PDQThreshold: -1, HashThreshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := off.Lookup(hashset.PDQ, pdqA[:]); len(got) != 0 {
		t.Errorf("negative PDQ threshold still matched: %v", got)
	}
	if got := off.Lookup(hashset.DHash, flip(dh, 3)); len(got) != 0 {
		t.Errorf("hash threshold 2 matched at distance 3: %v", got)
	}

	// A threshold of 0 is honoured (--pdq-threshold 0): identical hashes
	// only, not the default 31. The zero Options means exactly that.
	for _, opts := range []Options{{PDQThreshold: 0, HashThreshold: 0}, {}} {
		exact, err := Open(db, opts)
		if err != nil {
			t.Fatal(err)
		}
		if o := exact.Options(); o != opts {
			t.Errorf("Open(%+v).Options() = %+v: thresholds must be used as given", opts, o)
		}
		if got := str(exact.Lookup(hashset.PDQ, pdqA[:])); got != "vics/alert/pdq/0/P-A/" {
			t.Errorf("PDQ threshold 0, identical hash: %q", got)
		}
		if got := exact.Lookup(hashset.PDQ, flip(pdqA[:], 1)); len(got) != 0 {
			t.Errorf("PDQ threshold 0 matched at distance 1: %v", got)
		}
		if got := exact.Lookup(hashset.DHash, flip(dh, 1)); len(got) != 0 {
			t.Errorf("hash threshold 0 matched at distance 1: %v", got)
		}
		if got := str(exact.Lookup(hashset.DHash, dh)); got != "vics/alert/dhash/0/D/" {
			t.Errorf("hash threshold 0, identical hash: %q", got)
		}
	}
}

func TestLookupAgainstAMap(t *testing.T) {
	db, _ := hashset.Create(t.TempDir())
	defer db.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	want := map[string]int{}
	var es []hashset.Entry
	for i := 0; i < 20000; i++ {
		d := make([]byte, 16)
		for j := range d {
			d[j] = byte(rng.Uint32())
		}
		if i%10 == 0 {
			d[0], d[1] = 0, 0 // crowd one fence bucket
		}
		want[string(d)]++
		es = append(es, entry(hashset.MD5, d, i+1, fmt.Sprint("e", i), ""))
	}
	importList(t, db, "big", hashset.Alert, es...)
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for d, n := range want {
		if got := len(m.Lookup(hashset.MD5, []byte(d))); got != n {
			t.Fatalf("digest %x: %d matches, want %d", d, got, n)
		}
	}
	falsePos := 0
	for i := 0; i < 20000; i++ {
		q := md5Of(fmt.Sprint("miss", i))
		if len(m.Lookup(hashset.MD5, q)) != 0 {
			t.Fatalf("miss %x matched", q)
		}
		seg, _ := db.Segment("big")
		if seg.Table(hashset.MD5).MayContain(q) {
			falsePos++
		}
	}
	if falsePos > 600 { // 3 %; the filter is built for about 1.8 %
		t.Errorf("bloom filter let %d of 20000 misses through", falsePos)
	}
}

func TestPerceptualIndexAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	db, _ := hashset.Create(t.TempDir())
	defer db.Close()
	var es []hashset.Entry
	base := make([]byte, 32)
	for i := 0; i < 3000; i++ {
		d := make([]byte, 32)
		for j := range d {
			d[j] = byte(rng.Uint32())
		}
		if i%50 == 0 { // some near the query
			d = flip(base, rng.IntN(60))
		}
		es = append(es, hashset.Entry{Algorithm: hashset.PDQ, Digest: d, Line: i + 1, Size: -1, Quality: -1})
	}
	importList(t, db, "pdq", hashset.Alert, es...)
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	seg, _ := db.Segment("pdq")
	tb := seg.Table(hashset.PDQ)
	brute := &bruteIndex{flat: tb.Digests(), w: 32}
	qs := [][]byte{base, flip(base, 7)}
	want := map[int]int{}
	brute.searchAny(qs, 31, func(i, d int) {
		if old, ok := want[i]; !ok || d < old {
			want[i] = d
		}
	})
	got := m.Lookup(hashset.PDQ, qs...)
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d matches, brute force finds %d", len(got), len(want))
	}
	for k := 1; k < len(got); k++ {
		if got[k].Distance < got[k-1].Distance {
			t.Fatal("matches not sorted by distance")
		}
	}
}

func TestOpenMissingSegment(t *testing.T) {
	db, _ := hashset.Create(t.TempDir())
	importList(t, db, "gone", hashset.Alert, entry(hashset.MD5, md5Of("a"), 1, "", ""))
	info, _ := db.Set("gone")
	os.Remove(filepath.Join(db.Dir(), info.Segment))
	_, err := Open(db, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), info.Segment) || !strings.Contains(err.Error(), `"gone"`) {
		t.Errorf("Open with a missing segment: %v", err)
	}
}

// TestConcurrentLookups shares one Matcher between goroutines, as a scan
// does, including the first (index-building) perceptual lookups.
func TestConcurrentLookups(t *testing.T) {
	db, _ := hashset.Create(t.TempDir())
	defer db.Close()
	var es []hashset.Entry
	for i := 0; i < 500; i++ {
		p := sha256.Sum256([]byte(fmt.Sprint("p", i)))
		es = append(es, entry(hashset.MD5, md5Of(fmt.Sprint(i)), i+1, "", ""),
			hashset.Entry{Algorithm: hashset.PDQ, Digest: p[:], Line: i + 1, Size: -1, Quality: -1})
	}
	importList(t, db, "c", hashset.Alert, es...)
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 500; i++ {
				p := sha256.Sum256([]byte(fmt.Sprint("p", i)))
				if len(m.Lookup(hashset.MD5, md5Of(fmt.Sprint(i)))) != 1 || len(m.Lookup(hashset.PDQ, p[:])) == 0 {
					errs <- fmt.Errorf("entry %d not found", i)
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// NIST's VICS lists give every Media the MediaID 0, which names nothing: a
// match is then named by the Media's 1-based record number (DESIGN.md:
// matches[].id), so that two matches in one list are told apart.
func TestLookupVICSWithoutMediaID(t *testing.T) {
	db, _ := hashset.Create(t.TempDir())
	defer db.Close()
	list := filepath.Join("..", "hashset", "testdata", "lists", "vics", "NSRL-CAID-AVI.json")
	if _, err := db.ImportFile(context.Background(), list, hashset.ImportOptions{Name: "caid"}); err != nil {
		t.Fatal(err)
	}
	m, err := Open(db, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, c := range []struct {
		alg    hashset.Algorithm
		digest string
		id     string
	}{
		{hashset.MD5, "c0bed93b35a501849efb0f3a7e47d9f5", "1"},
		{hashset.SHA1, "cd272508f732513d087f8402184b2a7ab49dc24f", "2"},
		{hashset.MD5, "77a4b9669e8fd84a3f5d291aa62693f6", "30"},
	} {
		d, _ := hex.DecodeString(c.digest)
		got := m.Lookup(c.alg, d)
		if len(got) != 1 || got[0].ID != c.id || got[0].Category != "8" || got[0].Set != "caid" {
			t.Errorf("%s %s: %+v, want one match with id %s, category 8", c.alg, c.digest, got, c.id)
		}
	}
}
