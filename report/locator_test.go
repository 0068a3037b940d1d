package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/fixture"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

// scanJSONL scans root with m and returns the JSON Lines report's match
// and error records, as written.
func scanJSONL(t *testing.T, root string, m *fakeMatcher) []string {
	t.Helper()
	src, err := evidence.Open(root, evidence.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.JSONL, report.Header{Tool: "hashtriage", Algorithms: []string{"md5"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.Run(context.Background(), scan.Config{Matcher: m, Sources: []evidence.Source{src}, Jobs: 2,
		OnResult: func(r scan.Result) error { w.Add(r); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	return lines[1 : len(lines)-1]
}

// TestPathPartsOfBangNames: a ZIP member named "a!b.jpg" inside x.zip has
// the path "x.zip!a!b.jpg", which reads as b.jpg inside a container a;
// path_parts says where the levels are. The same for a member of a nested
// ZIP whose own name holds "!".
func TestPathPartsOfBangNames(t *testing.T) {
	root := t.TempDir()
	inner := fixture.Zip(t, "c!d.jpg", "deep member")
	outer := fixture.Zip(t, "a!b.jpg", "member with a bang", "in!ner.zip", string(inner), "plain.jpg", "plain member")
	x := filepath.Join(root, "x.zip")
	if err := os.WriteFile(x, outer, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &fakeMatcher{algs: []hashset.Algorithm{hashset.MD5}, entries: map[string][]match.Match{}}
	m.add("cases", hashset.Alert, hashset.MD5, "member with a bang", "1", "")
	m.add("cases", hashset.Alert, hashset.MD5, "deep member", "2", "")
	m.add("cases", hashset.Alert, hashset.MD5, "plain member", "3", "")
	recs := scanJSONL(t, root, m)

	type locator struct {
		Path      string   `json:"path"`
		PathParts []string `json:"path_parts"`
	}
	want := []locator{
		{x + "!a!b.jpg", []string{x, "a!b.jpg"}},
		{x + "!in!ner.zip!c!d.jpg", []string{x, "in!ner.zip", "c!d.jpg"}},
		{x + "!plain.jpg", nil}, // no name holds "!": no path_parts
	}
	var got []locator
	for _, r := range recs {
		var l locator
		if err := json.Unmarshal([]byte(r), &l); err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("locators\n got %q\nwant %q\nrecords:\n%s", got, want, strings.Join(recs, "\n"))
	}
	if len(recs) == 3 && strings.Contains(recs[2], "path_parts") {
		t.Errorf("record of a plain name has path_parts: %s", recs[2])
	}
	// path_parts follows path (and path_hex): the leading fields of the
	// record keep their order.
	if len(recs) > 0 && !strings.HasPrefix(recs[0], `{"type":"match","path":`+jsonStr(x+"!a!b.jpg")+`,"path_parts":[`) {
		t.Errorf("record layout: %s", recs[0])
	}
}

// TestNoPathPartsWithoutBang: a scan of a tree with archives whose names
// hold no "!" writes no path_parts at all, so such reports are what they
// were before the field existed.
func TestNoPathPartsWithoutBang(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "x.zip"), fixture.Zip(t, "dir/a.jpg", "zipped alert", "b.txt", "unlisted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "loose.jpg"), []byte("loose alert"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &fakeMatcher{algs: []hashset.Algorithm{hashset.MD5}, entries: map[string][]match.Match{}}
	m.add("cases", hashset.Alert, hashset.MD5, "zipped alert", "1", "")
	m.add("cases", hashset.Alert, hashset.MD5, "loose alert", "2", "")
	recs := scanJSONL(t, root, m)
	if len(recs) != 2 {
		t.Fatalf("want 2 match records:\n%s", strings.Join(recs, "\n"))
	}
	for _, r := range recs {
		if strings.Contains(r, "path_parts") {
			t.Errorf("record has path_parts: %s", r)
		}
	}
}

// TestPathPartsRecords: path_parts on match and error records alike, in
// the display form of path for components that are not UTF-8 (path_hex
// then gives the exact bytes), and never for items whose components are
// not known.
func TestPathPartsRecords(t *testing.T) {
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.JSONL, report.Header{Tool: "hashtriage", Algorithms: []string{"md5"}})
	if err != nil {
		t.Fatal(err)
	}
	md5Zero := []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16), Quality: -1}}
	hit := []match.Match{{Set: "s", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "1"}}
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "a.zip!b\xff!c.jpg", Parts: []string{"a.zip", "b\xff!c.jpg"}, Size: 1},
		Digests: md5Zero, Matches: hit})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "a.zip!x!y.jpg", Parts: []string{"a.zip", "x!y.jpg"}},
		Err: errors.New("crc mismatch")})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "d.zip!e.jpg", Parts: []string{"d.zip", "e.jpg"}},
		Err: errors.New("crc mismatch")})
	// Built without Parts: the components are unknown, nothing is guessed.
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "f.zip!g!h.jpg", Size: 1}, Digests: md5Zero, Matches: hit})
	if err := w.Close(scan.Summary{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		`{"type":"match","path":"a.zip!b\\xFF!c.jpg","path_hex":"` + hex.EncodeToString([]byte("a.zip!b\xff!c.jpg")) +
			`","path_parts":["a.zip","b\\xFF!c.jpg"],"size":1,"md5":"00000000000000000000000000000000","matches":[{"set":"s","kind":"alert","algorithm":"md5","distance":0,"id":"1","category":""}]}`,
		`{"type":"error","path":"a.zip!x!y.jpg","path_parts":["a.zip","x!y.jpg"],"error":"crc mismatch"}`,
		`{"type":"error","path":"d.zip!e.jpg","error":"crc mismatch"}`,
		`{"type":"match","path":"f.zip!g!h.jpg","size":1,"md5":"00000000000000000000000000000000","matches":[{"set":"s","kind":"alert","algorithm":"md5","distance":0,"id":"1","category":""}]}`,
	}
	if len(lines) != len(want)+2 {
		t.Fatalf("report:\n%s", out.String())
	}
	for i, w := range want {
		if lines[1+i] != w {
			t.Errorf("record %d\n got %s\nwant %s", i+1, lines[1+i], w)
		}
	}
}

// TestMetadataCSVColumns: the CSV report carries the file-system
// metadata of the JSON Lines report in columns after every earlier one,
// on match and error rows alike; cells are empty where nothing is known.
func TestMetadataCSVColumns(t *testing.T) {
	meta := deletedNTFSFile("=cmd")
	var out bytes.Buffer
	w, err := report.NewWriter(&out, report.CSV, report.Header{Tool: "hashtriage", Algorithms: []string{"md5"}})
	if err != nil {
		t.Fatal(err)
	}
	md5Zero := []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16), Quality: -1}}
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "disk.E01!p1/a.jpg:=cmd", Size: 3, Meta: meta},
		Digests: md5Zero, Matches: []match.Match{{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "1"}}})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "disk.E01!p1/b.jpg", Size: 9, Meta: meta},
		Err: errors.New("media bytes 0-32767 failed their Adler-32 check")})
	live := evidence.Metadata{FileSystem: "fat16", Inode: 5, Modified: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "disk.E01!p1/c.jpg", Size: 3, Meta: live},
		Digests: md5Zero, Matches: []match.Match{{Set: "cases", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "2"}}})
	w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: "disk.E01!p2"}, Err: errors.New("no file system")})
	if err := w.Close(scan.Summary{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	z := strings.Repeat("0", 32)
	full := []string{"ntfs", "42", "'=cmd", "true", "2026-01-02T03:04:05Z", "2026-02-03T04:05:06Z", "2026-03-04T04:06:07Z", "2025-12-31T23:00:00Z"}
	want := [][]string{
		{"type", "path", "size", "md5", "set", "kind", "algorithms", "distance", "ids", "categories", "series", "error",
			"file_system", "inode", "stream", "deleted", "modified", "accessed", "changed", "created"},
		append([]string{"match", "disk.E01!p1/a.jpg:=cmd", "3", z, "cases", "alert", "md5", "0", "1", "", "", ""}, full...),
		append([]string{"error", "disk.E01!p1/b.jpg", "", "", "", "", "", "", "", "", "", "media bytes 0-32767 failed their Adler-32 check"}, full...),
		{"match", "disk.E01!p1/c.jpg", "3", z, "cases", "alert", "md5", "0", "2", "", "", "", "fat16", "5", "", "", "2023-11-14T22:13:20Z", "", "", ""},
		{"error", "disk.E01!p2", "", "", "", "", "", "", "", "", "", "no file system", "", "", "", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV\n got %q\nwant %q", rows, want)
	}
}
