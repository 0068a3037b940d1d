package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/hashset"
)

// cli runs hashtriage with args in-process and returns stdout, stderr and the exit status.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func md5Hex(s string) string  { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha1Hex(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func writeList(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSetsWorkflow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	cases := writeList(t, "cases.md5", md5Hex("bad one")+"  one.jpg\n"+md5Hex("bad two")+"  two.jpg\n"+md5Hex("")+"  empty.jpg\n")
	nsrl := writeList(t, "nsrl.sha1", sha1Hex("good")+"  kernel32.dll\n")

	out, errOut, code := cli(t, "sets", "import", "--db", db, cases)
	if code != 0 || !strings.Contains(out, `imported `+cases+` as "cases" (alert, md5sum format): 2 entries (md5 2)`) ||
		!strings.Contains(out, "1 empty-input md5") || !strings.Contains(errOut, "empty input") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = cli(t, "sets", "import", "--db", db, "--kind", "known", "--name", "NSRL", nsrl)
	if code != 0 || !strings.Contains(out, `as "NSRL" (known`) {
		t.Fatalf("import known: %d %s", code, out)
	}
	out, _, code = cli(t, "sets", "import", "--db", db, "--name", "again", cases)
	if code != 0 || !strings.Contains(out, `already imported as "cases"`) {
		t.Errorf("re-import: %d %s", code, out)
	}

	out, _, code = cli(t, "sets", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "NSRL") || !strings.Contains(out, "cases") || !strings.Contains(out, "md5:2") {
		t.Errorf("list: %d\n%s", code, out)
	}
	out, _, code = cli(t, "sets", "list", "--db", db, "--json")
	var sets []hashset.SetInfo
	if err := json.Unmarshal([]byte(out), &sets); err != nil || code != 0 || len(sets) != 2 || sets[1].Name != "cases" || sets[1].Dropped.EmptyInput["md5"] != 1 {
		t.Errorf("list --json: %d %v\n%s", code, err, out)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"md5 hit", []string{md5Hex("bad two")}, 0, []string{"cases", "alert", "two.jpg"}},
		{"upper case and alg prefix", []string{"MD5:" + strings.ToUpper(md5Hex("bad one"))}, 0, []string{"one.jpg"}},
		{"known hit", []string{sha1Hex("good")}, 0, []string{"NSRL", "known", "kernel32.dll"}},
		{"one hit one miss", []string{md5Hex("nothing"), md5Hex("bad one")}, 0, []string{"(no match)", "one.jpg"}},
		{"miss", []string{md5Hex("nothing")}, 1, []string{"(no match)"}},
		{"64 hex is sha256 and pdq", []string{strings.Repeat("ab", 32)}, 1, []string{"sha256|pdq"}},
		{"empty digest was dropped", []string{md5Hex("")}, 1, []string{"(no match)"}},
		{"bad hex", []string{"xyz"}, 3, nil},
		{"photodna", []string{"photodna:00"}, 3, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := cli(t, append([]string{"sets", "lookup", "--db", db}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	out, _, _ = cli(t, "sets", "lookup", "--db", db, "--json", md5Hex("bad one"))
	var rec lookupRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil || len(rec.Matches) != 1 || rec.Matches[0].ID != "one.jpg" || rec.Algorithm != "md5" {
		t.Errorf("lookup --json: %v %s", err, out)
	}

	out, _, code = cli(t, "sets", "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "2 sets verified") {
		t.Errorf("verify: %d %s", code, out)
	}
	_, errOut, code = cli(t, "sets", "remove", "--db", db, "NSRL", "nope")
	if code != 3 || !strings.Contains(errOut, `"nope"`) {
		t.Errorf("remove unknown: %d %s", code, errOut)
	}
	out, _, code = cli(t, "sets", "remove", "--db", db, "NSRL")
	if code != 0 || !strings.Contains(out, `removed "NSRL"`) {
		t.Errorf("remove: %d %s", code, out)
	}
	if _, _, code = cli(t, "sets", "lookup", "--db", db, sha1Hex("good")); code != 1 {
		t.Errorf("lookup after remove: exit %d", code)
	}
}

func TestSetsImportErrors(t *testing.T) {
	db := t.TempDir()
	bad := writeList(t, "bad.md5", md5Hex("a")+"  a\nthis is not a hash line\n"+md5Hex("b")+"  b\n")
	_, errOut, code := cli(t, "sets", "import", "--db", db, bad)
	if code != 3 || !strings.Contains(errOut, "bad.md5:2") {
		t.Errorf("malformed line: exit %d\n%s", code, errOut)
	}
	if out, _, _ := cli(t, "sets", "list", "--db", db, "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("failed import left sets: %s", out)
	}
	out, errOut, code := cli(t, "sets", "import", "--db", db, "--skip-invalid", bad)
	if code != 0 || !strings.Contains(out, "1 malformed lines") || !strings.Contains(errOut, "skipped 1 malformed") {
		t.Errorf("--skip-invalid: exit %d\n%s\n%s", code, out, errOut)
	}
	two := writeList(t, "two.md5", md5Hex("c")+"\n")
	if _, errOut, code := cli(t, "sets", "import", "--db", db, "--name", "x", two, bad); code != 3 || !strings.Contains(errOut, "--name") {
		t.Errorf("--name with two files: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, "sets", "import", "--db", db, "--kind", "maybe", two); code != 3 || !strings.Contains(errOut, "kind") {
		t.Errorf("bad kind: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, "sets", "import", "--db", db, filepath.Join(db, "missing.txt")); code != 3 || !strings.Contains(errOut, "missing.txt") {
		t.Errorf("missing file: %d %s", code, errOut)
	}
}

func TestSetsVerifyDamage(t *testing.T) {
	db := t.TempDir()
	list := writeList(t, "l.md5", md5Hex("a")+"\n"+md5Hex("b")+"\n")
	if _, errOut, code := cli(t, "sets", "import", "--db", db, list); code != 0 {
		t.Fatal(errOut)
	}
	segs, _ := filepath.Glob(filepath.Join(db, "*.htseg"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)-40] ^= 0xff
	os.WriteFile(segs[0], b, 0o644)
	os.WriteFile(filepath.Join(db, ".tmp-segment-99"), []byte("x"), 0o644)
	out, errOut, code := cli(t, "sets", "verify", "--db", db)
	if code != 3 || !strings.Contains(out, "FAILED  l: ") || !strings.Contains(out, segs[0]) || !strings.Contains(out, ".tmp-segment-99") {
		t.Errorf("verify of a damaged segment: %d\n%s\n%s", code, out, errOut)
	}
	os.Remove(segs[0])
	_, errOut, code = cli(t, "sets", "lookup", "--db", db, md5Hex("a"))
	if code != 3 || !strings.Contains(errOut, "missing") || !strings.Contains(errOut, filepath.Base(segs[0])) {
		t.Errorf("lookup with a missing segment: %d %s", code, errOut)
	}
}

func TestSetsDatabaseLocation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env-db")
	t.Setenv(hashset.EnvDB, db)
	list := writeList(t, "l.md5", md5Hex("a")+"\n")
	if _, errOut, code := cli(t, "sets", "import", list); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(filepath.Join(db, "catalog.json")); err != nil {
		t.Errorf("$%s not used: %v", hashset.EnvDB, err)
	}
	if _, _, code := cli(t, "sets", "lookup", "--db", filepath.Join(t.TempDir(), "none"), md5Hex("a")); code != 3 {
		t.Errorf("lookup in a missing database: exit %d", code)
	}
	if out, _, code := cli(t, "sets", "--db", db, "lookup", md5Hex("a")); code != 0 || !strings.Contains(out, "l ") {
		t.Errorf("--db before the subcommand: %d %s", code, out)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := cli(t, "version")
	if code != 0 || !strings.Contains(out, "hashtriage ") || !strings.Contains(out, "go:") || !strings.Contains(out, "commit:") {
		t.Errorf("version: %d %s", code, out)
	}
	out, _, code = cli(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "hashtriage ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: %d %s", code, out)
	}
	if _, errOut, code := cli(t, "no-such-command"); code != 3 || errOut == "" {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

// NCMEC deletion records name ids: the sample's two name records that are
// not in it, and sets import says so on both outputs instead of dropping
// them silently as unmatchable entries.
func TestSetsImportReportsNCMECDeletions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	list := filepath.Join("..", "..", "hashset", "testdata", "lists", "ncmec", "hashsharing-v2-entries-example.xml")
	out, errOut, code := cli(t, "sets", "import", "--db", db, list)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"4 entries (md5 2, sha1 2)", "2 deletion records naming entries not in this list", "1 PhotoDNA values present"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "unmatchable unknown") {
		t.Errorf("deletion records reported as unmatchable entries:\n%s", out)
	}
	if !strings.Contains(errOut, "warning: hashsharing-v2-entries-example.xml: 2 deletion records named entries not in this list") {
		t.Errorf("import warnings lack the unmatched deletions:\n%s", errOut)
	}
}
