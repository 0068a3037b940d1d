package report_test

import (
	"os"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

// A report is started with its header, fed every scan result (it keeps only
// matches and errors), and closed with the summary.
func ExampleWriter() {
	start := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	w, _ := report.NewWriter(os.Stdout, report.JSONL, report.Header{
		Tool: "hashtriage", Version: "1.0.0", Command: []string{"hashtriage", "scan", "case1"}, Started: start,
		Database: "/srv/sets", Evidence: []string{"case1"},
		Sets: []report.Set{{Name: "demo", Kind: "alert", Format: "md5sum", SourceSHA256: "2e79…", Entries: 2}},
	})
	w.Add(scan.Result{Outcome: scan.Unmatched, Item: evidence.Item{Path: "case1/notes.txt", Size: 10}}) // not reported
	w.Add(scan.Result{Outcome: scan.Matched, Item: evidence.Item{Path: "case1/pic.png", Size: 126},
		Digests: []scan.Digest{{Algorithm: hashset.MD5, Sum: []byte("0123456789abcdef"), Quality: -1}},
		Matches: []match.Match{{Set: "demo", Kind: hashset.Alert, Algorithm: hashset.MD5, ID: "red-square.png"}}})
	w.Close(scan.Summary{Items: 2, Bytes: 136, Matched: 1, Unmatched: 1, Started: start, Finished: start.Add(1500 * time.Millisecond)})
	// Output:
	// {"type":"scan","tool":"hashtriage","version":"1.0.0","command":["hashtriage","scan","case1"],"started":"2026-11-28T15:00:00Z","database":"/srv/sets","sets":[{"name":"demo","kind":"alert","format":"md5sum","source_sha256":"2e79…","entries":2}],"evidence":["case1"]}
	// {"type":"match","path":"case1/pic.png","size":126,"md5":"30313233343536373839616263646566","matches":[{"set":"demo","kind":"alert","algorithm":"md5","distance":0,"id":"red-square.png","category":""}]}
	// {"type":"summary","items":2,"bytes":136,"matched":1,"known":0,"errors":0,"skipped":0,"finished":"2026-11-28T15:00:01Z","elapsed_seconds":1.5,"started":"2026-11-28T15:00:00Z","unmatched":1,"noatime":0,"atime_unprotected":0,"interrupted":false,"exit_code":1}
}
