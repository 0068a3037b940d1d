package scan_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/scan"
)

// FuzzScanItem scans arbitrary content as one item, so that whatever the
// container sniffers and expanders make of it (archives, volumes, EWF),
// the pipeline itself never panics, hangs or loses the item: the item is
// reported exactly once (hashed, expanded, or failed), its digest when
// hashed is the content's, and the summary adds up.
func FuzzScanItem(f *testing.F) {
	for _, glob := range []string{"../evidence/archive/testdata/*", "../testdata/demo/evidence/*/*"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	lookalike := bytes.Repeat([]byte{0}, 2048)
	lookalike[1080], lookalike[1081] = 0x53, 0xEF
	f.Add(lookalike)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := newFakeMatcher(hashset.MD5)
		m.add("cases", hashset.Alert, hashset.MD5, data, "self")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var top []scan.Result
		s, err := scan.Run(ctx, scan.Config{Matcher: m, Jobs: 2, Sources: []evidence.Source{memSource{regular("fuzz.bin", data)}},
			OnResult: func(r scan.Result) error {
				if r.Item.Path == "fuzz.bin" && r.Item.Depth == 0 {
					top = append(top, r)
				}
				return nil
			}})
		if err != nil || s.Interrupted {
			t.Fatalf("scan: %v, interrupted %v", err, s.Interrupted)
		}
		hashed := 0
		for _, r := range top {
			switch r.Outcome {
			case scan.Matched:
				hashed++
				if !bytes.Equal(r.Digests[0].Sum, sum(hashset.MD5, data)) {
					t.Fatal("wrong digest")
				}
			case scan.Unmatched:
				if len(data) > 0 {
					t.Fatal("listed content not matched")
				}
				hashed++ // empty: never matches an alert set
			case scan.Expanded, scan.Failed:
			default:
				t.Fatalf("outcome %v for listed content (%d bytes, err %v, item %+v)", r.Outcome, len(data), r.Err, r.Item)
			}
		}
		if len(top) == 0 || hashed > 1 {
			t.Fatalf("item reported %d times, hashed %d times: %+v", len(top), hashed, top)
		}
		if got := s.Matched + s.Known + s.Unmatched + s.Skipped + s.Expanded; got+s.Errors < s.Items {
			t.Fatalf("summary does not add up: %+v", s)
		}
	})
}
