package report_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

type fakeMatcher struct {
	algs    []hashset.Algorithm
	entries map[string][]match.Match
}

func (m *fakeMatcher) Algorithms() []hashset.Algorithm { return m.algs }
func (m *fakeMatcher) Lookup(a hashset.Algorithm, ds ...[]byte) []match.Match {
	var out []match.Match
	for _, d := range ds {
		out = append(out, m.entries[a.String()+hex.EncodeToString(d)]...)
	}
	return out
}

func (m *fakeMatcher) add(set string, kind hashset.Kind, a hashset.Algorithm, content, id, category string) {
	k := a.String() + hexSum(a, []byte(content))
	m.entries[k] = append(m.entries[k], match.Match{Set: set, Kind: kind, Algorithm: a, ID: id, Category: category})
}

func hexSum(a hashset.Algorithm, b []byte) string {
	switch a {
	case hashset.MD5:
		s := md5.Sum(b)
		return hex.EncodeToString(s[:])
	case hashset.SHA1:
		s := sha1.Sum(b)
		return hex.EncodeToString(s[:])
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// failingSource makes the reads of one item fail, as a bad sector would:
// as root, permission bits cannot make a file unreadable.
type failingSource struct {
	evidence.Source
	suffix string
}

type badFile struct{ evidence.File }

func (badFile) Read([]byte) (int, error) { return 0, errors.New("input/output error (injected)") }

func (s failingSource) Walk(ctx context.Context, fn evidence.WalkFunc) error {
	return s.Source.Walk(ctx, func(it evidence.Item) error {
		if strings.HasSuffix(it.Path, s.suffix) && it.Open != nil {
			open := it.Open
			it.Open = func() (evidence.File, error) {
				f, err := open()
				if err != nil {
					return nil, err
				}
				return badFile{f}, nil
			}
		}
		return fn(it)
	})
}

// plantedTree builds the evidence tree of the end-to-end test.
func plantedTree(t *testing.T) (root string, contents map[string]string) {
	root = t.TempDir()
	contents = map[string]string{
		"alert.jpg":       "alert bytes",
		"bad\xffname":     "listed under a name that is not UTF-8",
		"both.bin":        "in an alert and a known list",
		"docs/known.dll":  "a known system file",
		"docs/readme.txt": "nobody lists this",
		"empty":           "",
		"unreadable.bin":  "cannot be read",
	}
	for name, c := range contents {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("alert.jpg", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := mkfifo(filepath.Join(root, "pipe")); err != nil {
			t.Fatal(err)
		}
	}
	return root, contents
}

func plantedMatcher() *fakeMatcher {
	m := &fakeMatcher{algs: []hashset.Algorithm{hashset.MD5, hashset.SHA1, hashset.SHA256}, entries: map[string][]match.Match{}}
	m.add("cases", hashset.Alert, hashset.MD5, "alert bytes", "a1.jpg", "1")
	m.add("cases", hashset.Alert, hashset.SHA256, "in an alert and a known list", "b2.bin", "2")
	m.add("cases", hashset.Alert, hashset.SHA1, "listed under a name that is not UTF-8", "c3", "")
	m.add("cases", hashset.Alert, hashset.MD5, "", "empty-digest", "") // must never fire
	m.add("nsrl", hashset.Known, hashset.MD5, "in an alert and a known list", "17", "")
	m.add("nsrl", hashset.Known, hashset.SHA1, "a known system file", "42", "")
	return m
}

func plantedHeader(root string) report.Header {
	return report.Header{Tool: "hashtriage", Version: "test", Command: []string{"hashtriage", "scan", root},
		Started: time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC), Database: "/db",
		Sets: []report.Set{
			{Name: "cases", Kind: "alert", Format: "md5sum", SourceSHA256: strings.Repeat("a", 64), Entries: 4},
			{Name: "nsrl", Kind: "known", Format: "nsrl", SourceSHA256: strings.Repeat("b", 64), Entries: 2}},
		Evidence: []string{root}, Algorithms: []string{"md5", "sha1", "sha256"}, RunID: "run-1"}
}

func scanPlanted(t *testing.T, root string, onResult func(scan.Result) error) scan.Summary {
	t.Helper()
	src, err := evidence.Open(root, evidence.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.Run(context.Background(), scan.Config{Matcher: plantedMatcher(),
		Sources: []evidence.Source{failingSource{src, "unreadable.bin"}}, Jobs: 2, OnResult: onResult})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlantedTreeJSONL scans a tree holding alert, known, unmatched and
// zero-byte files, a symbolic link, a FIFO and an unreadable file, and
// checks every record of the JSON Lines report and the exit code.
func TestPlantedTreeJSONL(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs FIFOs and symbolic links")
	}
	root, contents := plantedTree(t)
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.JSONL, plantedHeader(root))
	if err != nil {
		t.Fatal(err)
	}
	s := scanPlanted(t, root, func(r scan.Result) error { w.Add(r); return nil })
	if err := w.Close(s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")

	// The header's leading fields, in DESIGN.md's order.
	wantHead := `{"type":"scan","tool":"hashtriage","version":"test","command":["hashtriage","scan",` + jsonStr(root) +
		`],"started":"2026-11-28T15:00:00Z","database":"/db","sets":[{"name":"cases","kind":"alert","format":"md5sum","source_sha256":"` +
		strings.Repeat("a", 64) + `","entries":4},{"name":"nsrl","kind":"known","format":"nsrl","source_sha256":"` + strings.Repeat("b", 64) +
		`","entries":2}],"evidence":[` + jsonStr(root) + `],"run_id":"run-1"`
	if !strings.HasPrefix(lines[0], wantHead) {
		t.Errorf("header\n got %s\nwant %s...", lines[0], wantHead)
	}

	meta := func(name string) map[string]any {
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		ino, changed := statInodeChange(fi)
		return map[string]any{"inode": float64(ino), "modified": fi.ModTime().UTC().Format(time.RFC3339),
			"changed": changed.UTC().Format(time.RFC3339)}
	}
	matchRec := func(name, display, pathHex string, ms ...map[string]any) map[string]any {
		c := []byte(contents[name])
		rec := map[string]any{"type": "match", "path": filepath.Join(root, display), "size": float64(len(c)),
			"md5": hexSum(hashset.MD5, c), "sha1": hexSum(hashset.SHA1, c), "sha256": hexSum(hashset.SHA256, c)}
		if pathHex != "" {
			rec["path_hex"] = hex.EncodeToString([]byte(filepath.Join(root, name)))
		}
		var list []any
		for _, m := range ms {
			list = append(list, m)
		}
		rec["matches"] = list
		for k, v := range meta(name) {
			rec[k] = v
		}
		return rec
	}
	entry := func(set, kind, alg, id, cat string) map[string]any {
		return map[string]any{"set": set, "kind": kind, "algorithm": alg, "distance": float64(0), "id": id, "category": cat}
	}
	want := []map[string]any{
		matchRec("alert.jpg", "alert.jpg", "", entry("cases", "alert", "md5", "a1.jpg", "1")),
		matchRec("bad\xffname", `bad\xFFname`, "yes", entry("cases", "alert", "sha1", "c3", "")),
		matchRec("both.bin", "both.bin", "", entry("cases", "alert", "sha256", "b2.bin", "2"), entry("nsrl", "known", "md5", "17", "")),
		{"type": "error", "path": filepath.Join(root, "unreadable.bin"),
			"error": "read " + filepath.Join(root, "unreadable.bin") + " at offset 0: input/output error (injected)"},
	}
	for k, v := range meta("unreadable.bin") { // error records carry the item's metadata too
		want[len(want)-1][k] = v
	}
	if len(lines) != 1+len(want)+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want)+2, out.String())
	}
	for i, w := range want {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[1+i]), &got); err != nil {
			t.Fatal(err)
		}
		// The access time was taken before the item was read; reading it
		// may have moved the file's atime since (without O_NOATIME).
		if a, _ := got["accessed"].(string); a == "" {
			t.Errorf("record %d lacks the access time: %s", i+1, lines[1+i])
		} else if _, err := time.Parse(time.RFC3339, a); err != nil {
			t.Errorf("record %d: accessed %q: %v", i+1, a, err)
		}
		delete(got, "accessed")
		if !reflect.DeepEqual(got, w) {
			t.Errorf("record %d\n got %v\nwant %v", i+1, got, w)
		}
	}
	var sum map[string]any
	json.Unmarshal([]byte(lines[len(lines)-1]), &sum)
	for k, v := range map[string]any{"type": "summary", "items": 9.0, "matched": 3.0, "known": 1.0, "unmatched": 2.0, "errors": 1.0, "skipped": 2.0,
		"bytes":       float64(len(contents["alert.jpg"]) + len(contents["bad\xffname"]) + len(contents["both.bin"]) + len(contents["docs/known.dll"]) + len(contents["docs/readme.txt"])),
		"interrupted": false, "exit_code": 1.0, "noatime": 6.0, // 7 regular files; the wrapper around unreadable.bin hides its NoAtime
		"atime_unprotected": 0.0,
		"skipped_by_type":   map[string]any{"symlink": 1.0, "fifo": 1.0}} {
		if k == "noatime" && os.Geteuid() != 0 {
			continue
		}
		if !reflect.DeepEqual(sum[k], v) {
			t.Errorf("summary %s = %v, want %v", k, sum[k], v)
		}
	}
	for _, k := range []string{"finished", "elapsed_seconds", "started"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	if s.ExitCode() != 1 {
		t.Errorf("exit code %d", s.ExitCode())
	}
	// The report holds no file content.
	for _, c := range contents {
		if c != "" && strings.Contains(out.String(), c) {
			t.Errorf("report contains file content %q", c)
		}
	}
}

func jsonStr(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestPlantedTreeCSVAndText(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs FIFOs and symbolic links")
	}
	root, contents := plantedTree(t)
	var csvOut, textOut bytes.Buffer
	cw, _ := report.NewWriter(&csvOut, report.CSV, plantedHeader(root))
	tw, _ := report.NewWriter(&textOut, report.Text, plantedHeader(root))
	s := scanPlanted(t, root, func(r scan.Result) error { cw.Add(r); tw.Add(r); return nil })
	if err := cw.Close(s); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(s); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	c := func(n string) []string {
		b := []byte(contents[n])
		return []string{fmt.Sprint(len(b)), hexSum(hashset.MD5, b), hexSum(hashset.SHA1, b), hexSum(hashset.SHA256, b)}
	}
	// The metadata columns, after every earlier column: a host file has
	// no file system name, stream, deleted flag or (here) birth time.
	meta := func(name string) []string {
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		ino, changed := statInodeChange(fi)
		return []string{"", fmt.Sprint(ino), "", "", fi.ModTime().UTC().Format(time.RFC3339), "accessed",
			changed.UTC().Format(time.RFC3339), ""}
	}
	row := func(typ, name string, digests []string, rest ...string) []string {
		r := append(append([]string{typ, filepath.Join(root, name)}, digests...), rest...)
		if name == `bad\xFFname` {
			name = "bad\xffname"
		}
		return append(r, meta(name)...)
	}
	want := [][]string{
		{"type", "path", "size", "md5", "sha1", "sha256", "set", "kind", "algorithms", "distance", "ids", "categories", "series", "error",
			"file_system", "inode", "stream", "deleted", "modified", "accessed", "changed", "created"},
		row("match", "alert.jpg", c("alert.jpg"), "cases", "alert", "md5", "0", "a1.jpg", "1", "", ""),
		row("match", `bad\xFFname`, c("bad\xffname"), "cases", "alert", "sha1", "0", "c3", "", "", ""),
		row("match", "both.bin", c("both.bin"), "cases", "alert", "sha256", "0", "b2.bin", "2", "", ""),
		row("match", "both.bin", c("both.bin"), "nsrl", "known", "md5", "0", "17", "", "", ""),
		row("error", "unreadable.bin", []string{"", "", "", ""}, "", "", "", "", "", "", "",
			"read "+filepath.Join(root, "unreadable.bin")+" at offset 0: input/output error (injected)"),
	}
	// The access time was taken before the item was read, which may have
	// moved it since: it must be there, as a UTC RFC 3339 time.
	const accessedCol = 19
	for _, r := range rows[1:] {
		if len(r) != len(want[0]) {
			continue // reported below
		}
		if _, err := time.Parse(time.RFC3339, r[accessedCol]); err != nil || !strings.HasSuffix(r[accessedCol], "Z") {
			t.Errorf("row %q: accessed %q is not a UTC RFC 3339 time", r, r[accessedCol])
		}
		r[accessedCol] = "accessed"
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV\n got %q\nwant %q", rows, want)
	}
	text := textOut.String()
	for _, w := range []string{"MATCHES (3)", "alert.jpg", "a1.jpg", `bad\xFFname`, "ERRORS (1)", "unreadable.bin",
		"9 items", "3 matched, 1 known, 2 unmatched, 1 errors, 2 skipped", "exit code 1"} {
		if !strings.Contains(text, w) {
			t.Errorf("text report lacks %q:\n%s", w, text)
		}
	}
}

func TestDisplayPath(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"plain/ü.jpg", "plain/ü.jpg"},
		{"a\xffb", `a\xFFb`},
		{"\xc3", `\xC3`},                   // truncated sequence
		{"x\xed\xa0\x80", `x\xED\xA0\x80`}, // surrogate half, invalid in UTF-8
	} {
		got, ok := report.DisplayPath(tc.in)
		if got != tc.out || ok != (tc.in == tc.out) {
			t.Errorf("DisplayPath(%q) = %q, %v; want %q", tc.in, got, ok, tc.out)
		}
		if b, _ := hex.DecodeString(report.PathHex(tc.in)); string(b) != tc.in {
			t.Errorf("PathHex(%q) does not round-trip", tc.in)
		}
	}
}

func TestCSVFormulaCellsDefused(t *testing.T) {
	var out bytes.Buffer
	w, _ := report.NewWriter(&out, report.CSV, report.Header{Algorithms: []string{"md5"}})
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "=HYPERLINK(\"http://x\")", Size: 1},
		Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16)}},
		Matches: []match.Match{{Set: "s", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "+1"}}})
	w.Close(scan.Summary{})
	rows, _ := csv.NewReader(&out).ReadAll()
	if rows[1][1] != "'=HYPERLINK(\"http://x\")" || rows[1][8] != "'+1" {
		t.Errorf("row %q", rows[1])
	}
}

func TestAtomicFileAndSidecar(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.jsonl")
	a, err := report.CreateAtomic(p)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(a, "line one\nline two\n")
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("report visible before Commit")
	}
	sum, err := report.CommitWithSidecar(a)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("line one\nline two\n"))
	if sum != hex.EncodeToString(want[:]) {
		t.Errorf("sum %s", sum)
	}
	side, _ := os.ReadFile(report.SidecarPath(p))
	if string(side) != hex.EncodeToString(want[:])+"  report.jsonl\n" {
		t.Errorf("sidecar %q", side)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}
	// Abort leaves nothing behind and the old report untouched.
	b, _ := report.CreateAtomic(p)
	io.WriteString(b, "half")
	b.Abort()
	if got, _ := os.ReadFile(p); string(got) != "line one\nline two\n" {
		t.Errorf("report after abort %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("abort left %v", entries)
	}
}

func TestListWriters(t *testing.T) {
	c := []byte("abc")
	r := scan.Result{Outcome: scan.Unmatched, Item: evidence.Item{Path: "dir/a,b\xff.txt", Size: 3}}
	algs := []hashset.Algorithm{hashset.SHA256, hashset.MD5}
	for _, a := range algs {
		s, _ := hex.DecodeString(hexSum(a, c))
		r.Digests = append(r.Digests, scan.Digest{Algorithm: a, Sum: s, Quality: -1})
	}
	md, sh := hexSum(hashset.MD5, c), hexSum(hashset.SHA256, c)
	for _, tc := range []struct {
		f    report.ListFormat
		want string
	}{
		{report.ListCSV, "path,size,sha256,md5\n\"dir/a,b\\xFF.txt\",3," + sh + "," + md + "\n"},
		{report.ListJSONL, `{"path":"dir/a,b\\xFF.txt","path_hex":"` + hex.EncodeToString([]byte(r.Item.Path)) + `","size":3,"sha256":"` + sh + `","md5":"` + md + "\"}\n"},
		{report.ListHashdeep, "%%%% HASHDEEP-1.0\n%%%% size,sha256,md5,filename\n## Invoked from: /cwd\n## $ hashtriage hash x\n##\n3," + sh + "," + md + ",dir/a,b\\xFF.txt\n"},
	} {
		var out bytes.Buffer
		w, err := report.NewListWriter(&out, tc.f, report.ListOptions{Algorithms: algs, WorkingDir: "/cwd", Command: []string{"hashtriage", "hash", "x"}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r)
		w.Write(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "skipped"}})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.f, out.String(), tc.want)
		}
	}
	if _, err := report.NewListWriter(io.Discard, report.ListHashdeep, report.ListOptions{Algorithms: []hashset.Algorithm{hashset.PDQ}}); err == nil {
		t.Error("hashdeep format accepted pdq")
	}
}

var _ = bufio.NewReader

// TestCSVOneRowPerFileAndSet: a file that several entries of one set hold
// (by several algorithms) is one CSV row for that set, its algorithms, ids
// and categories joined with ";" and the best distance; a second set gets
// its own row.
func TestCSVOneRowPerFileAndSet(t *testing.T) {
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.CSV, report.Header{Tool: "hashtriage", Algorithms: []string{"md5"}, Perceptual: []string{"pdq"}})
	if err != nil {
		t.Fatal(err)
	}
	md5Sum := md5.Sum([]byte("x"))
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "case/a.jpg", Size: 1,
		Meta: evidence.Metadata{FileSystem: "fat16", Inode: 7, Deleted: true, Modified: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}},
		Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: md5Sum[:], Quality: -1}, {Algorithm: hashset.PDQ, Sum: make([]byte, 32), Quality: 90}},
		Matches: []match.Match{
			{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "m1", Category: "1"},
			{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.PDQ, Distance: 12, ID: "p1", Category: "1"},
			{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.PDQ, Distance: 4, ID: "p2", Category: "2"},
			{Set: "other", Kind: hashset.Alert, Algorithm: hashset.PDQ, Distance: 9, ID: "o1"},
			{Set: "nsrl", Kind: hashset.Known, Algorithm: hashset.MD5, ID: "17"},
		}})
	if err := w.Close(scan.Summary{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"match", "case/a.jpg", "1", hex.EncodeToString(md5Sum[:]), strings.Repeat("0", 64), "90"}
	meta := []string{"fat16", "7", "", "true", "2023-11-14T22:13:20Z", "", "", ""} // on every row of the file
	want := [][]string{
		{"type", "path", "size", "md5", "pdq", "pdq_quality", "set", "kind", "algorithms", "distance", "ids", "categories", "series", "error",
			"file_system", "inode", "stream", "deleted", "modified", "accessed", "changed", "created"},
		append(append(append([]string{}, base...), "cases", "alert", "md5;pdq", "0", "m1;p1;p2", "1;2", "", ""), meta...),
		append(append(append([]string{}, base...), "other", "alert", "pdq", "9", "o1", "", "", ""), meta...),
		append(append(append([]string{}, base...), "nsrl", "known", "md5", "0", "17", "", "", ""), meta...),
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV\n got %q\nwant %q", rows, want)
	}
}

// TestHeaderDiskImages: the disk images a scan expanded, known only at
// its end, are in the header record, which is still the first line; the
// text report names them and their verification too.
func TestHeaderDiskImages(t *testing.T) {
	s := scan.Summary{DiskImages: []evidence.ImageInfo{{
		Path: "case/disk.E01", Format: "e01", Size: 10485760, CaseNumber: "C-1", EvidenceNumber: "EV-1", Examiner: "E. Xaminer",
		Acquired: "2026-11-28T17:02:07Z", StoredMD5: strings.Repeat("a", 32), Verification: "mismatch",
		BadRanges: []evidence.ByteRange{{Offset: 1114112, Length: 32768}},
	}}}
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.JSONL, report.Header{Tool: "hashtriage"})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "case/disk.E01"}, Err: errors.New("media bytes 1114112-1146879 failed the image check")})
	if err := w.Close(s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var head struct {
		Type   string           `json:"type"`
		Images []map[string]any `json:"images"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil {
		t.Fatal(err)
	}
	if head.Type != "scan" || len(head.Images) != 1 || len(lines) != 3 {
		t.Fatalf("report\n%s", out.String())
	}
	im := head.Images[0]
	want := map[string]any{"path": "case/disk.E01", "format": "e01", "case_number": "C-1", "evidence_number": "EV-1",
		"examiner": "E. Xaminer", "acquired": "2026-11-28T17:02:07Z", "stored_md5": strings.Repeat("a", 32), "verification": "mismatch"}
	for k, v := range want {
		if im[k] != v {
			t.Errorf("image %s = %v, want %v", k, im[k], v)
		}
	}
	if br, _ := json.Marshal(im["bad_ranges"]); string(br) != `[{"last":1146879,"length":32768,"offset":1114112}]` {
		t.Errorf("bad_ranges %s", br)
	}

	var text bytes.Buffer
	tw, _ := report.NewWriter(&text, report.Text, report.Header{Tool: "hashtriage"})
	if err := tw.Close(s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"image: case/disk.E01", `case "C-1"`, "verification: mismatch", "bad bytes 1114112-1146879"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

// deletedNTFSFile is the metadata of a deleted NTFS file's stream (every
// MAC(B) time set, one not in UTC) for the metadata tests.
func deletedNTFSFile(stream string) evidence.Metadata {
	return evidence.Metadata{FileSystem: "ntfs", Inode: 42, Deleted: true, Stream: stream,
		Modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Accessed: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC),
		Changed: time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600)), Created: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)}
}

// TestMetadataOnMatchAndErrorRecords: an item inside a disk image carries
// its file-system metadata on its match record and on its error record
// alike (a corrupt chunk inside a deleted file must say the file was
// deleted), under the same field names, with every MAC(B) time.
func TestMetadataOnMatchAndErrorRecords(t *testing.T) {
	meta := deletedNTFSFile("Zone.Identifier")
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.JSONL, report.Header{Tool: "hashtriage", Algorithms: []string{"md5"}})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "disk.E01!p1/a.jpg:Zone.Identifier", Size: 3, Meta: meta},
		Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16), Quality: -1}},
		Matches: []match.Match{{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "1"}}})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "disk.E01!p1/b.jpg", Size: 9, Meta: meta},
		Err: errors.New("media bytes 0-32767 failed their Adler-32 check")})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "disk.E01!p2"}, Err: errors.New("no file system")})
	if err := w.Close(scan.Summary{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("report\n%s", out.String())
	}
	want := map[string]any{"file_system": "ntfs", "inode": 42.0, "deleted": true, "stream": "Zone.Identifier",
		"modified": "2026-01-02T03:04:05Z", "accessed": "2026-02-03T04:05:06Z", "changed": "2026-03-04T04:06:07Z", "created": "2025-12-31T23:00:00Z"}
	for i, typ := range []string{"match", "error"} {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[1+i]), &got); err != nil {
			t.Fatal(err)
		}
		if got["type"] != typ {
			t.Fatalf("record %d is %v, want %s: %s", i+1, got["type"], typ, lines[1+i])
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s record: %s = %v, want %v", typ, k, got[k], v)
			}
		}
	}
	// Without metadata (a volume's own locator), no metadata fields at all.
	var bare map[string]any
	json.Unmarshal([]byte(lines[3]), &bare)
	for k := range want {
		if _, ok := bare[k]; ok {
			t.Errorf("error record without metadata has %s: %s", k, lines[3])
		}
	}
}
