package hashset

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sliceReader is a Reader over entries given in the test; an entry with
// Line < 0 is returned as a *ParseError for line -Line.
type sliceReader struct {
	entries []Entry
	i       int
	info    ListInfo
}

func (r *sliceReader) Next() (Entry, error) {
	if r.i >= len(r.entries) {
		return Entry{}, io.EOF
	}
	e := r.entries[r.i]
	r.i++
	if e.Line < 0 {
		return Entry{}, &ParseError{File: "test.txt", Line: -e.Line, Err: errors.New("not a hash")}
	}
	return e, nil
}
func (r *sliceReader) Info() ListInfo { return r.info }
func (r *sliceReader) Close() error   { return nil }

func newReader(entries ...Entry) *sliceReader {
	return &sliceReader{entries: entries, info: ListInfo{Format: "test", FormatVersion: "1"}}
}

func md5Of(s string) []byte    { d := md5.Sum([]byte(s)); return d[:] }
func sha1Of(s string) []byte   { d := sha1.Sum([]byte(s)); return d[:] }
func sha256Of(s string) []byte { d := sha256.Sum256([]byte(s)); return d[:] }

func ent(a Algorithm, d []byte, line int, id, cat string) Entry {
	return Entry{Algorithm: a, Digest: d, Line: line, ID: id, Category: cat, Size: -1, Quality: -1}
}

func src(name string) Source {
	return Source{Name: name, SHA256: hex.EncodeToString(sha256Of(name))}
}

var fixedNow = func() time.Time { return time.Date(2026, 11, 28, 15, 0, 0, 0, time.FixedZone("X", 3600)) }

func importT(t *testing.T, db *DB, r Reader, s Source, opts ImportOptions) *ImportResult {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	res, err := db.Import(context.Background(), r, s, opts)
	if err != nil {
		t.Fatalf("import %s: %v", s.Name, err)
	}
	return res
}

func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.Name() != lockFileName {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestImportRoundTrip(t *testing.T) {
	db, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pdq := bytes.Repeat([]byte{0xa5}, 32)
	ah := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	entries := []Entry{
		ent(MD5, md5Of("a"), 1, "a.jpg", "1"),
		ent(SHA1, sha1Of("a"), 1, "a.jpg", "1"),
		ent(MD5, md5Of("b"), 2, "", ""),
		ent(SHA256, sha256Of("c"), 3, "c.png", "2"),
		{Algorithm: PDQ, Digest: pdq, Line: 4, ID: "p1", Quality: 90, Size: 1234},
		{Algorithm: AHash, Digest: ah, Line: 5, Size: -1, Quality: -1, Series: "S9"},
		{Algorithm: PhotoDNA, Digest: make([]byte, 144), Line: 6, Size: -1, Quality: -1},
	}
	res := importT(t, db, newReader(entries...), src("list.txt"), ImportOptions{ImportedBy: "test"})
	info := res.Set
	if info.Name != "list" || info.Kind != Alert || info.Format != "test" || info.ImportedBy != "test" {
		t.Errorf("catalog record %+v", info)
	}
	if !info.Imported.Equal(fixedNow()) || info.Imported.Location() != time.UTC {
		t.Errorf("import time %v, want %v in UTC", info.Imported, fixedNow())
	}
	wantEntries := map[string]int64{"md5": 2, "sha1": 1, "sha256": 1, "pdq": 1, "ahash": 1}
	if fmt.Sprint(info.Entries) != fmt.Sprint(wantEntries) {
		t.Errorf("entries %v, want %v", info.Entries, wantEntries)
	}
	if info.Dropped.Unmatchable["photodna"] != 1 {
		t.Errorf("photodna entry not counted as unmatchable: %+v", info.Dropped)
	}
	if got := info.Algorithms(); !slices.Equal(got, []Algorithm{MD5, SHA1, SHA256, PDQ, AHash}) {
		t.Errorf("Algorithms() = %v", got)
	}

	// A fresh Open sees the same catalog and the entries as the list gave them.
	db2, err := Open(db.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if sets := db2.Sets(); len(sets) != 1 || sets[0].SegmentSHA256 != info.SegmentSHA256 {
		t.Fatalf("reopened catalog: %+v", sets)
	}
	seg, err := db2.Segment("list")
	if err != nil {
		t.Fatal(err)
	}
	md5t := seg.Table(MD5)
	if md5t.Len() != 2 {
		t.Fatalf("md5 table has %d entries", md5t.Len())
	}
	for _, c := range []struct {
		alg  Algorithm
		d    []byte
		want Entry
	}{
		{MD5, md5Of("a"), Entry{ID: "a.jpg", Category: "1", Line: 1, Size: -1, Quality: -1}},
		{MD5, md5Of("b"), Entry{Line: 2, Size: -1, Quality: -1}},
		{SHA256, sha256Of("c"), Entry{ID: "c.png", Category: "2", Line: 3, Size: -1, Quality: -1}},
		{PDQ, pdq, Entry{ID: "p1", Line: 4, Size: 1234, Quality: 90}},
		{AHash, ah, Entry{Series: "S9", Line: 5, Size: -1, Quality: -1}},
	} {
		tb := seg.Table(c.alg)
		found := false
		for i := 0; i < tb.Len(); i++ {
			if bytes.Equal(tb.Digest(i), c.d) {
				e := tb.Entry(i)
				e.Digest, e.Algorithm = nil, 0
				if fmt.Sprint(e) != fmt.Sprint(c.want) {
					t.Errorf("%s entry = %+v, want %+v", c.alg, e, c.want)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%s digest %x not stored", c.alg, c.d)
		}
		if !tb.MayContain(c.d) {
			t.Errorf("%s filter lacks a stored digest", c.alg)
		}
	}
	if seg.Table(PDQ).MayContain(pdq) != true {
		t.Error("perceptual tables must not filter")
	}
	checks, left := db2.Verify(context.Background())
	if len(checks) != 1 || checks[0].Err != nil || len(left) != 0 {
		t.Errorf("verify: %+v leftovers %v", checks, left)
	}
}

func TestEmptyInputDigests(t *testing.T) {
	for _, c := range []struct {
		kind    Kind
		stored  int64
		dropped map[string]int64
	}{
		{Alert, 1, map[string]int64{"md5": 1, "sha1": 1, "sha256": 1}},
		{Known, 4, nil},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			db, _ := Create(t.TempDir())
			defer db.Close()
			res := importT(t, db, newReader(
				ent(MD5, md5Of(""), 1, "", ""),
				ent(SHA1, sha1Of(""), 2, "", ""),
				ent(SHA256, sha256Of(""), 3, "", ""),
				ent(MD5, md5Of("x"), 4, "", ""),
			), src("l"), ImportOptions{Kind: c.kind})
			if got := res.Set.TotalEntries(); got != c.stored {
				t.Errorf("stored %d entries, want %d", got, c.stored)
			}
			if fmt.Sprint(res.Set.Dropped.EmptyInput) != fmt.Sprint(c.dropped) {
				t.Errorf("dropped %v, want %v", res.Set.Dropped.EmptyInput, c.dropped)
			}
			warned := slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "empty input") })
			if warned != (c.dropped != nil) {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

func TestDuplicatesAndDeletions(t *testing.T) {
	db, _ := Create(t.TempDir())
	defer db.Close()
	del := ent(MD5, md5Of("gone"), 6, "", "")
	del.Delete = true
	res := importT(t, db, newReader(
		ent(MD5, md5Of("a"), 1, "", ""),
		ent(MD5, md5Of("a"), 2, "", ""),        // duplicate: says nothing new
		ent(MD5, md5Of("b"), 3, "one.jpg", ""), // same digest, different ids: both kept
		ent(MD5, md5Of("b"), 4, "two.jpg", ""),
		ent(MD5, md5Of("gone"), 5, "", ""),
		del,
		Entry{Algorithm: MD5, Digest: md5Of("never"), Line: 7, Delete: true},
	), src("l"), ImportOptions{})
	d := res.Set.Dropped
	if d.Duplicates != 1 || d.Deleted != 1 || d.DeletionsUnmatched != 1 {
		t.Errorf("dropped %+v", d)
	}
	if res.Set.Entries["md5"] != 3 || res.Set.Digests["md5"] != 2 {
		t.Errorf("entries %v digests %v", res.Set.Entries, res.Set.Digests)
	}
	seg, err := db.Segment("l")
	if err != nil {
		t.Fatal(err)
	}
	tb := seg.Table(MD5)
	var names []string
	for i := 0; i < tb.Len(); i++ {
		names = append(names, tb.EntryName(i))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"1", "one.jpg", "two.jpg"}) {
		t.Errorf("entry names %q: want line 1 kept, both ids of b", names)
	}
}

func TestIdempotentImportAndNames(t *testing.T) {
	dir := t.TempDir()
	db, _ := Create(dir)
	defer db.Close()
	importT(t, db, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("first.txt"), ImportOptions{})
	before, _ := os.ReadFile(filepath.Join(dir, catalogFileName))

	res := importT(t, db, newReader(ent(MD5, md5Of("zzz"), 1, "", "")), src("first.txt"), ImportOptions{Name: "other"})
	if !res.AlreadyImported || res.Set.Name != "first" {
		t.Errorf("re-import: %+v", res)
	}
	if _, err := db.Import(context.Background(), newReader(ent(MD5, md5Of("b"), 1, "", "")), src("second.txt"), ImportOptions{Name: "first"}); err == nil || !strings.Contains(err.Error(), `"first" already exists`) {
		t.Errorf("name clash: %v", err)
	}
	for _, bad := range []string{" x", "a\nb", strings.Repeat("n", 201)} {
		if _, err := db.Import(context.Background(), newReader(), src("third"), ImportOptions{Name: bad}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, err := db.Import(context.Background(), newReader(), src("fourth"), ImportOptions{Kind: "evil"}); err == nil {
		t.Error("kind evil accepted")
	}
	after, _ := os.ReadFile(filepath.Join(dir, catalogFileName))
	if !bytes.Equal(before, after) {
		t.Error("refused imports changed the catalog")
	}
	if files := dirFiles(t, dir); len(files) != 2 {
		t.Errorf("files %v, want catalog and one segment", files)
	}
}

func TestImportFileMD5Sum(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(t.TempDir(), "known-good.md5")
	content := hex.EncodeToString(md5Of("hello")) + "  hello.txt\n" + hex.EncodeToString(md5Of("")) + "  empty\n"
	if err := os.WriteFile(list, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	db, _ := Create(dir)
	defer db.Close()
	res, err := db.ImportFile(context.Background(), list, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	s := res.Set
	if s.Name != "known-good" || s.Source != "known-good.md5" || s.SourceSHA256 != hex.EncodeToString(sum[:]) ||
		s.SourceSize != int64(len(content)) || s.Format != "md5sum" || s.Entries["md5"] != 1 || s.Dropped.EmptyInput["md5"] != 1 {
		t.Errorf("catalog record %+v", s)
	}
	res, err = db.ImportFile(context.Background(), list, ImportOptions{Name: "again"})
	if err != nil || !res.AlreadyImported || res.Set.Name != "known-good" {
		t.Errorf("second ImportFile: %+v, %v", res, err)
	}
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	db, _ := Create(dir)
	defer db.Close()
	importT(t, db, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{})
	importT(t, db, newReader(ent(MD5, md5Of("b"), 1, "", "")), src("b"), ImportOptions{})
	if _, err := db.Remove("a", "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("remove with an unknown name: %v", err)
	}
	if len(db.Sets()) != 2 {
		t.Fatal("a failed remove removed something")
	}
	segA, _ := db.Set("a")
	if _, err := db.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if sets := db.Sets(); len(sets) != 1 || sets[0].Name != "b" {
		t.Errorf("sets after remove: %+v", sets)
	}
	if _, err := os.Stat(filepath.Join(dir, segA.Segment)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("segment of removed set still there: %v", err)
	}
	db2, _ := Open(dir)
	if sets := db2.Sets(); len(sets) != 1 {
		t.Errorf("reopened: %+v", sets)
	}
}

func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	db, _ := Create(dir)
	defer db.Close()
	release, err := acquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Import(context.Background(), newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("import while locked: %v (want ErrLocked naming pid)", err)
	}
	if _, err := db.Remove("a"); !errors.Is(err, ErrLocked) {
		t.Errorf("remove while locked: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	importT(t, db, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{})
}

func TestSkipInvalid(t *testing.T) {
	entries := []Entry{
		ent(MD5, md5Of("a"), 1, "", ""),
		{Line: -2},
		ent(MD5, md5Of("b"), 3, "", ""),
		{Line: -4},
		ent(MD5, md5Of("c")[:15], 5, "", ""), // a reader that yields a short digest
	}
	dir := t.TempDir()
	db, _ := Create(dir)
	defer db.Close()
	_, err := db.Import(context.Background(), newReader(entries...), src("l"), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "test.txt:2: not a hash") {
		t.Fatalf("malformed line without SkipInvalid: %v", err)
	}
	if files := dirFiles(t, dir); len(files) != 0 || len(db.Sets()) != 0 {
		t.Fatalf("failed import changed the database: %v", files)
	}
	res := importT(t, db, newReader(entries...), src("l"), ImportOptions{SkipInvalid: true})
	if d := res.Set.Dropped; d.Invalid != 3 || len(d.InvalidExamples) != 3 || d.InvalidExamples[1] != "test.txt:4: not a hash" ||
		d.InvalidExamples[2] != "l:5: md5 digest has 15 bytes, want 16" {
		t.Errorf("dropped %+v", d)
	}
	if res.Set.Entries["md5"] != 2 {
		t.Errorf("entries %v", res.Set.Entries)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "skipped 3 malformed") }) {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// failingFile fails every write after limit bytes, like a full disk.
type failingFile struct {
	*os.File
	limit int
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.File.Write(p[:f.limit])
		f.limit = 0
		return n, fmt.Errorf("write %s: no space left on device", f.Name())
	}
	f.limit -= len(p)
	return f.File.Write(p)
}

func TestFullDiskLeavesDatabaseUnchanged(t *testing.T) {
	for _, c := range []struct {
		name  string
		limit int
		which string // temp pattern to fail
	}{
		{"segment header", 10, "segment"},
		{"segment body", 5000, "segment"},
		{"catalog", 10, "catalog"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db, _ := Create(dir)
			defer db.Close()
			importT(t, db, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{})
			before := dirFiles(t, dir)
			catBefore, _ := os.ReadFile(filepath.Join(dir, catalogFileName))
			db.createTemp = func(dir, pattern string) (tempFile, error) {
				f, err := os.CreateTemp(dir, pattern)
				if err != nil || !strings.Contains(pattern, c.which) {
					return f, err
				}
				return &failingFile{File: f, limit: c.limit}, nil
			}
			var many []Entry
			for i := 0; i < 1000; i++ {
				many = append(many, ent(MD5, md5Of(fmt.Sprint(i)), i+1, "", ""))
			}
			_, err := db.Import(context.Background(), newReader(many...), src("b"), ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("import on a full disk: %v", err)
			}
			if after := dirFiles(t, dir); !slices.Equal(before, after) {
				t.Errorf("files %v, want %v", after, before)
			}
			catAfter, _ := os.ReadFile(filepath.Join(dir, catalogFileName))
			if !bytes.Equal(catBefore, catAfter) || len(db.Sets()) != 1 {
				t.Error("catalog changed")
			}
		})
	}
}

func TestLeftoversOfAKilledImport(t *testing.T) {
	dir := t.TempDir()
	db, _ := Create(dir)
	defer db.Close()
	stale := filepath.Join(dir, tempPrefix+"segment-12345")
	orphan := filepath.Join(dir, "set-0123456789abcdef"+segmentSuffix)
	os.WriteFile(stale, []byte("half a segment"), 0o644)
	os.WriteFile(orphan, []byte("renamed, never cataloged"), 0o644)
	if left := db.Leftovers(); !slices.Equal(left, []string{stale, orphan}) {
		t.Errorf("Leftovers() = %q", left)
	}
	res := importT(t, db, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{})
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "removed leftover") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if left := db.Leftovers(); len(left) != 0 {
		t.Errorf("leftovers after import: %q", left)
	}
}

// segmentFile imports a small list and returns the database and its segment's path.
func segmentFile(t *testing.T) (*DB, string) {
	t.Helper()
	db, _ := Create(t.TempDir())
	t.Cleanup(func() { db.Close() })
	var es []Entry
	for i := 0; i < 300; i++ {
		es = append(es, ent(MD5, md5Of(fmt.Sprint(i)), i+1, fmt.Sprintf("f%d", i), fmt.Sprint(i%3)))
		es = append(es, ent(SHA1, sha1Of(fmt.Sprint(i)), i+1, "", ""))
	}
	importT(t, db, newReader(es...), src("s"), ImportOptions{})
	info, _ := db.Set("s")
	return db, filepath.Join(db.Dir(), info.Segment)
}

func TestDamagedSegments(t *testing.T) {
	_, path := segmentFile(t)
	orig, _ := os.ReadFile(path)
	parsed, err := parseSegment(path, orig)
	if err != nil {
		t.Fatal(err)
	}
	var digestOff int
	for _, s := range parsed.sections {
		if s.typ == secDigests && s.alg == MD5 {
			digestOff = int(s.off)
		}
	}
	fixHeader := func(b []byte) {
		binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	}
	for _, c := range []struct {
		name     string
		damage   func(b []byte) []byte
		openErr  string // error from opening (Segment); "" if it opens
		checkErr string // error from Verify
	}{
		{"flipped digest byte", func(b []byte) []byte { b[digestOff+5] ^= 1; return b }, "", "checksum mismatch"},
		{"flipped trailer byte", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, "", "does not match"},
		{"flipped header byte", func(b []byte) []byte { b[20] ^= 1; return b }, "header checksum", "header checksum"},
		{"flipped directory byte", func(b []byte) []byte { b[segHeaderSize+17] ^= 1; return b }, "directory checksum", "directory checksum"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }, "truncated", "truncated"},
		{"extended", func(b []byte) []byte { return append(b, 0) }, "truncated or", "truncated or"},
		{"not a segment", func(b []byte) []byte {
			return []byte("hello, world, this is certainly not a segment file at all, no.........................................")
		}, "", ""},
		{"unknown version", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[8:], 99)
			fixHeader(b)
			return b
		}, "segment version 99 is not supported", "version 99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, path := segmentFile(t)
			b := c.damage(slices.Clone(orig))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := db.Segment("s")
			if c.openErr != "" && (err == nil || !strings.Contains(err.Error(), c.openErr)) {
				t.Errorf("open: %v, want error containing %q", err, c.openErr)
			}
			if c.openErr == "" && c.checkErr != "" && err != nil {
				t.Errorf("open of a segment with a damaged body failed: %v (the cheap checks should pass)", err)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("open error %q does not name the file", err)
			}
			checks, _ := db.Verify(context.Background())
			if len(checks) != 1 || checks[0].Err == nil {
				t.Fatalf("verify passed a damaged segment: %+v", checks)
			}
			if msg := checks[0].Err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, c.checkErr) {
				t.Errorf("verify: %q, want the file and %q", msg, c.checkErr)
			}
		})
	}
}

func TestMissingSegment(t *testing.T) {
	db, path := segmentFile(t)
	os.Remove(path)
	db2, err := Open(db.Dir())
	if err != nil {
		t.Fatalf("open with a missing segment: %v (the catalog must still be usable)", err)
	}
	if _, err := db2.Segment("s"); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Segment: %v", err)
	}
	checks, _ := db2.Verify(context.Background())
	if len(checks) != 1 || checks[0].Err == nil || !strings.Contains(checks[0].Err.Error(), "missing") {
		t.Errorf("verify: %+v", checks)
	}
	if _, err := db2.Remove("s"); err != nil {
		t.Errorf("removing a set whose segment is missing: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, catalogFileName), []byte(`{"catalog":"hashtriage","version":7}`), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "catalog version 7") {
		t.Errorf("Open of a future catalog: %v", err)
	}
	os.WriteFile(filepath.Join(dir, catalogFileName), []byte(`{"catalog":"hashtriage","version":1,"sets":[{"name":"x","segment":"../../etc/passwd"}]}`), 0o644)
	if _, err := Open(dir); err == nil {
		t.Error("catalog naming a segment outside the directory accepted")
	}
	os.WriteFile(filepath.Join(dir, catalogFileName), []byte(`{"catalog":`), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), catalogFileName) {
		t.Errorf("Open of a damaged catalog: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDB, "/some/where")
	if d, _ := DefaultDir(); d != "/some/where" {
		t.Errorf("DefaultDir with $%s = %q", EnvDB, d)
	}
	t.Setenv(EnvDB, "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, _ := DefaultDir(); d != "/xdg/hashtriage" && d != "" {
		t.Logf("DefaultDir = %q (platform-specific)", d)
	}
}

func TestSortFixedRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 31, 32, 33, 1000, 20000} {
		for _, rs := range []int{4, 20, 36} {
			b := make([]byte, n*rs)
			for i := range b {
				b[i] = byte(rng.IntN(4)) // many ties at every depth
			}
			want := make([]string, n)
			for i := range want {
				want[i] = string(b[i*rs : (i+1)*rs])
			}
			slices.Sort(want)
			sortFixedRecords(b, rs)
			for i := range want {
				if string(b[i*rs:(i+1)*rs]) != want[i] {
					t.Fatalf("n=%d rs=%d: record %d out of order", n, rs, i)
				}
			}
		}
	}
}

func TestFenceIndexFindsEveryEntry(t *testing.T) {
	db, _ := Create(t.TempDir())
	defer db.Close()
	var es []Entry
	for i := 0; i < 5000; i++ {
		es = append(es, ent(SHA256, sha256Of(fmt.Sprint(i)), i+1, "", ""))
	}
	importT(t, db, newReader(es...), src("f"), ImportOptions{})
	seg, _ := db.Segment("f")
	tb := seg.Table(SHA256)
	if tb.fenceBits == 0 {
		t.Fatal("no fence index for 5000 entries")
	}
	for i := 0; i < tb.Len(); i++ {
		if lo, hi := tb.Bucket(tb.Digest(i)); i < lo || i >= hi || hi-lo > 64 {
			t.Fatalf("entry %d outside its bucket [%d,%d)", i, lo, hi)
		}
	}
	if err := seg.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledImport(t *testing.T) {
	dir := t.TempDir()
	db, _ := Create(dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Import(ctx, newReader(ent(MD5, md5Of("a"), 1, "", "")), src("a"), ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	if files := dirFiles(t, dir); len(files) != 0 {
		t.Errorf("cancelled import left %v", files)
	}
}
