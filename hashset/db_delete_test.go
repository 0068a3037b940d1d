package hashset

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tableNames returns the entry names of one table of set name, sorted.
func tableNames(t *testing.T, db *DB, name string, a Algorithm) []string {
	t.Helper()
	seg, err := db.Segment(name)
	if err != nil {
		t.Fatal(err)
	}
	tb := seg.Table(a)
	if tb == nil {
		return nil
	}
	var names []string
	for i := 0; i < tb.Len(); i++ {
		names = append(names, tb.EntryName(i))
	}
	slices.Sort(names)
	return names
}

func delID(id string, line int) Entry {
	return Entry{Algorithm: Unknown, ID: id, Line: line, Delete: true, Size: -1, Quality: -1}
}

func delDigest(a Algorithm, d []byte, line int) Entry {
	return Entry{Algorithm: a, Digest: d, Line: line, Delete: true, Size: -1, Quality: -1}
}

func hasWarning(ws []string, sub string) bool {
	return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, sub) })
}

// Deletion records remove the entries before them in the list, by ID
// (every algorithm) or by digest; entries added again later are kept, and
// deletions that remove nothing are counted and warned about.
func TestDeletionRecordsInListOrder(t *testing.T) {
	for _, c := range []struct {
		name        string
		entries     []Entry
		md5, sha1   []string // entry names kept
		deleted     int64
		unmatched   int64
		unmatchable map[string]int64
	}{
		{
			name: "an ID deletion removes every algorithm of that ID",
			entries: []Entry{
				ent(MD5, md5Of("a"), 1, "img-a", "A1"), ent(SHA1, sha1Of("a"), 1, "img-a", "A1"),
				ent(MD5, md5Of("b"), 2, "img-b", "A1"), ent(SHA1, sha1Of("b"), 2, "img-b", "A1"),
				delID("img-a", 3),
			},
			md5: []string{"img-b"}, sha1: []string{"img-b"}, deleted: 2,
		},
		{
			name: "a deletion before a re-add keeps the re-add",
			entries: []Entry{
				ent(MD5, md5Of("a"), 1, "img-a", "A1"),
				delID("img-a", 2),
				ent(MD5, md5Of("a2"), 3, "img-a", "B1"), // re-added (here with a new digest)
			},
			md5: []string{"img-a"}, deleted: 1,
		},
		{
			name: "a deletion before the only add removes nothing and is reported",
			entries: []Entry{
				delID("img-a", 1),
				ent(MD5, md5Of("a"), 2, "img-a", "A1"),
				delID("elsewhere", 3),
			},
			md5: []string{"img-a"}, unmatched: 2,
		},
		{
			name: "add, delete, add, delete removes both",
			entries: []Entry{
				ent(MD5, md5Of("a"), 1, "img-a", "A1"),
				delID("img-a", 2),
				ent(SHA1, sha1Of("a"), 3, "img-a", "A1"),
				delID("img-a", 4),
				ent(MD5, md5Of("c"), 5, "img-c", ""),
			},
			md5: []string{"img-c"}, deleted: 2,
		},
		{
			name: "a second deletion of an ID already deleted removes nothing",
			entries: []Entry{
				ent(MD5, md5Of("a"), 1, "img-a", ""), ent(MD5, md5Of("c"), 2, "img-c", ""),
				delID("img-a", 3), delID("img-a", 4),
			},
			md5: []string{"img-c"}, deleted: 1, unmatched: 1,
		},
		{
			name: "digest deletions follow list order too",
			entries: []Entry{
				ent(MD5, md5Of("a"), 1, "", ""),
				delDigest(MD5, md5Of("a"), 2),
				ent(MD5, md5Of("a"), 3, "again", ""), // re-added: kept
				delDigest(MD5, md5Of("b"), 4),        // before b: removes nothing
				ent(MD5, md5Of("b"), 5, "", ""),
				ent(MD5, md5Of("c"), 6, "", ""), ent(MD5, md5Of("c"), 7, "c2", ""),
				delDigest(MD5, md5Of("c"), 8), // both c rows
			},
			md5: []string{"5", "again"}, deleted: 3, unmatched: 1,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, _ := Create(t.TempDir())
			defer db.Close()
			res := importT(t, db, newReader(c.entries...), src("l"), ImportOptions{})
			d := res.Set.Dropped
			if d.Deleted != c.deleted || d.DeletionsUnmatched != c.unmatched {
				t.Errorf("deleted %d, deletions unmatched %d; want %d, %d", d.Deleted, d.DeletionsUnmatched, c.deleted, c.unmatched)
			}
			if len(d.Unmatchable) != 0 {
				t.Errorf("deletion records counted as unmatchable: %v", d.Unmatchable)
			}
			if got := tableNames(t, db, "l", MD5); !slices.Equal(got, c.md5) {
				t.Errorf("md5 entries %q, want %q", got, c.md5)
			}
			if got := tableNames(t, db, "l", SHA1); !slices.Equal(got, c.sha1) {
				t.Errorf("sha1 entries %q, want %q", got, c.sha1)
			}
			if got := hasWarning(res.Warnings, "named entries not in this list"); got != (c.unmatched > 0) {
				t.Errorf("warnings %q: unmatched-deletion warning %v, want %v", res.Warnings, got, c.unmatched > 0)
			}
			if got := hasWarning(res.Warnings, "deleted by the list's own deletion records"); got != (c.deleted > 0) {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

// The NCMEC sample's two deletion records (image4, video4) name records that
// are not in it: nothing is stored for them, nothing is deleted, and the
// import says so instead of counting them as unmatchable.
func TestImportNCMECSampleDeletions(t *testing.T) {
	db, _ := Create(t.TempDir())
	defer db.Close()
	res, err := db.ImportFile(context.Background(), filepath.Join("testdata", "lists", "ncmec", "hashsharing-v2-entries-example.xml"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Set
	if s.Format != "ncmec" || s.Entries["md5"] != 2 || s.Entries["sha1"] != 2 || s.TotalEntries() != 4 || s.PhotoDNA != 1 {
		t.Errorf("format %s, entries %v, photodna %d; want ncmec, md5 2 sha1 2, 1", s.Format, s.Entries, s.PhotoDNA)
	}
	d := s.Dropped
	if d.Deleted != 0 || d.DeletionsUnmatched != 2 || len(d.Unmatchable) != 0 {
		t.Errorf("dropped %+v: want 0 deleted, 2 deletions unmatched, nothing unmatchable", d)
	}
	if !hasWarning(res.Warnings, "2 deletion records named entries not in this list") {
		t.Errorf("warnings %q lack the unmatched deletions", res.Warnings)
	}
	if got := tableNames(t, db, s.Name, MD5); !slices.Equal(got, []string{"image1", "video1"}) {
		t.Errorf("md5 entries %q", got)
	}
}

// The same through the NCMEC reader: a deletedImage removes the image read
// before it, with all its digests; one re-added later is kept.
func TestImportNCMECDeletionOrder(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
  <images count="5">
    <image><id>gone</id><classification>A1</classification><fingerprints>
      <md5>11111111111111111111111111111111</md5><sha1>1111111111111111111111111111111111111111</sha1></fingerprints></image>
    <image><id>back</id><classification>A1</classification><fingerprints><md5>22222222222222222222222222222222</md5></fingerprints></image>
    <deletedImage><id>gone</id></deletedImage>
    <deletedImage><id>back</id></deletedImage>
    <image><id>back</id><classification>B1</classification><fingerprints><md5>33333333333333333333333333333333</md5></fingerprints></image>
  </images>
</queryResult>`
	path := writeFile(t, "feed.xml", []byte(doc))
	db, _ := Create(t.TempDir())
	defer db.Close()
	res, err := db.ImportFile(context.Background(), path, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Set
	if s.Entries["md5"] != 1 || s.Entries["sha1"] != 0 || s.Dropped.Deleted != 3 || s.Dropped.DeletionsUnmatched != 0 {
		t.Errorf("entries %v, dropped %+v: want md5 1 (back, re-added), 3 deleted", s.Entries, s.Dropped)
	}
	seg, err := db.Segment(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if e := seg.Table(MD5).Entry(0); e.ID != "back" || e.Category != "B1" || e.Line != 5 {
		t.Errorf("kept entry %+v, want the re-added back (B1, record 5)", e)
	}
}

// Random lists of additions and deletions (by digest and by ID, over a few
// digests and IDs so that they collide), imported and compared with the
// obvious model: read the list in order, each deletion removing the entries
// still present that it names.
func TestDeletionsAgainstAModel(t *testing.T) {
	db, _ := Create(t.TempDir())
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 11))
	algs := []Algorithm{MD5, SHA1}
	ids := []string{"", "a", "b", "c"}
	type row struct {
		alg     Algorithm
		digest  string
		id, cat string
		line    int
	}
	for n := 0; n < 120; n++ {
		var entries []Entry
		var live []row
		var deleted, unmatched int64
		remove := func(match func(r row) bool) {
			kept := live[:0]
			for _, r := range live {
				if !match(r) {
					kept = append(kept, r)
				}
			}
			if k := int64(len(live) - len(kept)); k > 0 {
				deleted += k
			} else {
				unmatched++
			}
			live = kept
		}
		for line := 1; line <= 1+rng.IntN(40); line++ {
			a := algs[rng.IntN(len(algs))]
			var d []byte
			if a == MD5 {
				d = md5Of(strconv.Itoa(rng.IntN(4)))
			} else {
				d = sha1Of(strconv.Itoa(rng.IntN(4)))
			}
			switch rng.IntN(6) {
			case 0:
				entries = append(entries, delDigest(a, d, line))
				remove(func(r row) bool { return r.alg == a && r.digest == string(d) })
			case 1:
				id := ids[1+rng.IntN(len(ids)-1)]
				entries = append(entries, delID(id, line))
				remove(func(r row) bool { return r.id == id })
			default:
				r := row{alg: a, digest: string(d), id: ids[rng.IntN(len(ids))], cat: []string{"", "1"}[rng.IntN(2)], line: line}
				entries = append(entries, ent(a, d, line, r.id, r.cat))
				live = append(live, r)
			}
		}
		// What survives, less duplicates (the earliest of identical rows kept).
		want := map[Algorithm][]string{}
		seen := map[string]bool{}
		var dups int64
		for _, r := range live {
			key := fmt.Sprintf("%s|%x|%s|%s", r.alg, r.digest, r.id, r.cat)
			if seen[key] {
				dups++
				continue
			}
			seen[key] = true
			name := r.id
			if name == "" {
				name = strconv.Itoa(r.line)
			}
			want[r.alg] = append(want[r.alg], name)
		}
		name := fmt.Sprintf("r%d", n)
		res := importT(t, db, newReader(entries...), src(name), ImportOptions{Name: name})
		d := res.Set.Dropped
		if d.Deleted != deleted || d.DeletionsUnmatched != unmatched || d.Duplicates != dups {
			t.Errorf("list %d: deleted %d, unmatched %d, duplicates %d; model says %d, %d, %d\n%+v",
				n, d.Deleted, d.DeletionsUnmatched, d.Duplicates, deleted, unmatched, dups, entries)
			continue
		}
		for _, a := range algs {
			w := want[a]
			slices.Sort(w)
			if got := tableNames(t, db, name, a); !slices.Equal(got, w) {
				t.Errorf("list %d: %s entries %q, model says %q\n%+v", n, a, got, w, entries)
			}
		}
	}
}
