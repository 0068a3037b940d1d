package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // 0: an error
	}{
		{"64GiB", 64 << 30},
		{"500MB", 500e6},
		{"500mb", 500e6},
		{"1048576", 1 << 20},
		{"1.5KiB", 1536},
		{"2 TiB", 2 << 40},
		{"10B", 10},
		{"", 0},
		{"GiB", 0},
		{"-1MB", 0},
		{"0", 0},
		{"12XB", 0},
		{"1e30PB", 0},
		{"NaN", 0},
	} {
		got, err := parseByteSize(c.in)
		if c.want == 0 {
			if err == nil {
				t.Errorf("parseByteSize(%q) = %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if s := formatByteSize(64 << 30); s != "64GiB" {
		t.Errorf("formatByteSize(64 GiB) = %q", s)
	}
}

// headerLimits returns the limits recorded in a report's header.
func headerLimits(t *testing.T, r e2eReport) (depth int, expanded int64, ratio float64) {
	t.Helper()
	var h struct {
		MaxDepth    int     `json:"max_depth"`
		MaxExpanded int64   `json:"max_expanded"`
		MaxRatio    float64 `json:"max_ratio"`
	}
	if err := json.Unmarshal([]byte(r.header.raw), &h); err != nil {
		t.Fatalf("header %s: %v", r.header.raw, err)
	}
	return h.MaxDepth, h.MaxExpanded, h.MaxRatio
}

// TestScanMaxDepth: the E01 fixture holds a ZIP inside a 7z inside its file
// system. With --max-depth 1 the files of the image's file system (depth 1)
// are scanned, but no container found there is expanded: each is an error
// record naming the limit, and the header records it.
func TestScanMaxDepth(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	image := filepath.Join(e2eDir, "disk.E01")

	full := e2eScan(t, db, image)
	if d, e, r := headerLimits(t, full); d != 8 || e != 64<<30 || r != 1000 {
		t.Errorf("header limits %d, %d, %v; want the defaults 8, 64 GiB, 1000", d, e, r)
	}
	if len(full.errors) != 0 {
		t.Fatalf("default limits: error records\n%s", rawLines(full.errors))
	}

	shallow := e2eScan(t, db, "--max-depth", "1", image)
	if d, _, _ := headerLimits(t, shallow); d != 1 {
		t.Errorf("header max_depth %d, want 1", d)
	}
	if shallow.code != 1 && shallow.code != 2 {
		t.Errorf("exit status %d, want 1 or 2", shallow.code)
	}
	if len(shallow.errors) == 0 {
		t.Fatalf("--max-depth 1: no error record for the containers inside the image")
	}
	for _, e := range shallow.errors {
		if !strings.Contains(e.Error, "depth limit 1") || !strings.HasPrefix(e.Path, image+"!") {
			t.Errorf("error record %s: want a container inside %s naming the depth limit 1", e.raw, image)
		}
	}
	// Matches at depth 1 stay; those deeper are gone.
	if len(shallow.matches) == 0 || len(shallow.matches) >= len(full.matches) {
		t.Errorf("--max-depth 1: %d matches, the full scan %d: want some, but fewer", len(shallow.matches), len(full.matches))
	}
	for _, m := range shallow.matches {
		if strings.Count(m.Path, "!") > 1 {
			t.Errorf("--max-depth 1 reported a match at depth %d: %s", strings.Count(m.Path, "!"), m.Path)
		}
	}
}

// TestScanMaxRatioAndExpanded: a ZIP of a highly compressible member passes
// the default limits but is stopped by a lowered --max-ratio or
// --max-expanded, with an error record naming the limit.
func TestScanMaxRatioAndExpanded(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	dir := t.TempDir()
	archive := filepath.Join(dir, "logs.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("log.txt")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte("the same log line, over and over\n"), 1<<14)) // 528 KiB, about 200:1
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	if r := e2eScan(t, db, archive); len(r.errors) != 0 || r.code != 0 {
		t.Fatalf("default limits: exit %d, error records\n%s", r.code, rawLines(r.errors))
	}
	for _, c := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--max-ratio", "20"}, "ratio"},
		{[]string{"--max-expanded", "100KiB"}, "limit"},
	} {
		r := e2eScan(t, db, append(c.args, archive)...)
		if r.code != 2 {
			t.Errorf("%v: exit status %d, want 2", c.args, r.code)
		}
		if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0].Path, archive) || !strings.Contains(r.errors[0].Error, c.want) {
			t.Errorf("%v: error records\n%swant one for %s naming the %s limit", c.args, rawLines(r.errors), archive, c.want)
		}
		switch _, e, ra := headerLimits(t, r); c.args[0] {
		case "--max-ratio":
			if ra != 20 {
				t.Errorf("header max_ratio %v, want 20", ra)
			}
		case "--max-expanded":
			if e != 100<<10 {
				t.Errorf("header max_expanded %d, want %d", e, 100<<10)
			}
		}
	}
}

func TestScanLimitFlagsRejected(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	for _, args := range [][]string{
		{"--max-depth", "0"},
		{"--max-ratio", "0.5"},
		{"--max-expanded", "lots"},
	} {
		var out, errOut bytes.Buffer
		argv := append([]string{"scan", "--db", db, "--no-progress"}, append(args, e2eDir)...)
		if code := execute(t.Context(), argv, &out, &errOut); code != 3 {
			t.Errorf("%v: exit status %d, want 3 (cannot run)\n%s", args, code, errOut.String())
		}
	}
}
