package main

// Tests of issue 5's report follow-ups: the file-system metadata columns of
// CSV reports, and path_parts for locators made ambiguous by names that
// hold "!".

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/fixture"
)

// TestE2ECSVMetadata scans the E01 fixture with --format csv: the CSV
// report has the file-system metadata columns after every earlier column,
// and each match row carries the values its JSON Lines record has: the
// deleted FAT file is "true" under deleted with its inode as fls lists it,
// the live one is not, the NTFS alternate data stream names its stream.
func TestE2ECSVMetadata(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	image := filepath.Join(e2eDir, "disk.E01")
	rep := filepath.Join(t.TempDir(), "report.csv")
	var out, errOut bytes.Buffer
	if code := execute(context.Background(), []string{"scan", "--db", db, "--format", "csv", "--report", rep, "--no-progress", image},
		&out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut.String())
	}
	f, err := os.Open(rep)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"type", "path", "size", "md5", "set", "kind", "algorithms", "distance", "ids", "categories", "series", "error",
		"file_system", "inode", "stream", "deleted", "modified", "accessed", "changed", "created"}
	if len(rows) == 0 || !reflect.DeepEqual(rows[0], wantHeader) {
		t.Fatalf("CSV header %q, want %q", rows[0], wantHeader)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	byPath := map[string][]string{}
	for _, r := range rows[1:] {
		if r[col["type"]] != "match" {
			t.Errorf("row %q from an intact image", r)
			continue
		}
		byPath[r[col["path"]]] = r
	}
	if len(byPath) != len(planted) {
		t.Errorf("%d files in match rows, want %d", len(byPath), len(planted))
	}

	// The JSON Lines report of the same scan is the reference.
	jsonl := e2eScan(t, db, image)
	fls := flsListing(t)
	for _, rec := range jsonl.matches {
		r, ok := byPath[rec.Path]
		if !ok {
			t.Errorf("no CSV row for %s", rec.Path)
			continue
		}
		inode := ""
		if rec.Inode != 0 {
			inode = strconv.FormatUint(rec.Inode, 10)
		}
		deleted := ""
		if rec.Deleted {
			deleted = "true"
		}
		want := []string{rec.FileSystem, inode, rec.Stream, deleted, rec.Modified, rec.Accessed, rec.Changed, rec.Created}
		if got := r[col["file_system"]:]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: metadata cells %q, want %q (from %s)", rec.Path, got, want, rec.raw)
		}
	}
	erased := byPath[image+"!p1/photos/_rased.jpg"]
	if erased == nil {
		t.Fatal("no row for the deleted FAT file")
	}
	wantInode := strconv.FormatUint(fls["p1/photos/_rased.jpg"].inode, 10)
	if erased[col["file_system"]] != "fat16" || erased[col["deleted"]] != "true" || erased[col["inode"]] != wantInode ||
		erased[col["modified"]] != fixtureTime {
		t.Errorf("deleted FAT file row %q: want fat16, inode %s, deleted true, modified %s", erased, wantInode, fixtureTime)
	}
	if live := byPath[image+"!p1/photos/alert.jpg"]; live == nil || live[col["deleted"]] != "" || live[col["file_system"]] != "fat16" {
		t.Errorf("live FAT file row %q: want fat16, deleted empty", live)
	}
	if ads := byPath[image+"!p3/report.txt:hidden"]; ads == nil || ads[col["stream"]] != "hidden" || ads[col["file_system"]] != "ntfs" {
		t.Errorf("alternate data stream row %q: want ntfs, stream hidden", ads)
	}
	// No name in the fixture holds "!": its JSON Lines report has no
	// path_parts anywhere.
	for _, rec := range append(jsonl.matches, jsonl.errors...) {
		if strings.Contains(rec.raw, "path_parts") {
			t.Errorf("record with path_parts: %s", rec.raw)
		}
	}
}

// TestE2EPathPartsBangNames: a ZIP holding a member named "a!b.jpg" and a
// nested ZIP named "in!ner.zip" holding "c!d.jpg", scanned with a list of
// both members: path keeps DESIGN.md's form, path_parts splits it where
// the container levels are.
func TestE2EPathPartsBangNames(t *testing.T) {
	caseDir := t.TempDir()
	x := filepath.Join(caseDir, "x.zip")
	inner := fixture.Zip(t, "c!d.jpg", "nested planted member")
	if err := os.WriteFile(x, fixture.Zip(t, "a!b.jpg", "planted member", "in!ner.zip", string(inner)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "db")
	importList(t, db, "alert.md5", hashset.Alert, md5Hex("planted member")+"  member.jpg\n"+md5Hex("nested planted member")+"  nested.jpg\n")
	r := e2eScan(t, db, caseDir)
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	want := []string{
		`"path":` + jsonQuote(x+"!a!b.jpg") + `,"path_parts":[` + jsonQuote(x) + `,"a!b.jpg"],`,
		`"path":` + jsonQuote(x+"!in!ner.zip!c!d.jpg") + `,"path_parts":[` + jsonQuote(x) + `,"in!ner.zip","c!d.jpg"],`,
	}
	if len(r.matches) != len(want) {
		t.Fatalf("match records\n%swant %d", rawLines(r.matches), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(r.matches[i].raw, `{"type":"match",`+w) {
			t.Errorf("match record %d\n got %s\nwant {\"type\":\"match\",%s...", i+1, r.matches[i].raw, w)
		}
	}
}

// jsonQuote returns s as the report writes a JSON string (no HTML escaping).
func jsonQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
