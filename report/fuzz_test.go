package report_test

import (
	"bytes"
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
