package scan_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/scan"
)

// runAll scans src and returns the results by path (sorted) and the summary.
func runAll(t *testing.T, cfg scan.Config) ([]scan.Result, scan.Summary) {
	t.Helper()
	var rs []scan.Result
	cfg.OnResult = func(r scan.Result) error { rs = append(rs, r); return nil }
	sum, err := scan.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Item.Path < rs[j].Item.Path })
	return rs, sum
}

func TestOutcomes(t *testing.T) {
	alert := []byte("alert content")
	known := []byte("known content")
	both := []byte("in both lists")
	other := []byte("nobody lists this")
	m := newFakeMatcher(hashset.MD5, hashset.SHA1)
	m.add("cases", hashset.Alert, hashset.MD5, alert, "a.jpg")
	m.add("nsrl", hashset.Known, hashset.SHA1, known, "7")
	m.add("cases", hashset.Alert, hashset.SHA1, both, "b.jpg")
	m.add("nsrl", hashset.Known, hashset.MD5, both, "9")
	// A careless list holding the digest of empty input, in both kinds.
	m.add("careless", hashset.Alert, hashset.MD5, nil, "empty")
	m.add("nsrl", hashset.Known, hashset.MD5, nil, "1")

	shrunk := regular("shrunk", other)
	shrunk.Size = 100 // listed larger than what can be read now
	src := memSource{
		regular("alert", alert),
		regular("both", both),
		regular("empty", nil),
		failing("eio", bytes.Repeat([]byte("x"), 3<<20), 1<<20+5),
		{Path: "gone", Type: evidence.Regular, Open: func() (evidence.File, error) { return nil, errors.New("no such file (injected)") }},
		regular("known", known),
		{Path: "link", Type: evidence.Symlink},
		{Path: "pipe", Type: evidence.FIFO},
		shrunk,
		{Path: "unlistable", Type: evidence.Other, Err: errors.New("permission denied (injected)")},
		regular("unmatched", other),
	}
	rs, s := runAll(t, scan.Config{Matcher: m, Sources: []evidence.Source{src}, Jobs: 3})
	want := map[string]scan.Outcome{
		"alert": scan.Matched, "both": scan.Matched, "empty": scan.Known, "eio": scan.Failed, "gone": scan.Failed,
		"known": scan.Known, "link": scan.Skipped, "pipe": scan.Skipped, "shrunk": scan.Failed,
		"unlistable": scan.Failed, "unmatched": scan.Unmatched,
	}
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		if r.Outcome != want[r.Item.Path] {
			t.Errorf("%s: %v (err %v), want %v", r.Item.Path, r.Outcome, r.Err, want[r.Item.Path])
		}
		if (r.Outcome == scan.Failed) != (r.Err != nil) {
			t.Errorf("%s: outcome %v with err %v", r.Item.Path, r.Outcome, r.Err)
		}
	}
	byPath := map[string]scan.Result{}
	for _, r := range rs {
		byPath[r.Item.Path] = r
	}
	if ms := byPath["both"].Matches; len(ms) != 2 || ms[0].Kind != hashset.Alert || ms[1].Kind != hashset.Known {
		t.Errorf("both: matches %+v, want the alert match then the known one", ms)
	}
	if ms := byPath["empty"].Matches; len(ms) != 1 || ms[0].Set != "nsrl" {
		t.Errorf("empty file: matches %+v; it must never match an alert set", ms)
	}
	if e := byPath["eio"].Err.Error(); !strings.Contains(e, "injected") || !strings.Contains(e, "offset") {
		t.Errorf("eio: %v", e)
	}
	if e := byPath["shrunk"].Err.Error(); !strings.Contains(e, "size changed") {
		t.Errorf("shrunk: %v", e)
	}
	if d := byPath["unmatched"].Digests; len(d) != 2 || d[0].Algorithm != hashset.MD5 || d[1].Algorithm != hashset.SHA1 {
		t.Errorf("digests %+v, want md5 and sha1", d)
	}
	wantSum := scan.Summary{Items: 11, Matched: 2, Known: 2, Unmatched: 1, Errors: 4, Skipped: 2,
		Bytes: int64(len(alert) + len(both) + len(known) + 2*len(other) + 1<<20 + 5)}
	got := scan.Summary{Items: s.Items, Matched: s.Matched, Known: s.Known, Unmatched: s.Unmatched, Errors: s.Errors, Skipped: s.Skipped, Bytes: s.Bytes}
	if fmt.Sprint(got) != fmt.Sprint(wantSum) {
		t.Errorf("summary %+v, want %+v", got, wantSum)
	}
	if s.SkippedByType["symlink"] != 1 || s.SkippedByType["fifo"] != 1 {
		t.Errorf("skipped by type %v", s.SkippedByType)
	}
	if s.ExitCode() != scan.ExitMatch || s.Interrupted {
		t.Errorf("exit code %d, interrupted %v", s.ExitCode(), s.Interrupted)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		s    scan.Summary
		want int
	}{
		{scan.Summary{Items: 3, Unmatched: 3}, 0},
		{scan.Summary{Matched: 1, Errors: 1}, 1},
		{scan.Summary{Errors: 1}, 2},
		{scan.Summary{Interrupted: true}, 2},
		{scan.Summary{Known: 5, Skipped: 2}, 0},
	} {
		if got := tc.s.ExitCode(); got != tc.want {
			t.Errorf("%+v: exit %d, want %d", tc.s, got, tc.want)
		}
	}
}

// An MD5-only database must not pay for other hashes; a nil matcher with
// Algorithms computes exactly those.
func TestComputesOnlyNeededAlgorithms(t *testing.T) {
	for _, tc := range []struct {
		m    scan.Matcher
		algs []hashset.Algorithm
		want []hashset.Algorithm
	}{
		{newFakeMatcher(hashset.MD5), nil, []hashset.Algorithm{hashset.MD5}},
		{newFakeMatcher(hashset.SHA256, hashset.MD5), nil, []hashset.Algorithm{hashset.MD5, hashset.SHA256}},
		{nil, []hashset.Algorithm{hashset.SHA1}, []hashset.Algorithm{hashset.SHA1}},
		{newFakeMatcher(hashset.MD5, hashset.PhotoDNA), []hashset.Algorithm{hashset.SHA1}, []hashset.Algorithm{hashset.MD5, hashset.SHA1}},
	} {
		rs, s := runAll(t, scan.Config{Matcher: tc.m, Algorithms: tc.algs, Sources: []evidence.Source{memSource{regular("f", []byte("x"))}}})
		if fmt.Sprint(s.Algorithms) != fmt.Sprint(tc.want) {
			t.Errorf("computed %v, want %v", s.Algorithms, tc.want)
		}
		var got []hashset.Algorithm
		for _, d := range rs[0].Digests {
			got = append(got, d.Algorithm)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("digests %v, want %v", got, tc.want)
		}
	}
}

// Large items are hashed by one goroutine per algorithm over two
// alternating buffers: the digests must equal the stdlib's.
func TestConcurrentHashersAgreeWithStdlib(t *testing.T) {
	data := make([]byte, 5<<20+12345)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	algs := []hashset.Algorithm{hashset.MD5, hashset.SHA1, hashset.SHA256}
	for _, bufSize := range []int{64 << 10, 1 << 20, 8 << 20} {
		rs, _ := runAll(t, scan.Config{Algorithms: algs, BufferSize: bufSize, Sources: []evidence.Source{memSource{regular("big", data)}}})
		for i, a := range algs {
			if !bytes.Equal(rs[0].Digests[i].Sum, sum(a, data)) {
				t.Errorf("buffer %d: %v digest differs from the stdlib's", bufSize, a)
			}
		}
	}
}

// Items hashed through the SIMD MD5 lanes, and through the one-pass SHA-1
// and SHA-256 hasher (all reused from item to item, of every size around
// the lane threshold and the buffer size), give the stdlib's digests.
func TestHashersAgreeWithStdlib(t *testing.T) {
	var src memSource
	content := map[string][]byte{}
	for i := 0; i < 60; i++ {
		data := make([]byte, (i*37%9)<<16+i*1001) // 0 .. 512 KiB, around the lane threshold
		for j := range data {
			data[j] = byte(j*i + j>>7)
		}
		p := fmt.Sprintf("f%02d", i)
		src = append(src, regular(p, data))
		content[p] = data
	}
	for _, algs := range [][]hashset.Algorithm{
		{hashset.MD5},
		{hashset.MD5, hashset.SHA256},
		{hashset.SHA1, hashset.SHA256},
		{hashset.MD5, hashset.SHA1, hashset.SHA256},
	} {
		rs, s := runAll(t, scan.Config{Algorithms: algs, Sources: []evidence.Source{src}, Jobs: 2, MD5Lanes: 16, BufferSize: 64 << 10})
		if s.Unmatched != 60 {
			t.Fatalf("summary %+v", s)
		}
		for _, r := range rs {
			for i, a := range algs {
				if !bytes.Equal(r.Digests[i].Sum, sum(a, content[r.Item.Path])) {
					t.Errorf("%v: %s (%d bytes): %v differs from the stdlib's", algs, r.Item.Path, r.Item.Size, a)
				}
			}
		}
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	var items []evidence.Item
	for i := 0; i < 4; i++ {
		items = append(items, evidence.Item{Path: fmt.Sprintf("endless%d", i), Size: 1 << 50, Type: evidence.Regular,
			Open: func() (evidence.File, error) { return endless{}, nil }})
	}
	items = append(items, regular("later", []byte("never reached")))
	ctx, cancel := context.WithCancel(context.Background())
	var read atomic.Int64
	cfg := scan.Config{
		Algorithms: []hashset.Algorithm{hashset.MD5},
		Sources:    []evidence.Source{memSource(items)},
		Jobs:       2,
		MD5Lanes:   -1, // exactly two workers: "later" must stay queued
		Progress: func(b, _ int64) {
			if read.Add(b) > 8<<20 {
				cancel()
			}
		},
		OnResult: func(r scan.Result) error { t.Errorf("unexpected result %s %v", r.Item.Path, r.Outcome); return nil },
	}
	start := time.Now()
	s, err := scan.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !s.Interrupted || s.ExitCode() != scan.ExitIncomplete || s.Finished.IsZero() {
		t.Errorf("summary %+v", s)
	}
}

func TestOnResultErrorStopsScan(t *testing.T) {
	var items memSource
	for i := 0; i < 100; i++ {
		items = append(items, regular(fmt.Sprint(i), []byte{byte(i)}))
	}
	boom := errors.New("disk full")
	n := 0
	_, err := scan.Run(context.Background(), scan.Config{Algorithms: []hashset.Algorithm{hashset.MD5}, Sources: []evidence.Source{items}, Jobs: 2,
		OnResult: func(scan.Result) error { n++; return boom }})
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d results", err, n)
	}
}

// Perceptual hashing runs only for items that sniff as images, and only
// when a loaded set holds a perceptual kind.
func TestImageHook(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
	text := []byte("plain text, not an image")
	pdq := bytes.Repeat([]byte{0xAB}, 32)
	for _, perceptual := range []bool{false, true} {
		m := newFakeMatcher(hashset.MD5)
		if perceptual {
			m.algs = append(m.algs, hashset.PDQ)
			m.entries["pdq:"+fmt.Sprintf("%x", pdq)] = append(m.entries["pdq:"+fmt.Sprintf("%x", pdq)], matchOf("pdq-list", hashset.PDQ, 0))
		}
		var calls []string
		img := func(ctx context.Context, f evidence.File, algs []hashset.Algorithm) ([]scan.Digest, error) {
			head := make([]byte, 8)
			if _, err := f.ReadAt(head, 0); err != nil {
				return nil, err
			}
			calls = append(calls, fmt.Sprintf("%q %v", head[1:4], algs))
			return []scan.Digest{{Algorithm: hashset.PDQ, Sum: pdq, Quality: 90}}, nil
		}
		rs, s := runAll(t, scan.Config{Matcher: m, Image: img, Jobs: 1, Sources: []evidence.Source{memSource{regular("a.png", png), regular("b.txt", text)}}})
		if !perceptual {
			if len(calls) != 0 || rs[0].Outcome != scan.Unmatched {
				t.Errorf("no perceptual set loaded, yet image hook called: %v", calls)
			}
			continue
		}
		if fmt.Sprint(calls) != `["PNG" [pdq]]` {
			t.Errorf("image hook calls %v", calls)
		}
		if rs[0].Outcome != scan.Matched || len(rs[0].Digests) != 2 || rs[0].Digests[1].Quality != 90 || rs[1].Outcome != scan.Unmatched {
			t.Errorf("results %+v", rs)
		}
		if fmt.Sprint(s.Perceptual) != "[pdq]" {
			t.Errorf("summary perceptual %v", s.Perceptual)
		}
	}
	// No image hasher configured: the summary says what was not done.
	m := newFakeMatcher(hashset.MD5, hashset.PDQ)
	_, s := runAll(t, scan.Config{Matcher: m, Sources: []evidence.Source{memSource{regular("a.png", png)}}})
	if len(s.NotExamined) != 1 || !strings.Contains(s.NotExamined[0], "pdq") {
		t.Errorf("not examined %v", s.NotExamined)
	}
}

// A failing image decoder or one that panics yields an error record, and
// the exact result is still reported.
func TestImageHookFailure(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\ncorrupt")
	m := newFakeMatcher(hashset.MD5, hashset.PDQ)
	m.add("cases", hashset.Alert, hashset.MD5, png, "x")
	img := func(context.Context, evidence.File, []hashset.Algorithm) ([]scan.Digest, error) { panic("decoder bug") }
	rs, s := runAll(t, scan.Config{Matcher: m, Image: img, Sources: []evidence.Source{memSource{regular("a.png", png)}}})
	if len(rs) != 2 || s.Items != 1 || s.Matched != 1 || s.Errors != 1 {
		t.Fatalf("results %+v summary %+v", rs, s)
	}
	if !strings.Contains(rs[1].Err.Error(), "panic") {
		t.Errorf("error %v", rs[1].Err)
	}
}

// genSource yields n small items without holding them.
type genSource int

func (g genSource) Walk(ctx context.Context, fn evidence.WalkFunc) error {
	for i := 0; i < int(g); i++ {
		if err := fn(regular(fmt.Sprintf("item%08d", i), []byte(fmt.Sprint(i)))); err != nil {
			return err
		}
	}
	return nil
}

// Memory must not grow with the number of items: the live heap sampled
// while scanning 200,000 items stays within a small margin of that of
// 20,000 items.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	peak := func(n int) uint64 {
		var max uint64
		count := 0
		cfg := scan.Config{Algorithms: []hashset.Algorithm{hashset.MD5}, Sources: []evidence.Source{genSource(n)}, Jobs: 2,
			OnResult: func(r scan.Result) error {
				count++
				if count%5000 == 0 && count < n {
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapAlloc > max {
						max = ms.HeapAlloc
					}
				}
				return nil
			}}
		s, err := scan.Run(context.Background(), cfg)
		if err != nil || s.Items != int64(n) {
			t.Fatalf("%v %+v", err, s)
		}
		return max
	}
	small, large := peak(20000), peak(200000)
	t.Logf("live heap: %d KiB at 20k items, %d KiB at 200k items", small>>10, large>>10)
	if large > small+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes with 10x the items", small, large)
	}
}

func TestManyJobsEveryItemOnce(t *testing.T) {
	var src memSource
	for i := 0; i < 500; i++ {
		src = append(src, regular(fmt.Sprintf("f%03d", i), []byte(fmt.Sprint(i))))
	}
	rs, s := runAll(t, scan.Config{Algorithms: []hashset.Algorithm{hashset.MD5}, Sources: []evidence.Source{src, src[:10]}, Jobs: 8})
	if len(rs) != 510 || s.Items != 510 {
		t.Fatalf("%d results, summary %+v", len(rs), s)
	}
	for _, r := range rs {
		var n int
		fmt.Sscanf(r.Item.Path, "f%d", &n)
		if want := md5.Sum([]byte(fmt.Sprint(n))); !bytes.Equal(r.Digests[0].Sum, want[:]) {
			t.Fatalf("%s: wrong digest", r.Item.Path)
		}
	}
}

// A file whose first bytes merely look like a volume (the ext magic 0xEF53
// at offset 1080 turns up in random data once in 65,536 files) is still
// hashed and matched when nothing can be read from it as a volume.
func TestFalseVolumeIsHashed(t *testing.T) {
	data := bytes.Repeat([]byte("not a file system "), 200)
	data[1080], data[1081] = 0x53, 0xEF
	m := newFakeMatcher(hashset.MD5)
	m.add("cases", hashset.Alert, hashset.MD5, data, "x")
	rs, s := runAll(t, scan.Config{Matcher: m, Sources: []evidence.Source{memSource{regular("lookalike.bin", data)}}})
	var hashed bool
	for _, r := range rs {
		if r.Item.Path == "lookalike.bin" && r.Outcome == scan.Matched && bytes.Equal(r.Digests[0].Sum, sum(hashset.MD5, data)) {
			hashed = true
		}
	}
	if !hashed || s.Matched != 1 || s.Bytes < int64(len(data)) {
		t.Errorf("results %+v summary %+v", rs, s)
	}
}

// countingMatcher counts the lookups of each digest.
type countingMatcher struct {
	*fakeMatcher
	mu    sync.Mutex
	calls map[string]int
}

func (m *countingMatcher) Lookup(a hashset.Algorithm, digests ...[]byte) []match.Match {
	m.mu.Lock()
	for _, d := range digests {
		m.calls[a.String()+":"+hex.EncodeToString(d)]++
	}
	m.mu.Unlock()
	return m.fakeMatcher.Lookup(a, digests...)
}

// TestEmptyItemsLookedUpOnce: the digests of empty input are the same for
// every empty item; they are looked up once per scan however many empty
// files there are, alert matches for them are never reported, and every
// empty item still gets the known sets' verdict.
func TestEmptyItemsLookedUpOnce(t *testing.T) {
	m := &countingMatcher{fakeMatcher: newFakeMatcher(hashset.MD5, hashset.SHA1), calls: map[string]int{}}
	m.add("careless", hashset.Alert, hashset.MD5, nil, "empty")
	m.add("nsrl", hashset.Known, hashset.SHA1, nil, "1")
	var src memSource
	for i := 0; i < 50; i++ {
		src = append(src, regular(fmt.Sprintf("empty%02d", i), nil))
	}
	src = append(src, regular("full", []byte("content")))
	rs, s := runAll(t, scan.Config{Matcher: m, Sources: []evidence.Source{src}, Jobs: 4})
	for _, a := range []hashset.Algorithm{hashset.MD5, hashset.SHA1} {
		if n := m.calls[a.String()+":"+hex.EncodeToString(sum(a, nil))]; n != 1 {
			t.Errorf("%v digest of empty input looked up %d times for 50 empty items, want once", a, n)
		}
	}
	for _, r := range rs {
		if r.Item.Size != 0 {
			continue
		}
		if r.Outcome != scan.Known || len(r.Matches) != 1 || r.Matches[0].Set != "nsrl" {
			t.Errorf("%s: %v %+v, want known through nsrl only", r.Item.Path, r.Outcome, r.Matches)
		}
	}
	if s.Known != 50 || s.Matched != 0 || s.Unmatched != 1 {
		t.Errorf("summary known %d matched %d unmatched %d, want 50, 0, 1", s.Known, s.Matched, s.Unmatched)
	}
}
