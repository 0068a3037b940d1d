package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hashtriage/hashtriage/hashset"
)

// run executes a command built by newCmd with args and returns its
// standard output, standard error and exit status.
func run(t *testing.T, newCmd func() *cobra.Command, args ...string) (string, string, int) {
	t.Helper()
	cmd := newCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	cmd.SetContext(context.Background())
	err := cmd.Execute()
	code := 0
	if err != nil {
		code = 3
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
		fmt.Fprintln(&errOut, err)
	}
	return out.String(), errOut.String(), code
}

// importList writes lines to a list file and imports it into the database at dir.
func importList(t *testing.T, dir, name string, kind hashset.Kind, lines string) {
	t.Helper()
	list := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(list, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := hashset.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportFile(context.Background(), list, hashset.ImportOptions{Kind: kind}); err != nil {
		t.Fatal(err)
	}
}

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func evidenceTree(t *testing.T) string {
	ev := t.TempDir()
	for name, c := range map[string]string{"a.txt": "listed content", "sub/b.txt": "other content", "sub/c.txt": "known content"} {
		os.MkdirAll(filepath.Join(ev, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(ev, name), []byte(c), 0o644)
	}
	return ev
}

func TestScanExitCodes(t *testing.T) {
	ev := evidenceTree(t)
	alertDB := t.TempDir()
	importList(t, alertDB, "cases.txt", hashset.Alert, md5hex("listed content")+"  a.jpg\n")
	importList(t, alertDB, "nsrl.txt", hashset.Known, md5hex("known content")+"  c\n")
	knownDB := t.TempDir()
	importList(t, knownDB, "nsrl.txt", hashset.Known, md5hex("known content")+"  c\n")
	cleanDB := t.TempDir()
	importList(t, cleanDB, "other.txt", hashset.Alert, md5hex("not in the evidence")+"  z\n")
	emptyDB := t.TempDir()
	if db, err := hashset.Create(emptyDB); err == nil {
		db.Close()
	}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  string
		matched int
	}{
		{"alert match", []string{"--db", alertDB, ev}, 1, "", 1},
		{"no match", []string{"--db", cleanDB, ev}, 0, "", 0},
		{"only known sets", []string{"--db", knownDB, ev}, 0, "", 0},
		{"missing database", []string{"--db", filepath.Join(t.TempDir(), "nope"), ev}, 3, "import a list first", -1},
		{"empty database", []string{"--db", emptyDB, ev}, 3, "holds no sets", -1},
		{"missing evidence", []string{"--db", alertDB, filepath.Join(ev, "missing")}, 3, "unreadable evidence", -1},
		{"report inside evidence", []string{"--db", alertDB, "--report", filepath.Join(ev, "r.jsonl"), ev}, 3, "inside the evidence", -1},
		{"bad format", []string{"--db", alertDB, "--format", "xml", ev}, 3, "jsonl, csv or text", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, newScanCmd, append([]string{"--no-progress"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.stderr)
			}
			if tc.matched < 0 {
				if out != "" {
					t.Errorf("a scan that could not run wrote %q", out)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			var sum struct {
				Type    string
				Matched int
				Items   int
			}
			json.Unmarshal([]byte(lines[len(lines)-1]), &sum)
			if sum.Type != "summary" || sum.Matched != tc.matched || sum.Items != 3 {
				t.Errorf("summary %s", lines[len(lines)-1])
			}
		})
	}
	// The evidence tree holds exactly what it held before.
	entries := 0
	filepath.Walk(ev, func(string, os.FileInfo, error) error { entries++; return nil })
	if entries != 5 {
		t.Errorf("evidence tree now has %d entries", entries)
	}
}

func TestScanReportFileSidecarAndUnmatched(t *testing.T) {
	ev := evidenceTree(t)
	db := t.TempDir()
	importList(t, db, "cases.txt", hashset.Alert, md5hex("listed content")+"  a.jpg\n")
	outDir := t.TempDir()
	rep, unm := filepath.Join(outDir, "report.jsonl"), filepath.Join(outDir, "unmatched.csv")
	_, errOut, code := run(t, newScanCmd, "--no-progress", "--db", db, "--report", rep, "--unmatched", unm, ev)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	body, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	side, _ := os.ReadFile(rep + ".sha256")
	if string(side) != hex.EncodeToString(sum[:])+"  report.jsonl\n" {
		t.Errorf("sidecar %q does not verify the report", side)
	}
	if !strings.Contains(errOut, hex.EncodeToString(sum[:])) {
		t.Errorf("the report digest is not in the run log: %q", errOut)
	}
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
	}
	if len(recs) != 3 || recs[0]["type"] != "scan" || recs[1]["path"] != filepath.Join(ev, "a.txt") || recs[2]["type"] != "summary" {
		t.Errorf("records %v", recs)
	}
	u, _ := os.ReadFile(unm)
	// Rows are sorted by path, whatever order items finish in.
	rows := strings.Split(strings.TrimSuffix(string(u), "\n"), "\n")
	want := "path,size,md5\n" + filepath.Join(ev, "sub/b.txt") + ",13," + md5hex("other content") + "\n" +
		filepath.Join(ev, "sub/c.txt") + ",13," + md5hex("known content") + "\n"
	if strings.Join(rows, "\n")+"\n" != want {
		t.Errorf("unmatched list\n got %q\nwant %q", u, want)
	}
	if _, err := os.Stat(unm + ".sha256"); err != nil {
		t.Error("no sidecar for the unmatched list")
	}
}

// hash's CSV imports back as a list, and a scan with it matches every file.
func TestHashRoundTrip(t *testing.T) {
	ev := evidenceTree(t)
	out, errOut, code := run(t, newHashCmd, "--algo", "sha256,md5", ev)
	if code != 0 {
		t.Fatalf("hash exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "path,size,sha256,md5" || len(lines) != 4 || !strings.HasPrefix(lines[1], filepath.Join(ev, "a.txt")+",14,") {
		t.Fatalf("hash output %q", out)
	}
	db := t.TempDir()
	importList(t, db, "hashed.csv", hashset.Alert, out)
	rep, _, code := run(t, newScanCmd, "--no-progress", "--db", db, ev)
	if code != 1 || strings.Count(rep, `"type":"match"`) != 3 {
		t.Errorf("exit %d, report %s", code, rep)
	}
	for _, id := range []string{"a.txt", "b.txt", "c.txt"} {
		if !strings.Contains(rep, id) {
			t.Errorf("report lacks %s", id)
		}
	}
}

func TestHashFormats(t *testing.T) {
	ev := evidenceTree(t)
	out, _, code := run(t, newHashCmd, "--format", "hashdeep", "--algo", "md5", ev)
	if code != 0 || !strings.HasPrefix(out, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n## Invoked from: ") ||
		!strings.Contains(out, "\n14,"+md5hex("listed content")+","+filepath.Join(ev, "a.txt")+"\n") {
		t.Errorf("hashdeep output %q", out)
	}
	out, _, _ = run(t, newHashCmd, "--format", "jsonl", "--algo", "md5", filepath.Join(ev, "a.txt"))
	if out != `{"path":"`+filepath.Join(ev, "a.txt")+`","size":14,"md5":"`+md5hex("listed content")+"\"}\n" {
		t.Errorf("jsonl output %q", out)
	}
	if _, errOut, code := run(t, newHashCmd, "--algo", "crc32", ev); code != 3 || !strings.Contains(errOut, "crc32") {
		t.Errorf("bad algo: exit %d %q", code, errOut)
	}
	if _, _, code := run(t, newHashCmd, filepath.Join(ev, "missing")); code != 3 {
		t.Errorf("missing path: exit %d", code)
	}
}

// TestScanUnmatchedDeterministic: the --unmatched list of many files is
// byte-identical whether one or several workers read them (forensic
// practice §2.7: a third party must get the same result), sorted by path,
// and no temporary sort file is left beside it.
func TestScanUnmatchedDeterministic(t *testing.T) {
	ev := t.TempDir()
	for i := 0; i < 300; i++ {
		// Sizes vary so that items finish out of walk order.
		dir := filepath.Join(ev, fmt.Sprintf("d%d", i%7))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", (i*37)%300)), bytes.Repeat([]byte{byte(i)}, 1+(i*7919)%200000), 0o644)
	}
	db := t.TempDir()
	importList(t, db, "cases.txt", hashset.Alert, md5hex("not in the evidence")+"  x.jpg\n")
	var lists []string
	for _, jobs := range []string{"1", "4"} {
		outDir := t.TempDir()
		unm := filepath.Join(outDir, "unmatched.csv")
		_, errOut, code := run(t, newScanCmd, "--no-progress", "--db", db, "--jobs", jobs, "--report", filepath.Join(outDir, "r.jsonl"), "--unmatched", unm, ev)
		if code != 0 {
			t.Fatalf("--jobs %s: exit %d: %s", jobs, code, errOut)
		}
		b, err := os.ReadFile(unm)
		if err != nil {
			t.Fatal(err)
		}
		lists = append(lists, string(b))
		entries, _ := os.ReadDir(outDir)
		if len(entries) != 4 { // r.jsonl, r.jsonl.sha256, unmatched.csv, unmatched.csv.sha256
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("--jobs %s: output directory holds %v", jobs, names)
		}
	}
	if lists[0] != lists[1] {
		t.Error("--unmatched lists of --jobs 1 and --jobs 4 differ")
	}
	rows := strings.Split(strings.TrimSuffix(lists[0], "\n"), "\n")[1:]
	if len(rows) != 300 || !sort.StringsAreSorted(rows) {
		t.Errorf("%d rows, sorted %v; want 300 sorted by path", len(rows), sort.StringsAreSorted(rows))
	}
}
