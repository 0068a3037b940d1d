package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

// FuzzPathRecords feeds arbitrary names (file names on seized media are
// outside data) through the JSON Lines writer: every record must be valid
// JSON on one line, and path_hex must give back the exact bytes.
func FuzzPathRecords(f *testing.F) {
	for _, s := range []string{"a/b.jpg", "bad\xff\xfe", "line\nbreak", "tab\there", `back\slash\x41`, "\xed\xa0\x80", "ü/日本", "\"quoted\"", "<&>"} {
		f.Add(s, "category\x00")
	}
	f.Fuzz(func(t *testing.T, p, cat string) {
		var out bytes.Buffer
		w, err := report.NewWriter(&out, report.JSONL, report.Header{Evidence: []string{p}, Algorithms: []string{"md5"}})
		if err != nil {
			t.Fatal(err)
		}
		w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: p, Size: 1},
			Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16)}},
			Matches: []match.Match{{Set: "s", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: p, Category: cat}}})
		w.Add(scan.Result{Outcome: scan.Failed, Item: evidence.Item{Path: p}, Err: errString(p)})
		if err := w.Close(scan.Summary{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines for 4 records: %q", len(lines), out.String())
		}
		for _, l := range lines {
			if !utf8.ValidString(l) {
				t.Fatalf("record is not UTF-8: %q", l)
			}
			var rec struct {
				Path    string `json:"path"`
				PathHex string `json:"path_hex"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("invalid JSON %q: %v", l, err)
			}
			if rec.Path == "" && p != "" && !strings.Contains(l, `"type":"scan"`) && !strings.Contains(l, `"type":"summary"`) {
				t.Fatalf("record without path: %q", l)
			}
			if rec.PathHex != "" {
				b, err := hex.DecodeString(rec.PathHex)
				if err != nil || string(b) != p {
					t.Fatalf("path_hex %q does not give back %q", rec.PathHex, p)
				}
			} else if rec.Path != "" && rec.Path != p {
				t.Fatalf("path %q written as %q without path_hex", p, rec.Path)
			}
		}
	})
}

type errString string

func (e errString) Error() string { return string(e) }

// FuzzPathParts feeds arbitrary names of a container and one of its
// members (both outside data) through the JSON Lines and CSV writers:
// path_parts appears exactly when a name holds "!", joins to path, and
// with path_hex gives back the exact bytes of each name; CSV rows keep
// the header's width with the metadata columns filled in.
func FuzzPathParts(f *testing.F) {
	for _, s := range [][2]string{{"x.zip", "a!b.jpg"}, {"case!1/x.zip", "plain.jpg"}, {"x.zip", "b\xff!c"},
		{"\xff!", "!\xfe"}, {"x.zip", "plain"}, {"!", "!"}, {"a\xc3", "!b"}, {`a\xFF`, "!"}} {
		f.Add(s[0], s[1], "stream")
	}
	f.Fuzz(func(t *testing.T, outer, inner, stream string) {
		it := evidence.Item{Path: outer + "!" + inner, Parts: []string{outer, inner}, Size: 1,
			Meta: evidence.Metadata{FileSystem: "ntfs", Inode: 7, Deleted: true, Stream: stream}}
		match1 := scan.Result{Outcome: scan.Matched, Item: it, Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: make([]byte, 16), Quality: -1}},
			Matches: []match.Match{{Set: "s", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: inner}}}
		fail := scan.Result{Outcome: scan.Failed, Item: it, Err: errString(inner)}

		// render writes the two results as a report of format f.
		render := func(f report.Format) *bytes.Buffer {
			var out bytes.Buffer
			w, err := report.NewWriter(&out, f, report.Header{Algorithms: []string{"md5"}})
			if err != nil {
				t.Fatal(err)
			}
			w.Add(match1)
			w.Add(fail)
			if err := w.Close(scan.Summary{}); err != nil {
				t.Fatal(err)
			}
			return &out
		}
		out := render(report.JSONL)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines for 4 records: %q", len(lines), out.String())
		}
		ambiguous := strings.Contains(outer, "!") || strings.Contains(inner, "!")
		for _, l := range lines[1:3] {
			var rec struct {
				Path      string    `json:"path"`
				PathHex   string    `json:"path_hex"`
				PathParts *[]string `json:"path_parts"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("invalid JSON %q: %v", l, err)
			}
			if (rec.PathParts != nil) != ambiguous {
				t.Fatalf("path_parts %v for names %q, %q: %s", rec.PathParts, outer, inner, l)
			}
			if rec.PathParts == nil {
				continue
			}
			parts := *rec.PathParts
			if len(parts) != 2 || strings.Join(parts, "!") != rec.Path {
				t.Fatalf("path_parts %q do not join to path %q", parts, rec.Path)
			}
			exact := rec.Path
			if rec.PathHex != "" {
				b, _ := hex.DecodeString(rec.PathHex)
				exact = string(b)
			}
			// The separator is the "!" after as many "!" as the first
			// component shows.
			n := strings.Count(parts[0], "!")
			i := -1
			for range n + 1 {
				j := strings.IndexByte(exact[i+1:], '!')
				if j < 0 {
					t.Fatalf("path %q has too few \"!\" for path_parts %q", exact, parts)
				}
				i += 1 + j
			}
			if exact[:i] != outer || exact[i+1:] != inner {
				t.Fatalf("components %q, %q recovered from %q, want %q, %q", exact[:i], exact[i+1:], exact, outer, inner)
			}
		}

		out = render(report.CSV)
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("CSV is not UTF-8: %q", out.String())
		}
		rows, err := csv.NewReader(out).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v\n%q", err, out.String())
		}
		if len(rows) != 3 {
			t.Fatalf("%d CSV rows, want 3: %q", len(rows), rows)
		}
		for _, r := range rows[1:] {
			if len(r) != len(rows[0]) {
				t.Fatalf("row of %d cells under a header of %d: %q", len(r), len(rows[0]), r)
			}
			if got := r[len(r)-8 : len(r)-4]; got[0] != "ntfs" || got[1] != "7" || got[3] != "true" {
				t.Fatalf("metadata cells %q", got)
			}
		}
	})
}
