package main

// End-to-end tests of issue 5: the hash lists of testdata/e2e are imported
// into a fresh set database with "sets import", and "scan" runs over the
// E01, split E01, raw and corrupted E01 images of the same planted disk
// (see testdata/e2e/make-fixtures.sh for what is planted where).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/evidence/ewf"
	"github.com/hashtriage/hashtriage/internal/fixture"
)

const e2eDir = "../../testdata/e2e"

// e2eRecord is one JSON Lines record of a scan report, with the fields
// these tests look at.
type e2eRecord struct {
	Type    string `json:"type"`
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	MD5     string `json:"md5"`
	Matches []struct {
		Set       string `json:"set"`
		Kind      string `json:"kind"`
		Algorithm string `json:"algorithm"`
		ID        string `json:"id"`
	} `json:"matches"`
	FileSystem string `json:"file_system"`
	Inode      uint64 `json:"inode"`
	Deleted    bool   `json:"deleted"`
	Stream     string `json:"stream"`
	Modified   string `json:"modified"`
	Accessed   string `json:"accessed"`
	Changed    string `json:"changed"`
	Created    string `json:"created"`
	Error      string `json:"error"`

	// summary
	Items    int64 `json:"items"`
	Matched  int64 `json:"matched"`
	Known    int64 `json:"known"`
	Errors   int64 `json:"errors"`
	Skipped  int64 `json:"skipped"`
	ExitCode int   `json:"exit_code"`

	raw string // the record as written
}

// e2eReport is a parsed scan report.
type e2eReport struct {
	code    int
	header  e2eRecord
	matches []e2eRecord
	errors  []e2eRecord
	summary e2eRecord
	stderr  string
}

// e2eDB imports the named lists of testdata/e2e ("alert.md5", "known.md5")
// into a new database through the CLI and returns its directory.
func e2eDB(t *testing.T, lists ...string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "db")
	for _, l := range lists {
		kind := strings.TrimSuffix(l, ".md5")
		var out, errOut bytes.Buffer
		code := execute(context.Background(), []string{"sets", "import", "--db", db, "--kind", kind, "--name", "e2e-" + kind,
			filepath.Join(e2eDir, l)}, &out, &errOut)
		if code != 0 {
			t.Fatalf("sets import %s: exit %d\n%s%s", l, code, out.String(), errOut.String())
		}
	}
	return db
}

// e2eScan runs "hashtriage scan" with a report file and parses the report.
func e2eScan(t *testing.T, db string, args ...string) e2eReport {
	t.Helper()
	rep := filepath.Join(t.TempDir(), "report.jsonl")
	var out, errOut bytes.Buffer
	argv := append([]string{"scan", "--db", db, "--report", rep, "--no-progress"}, args...)
	r := e2eReport{code: execute(context.Background(), argv, &out, &errOut), stderr: errOut.String()}
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatalf("scan %v: exit %d, no report: %v\n%s", args, r.code, err, errOut.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec e2eRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		rec.raw = sc.Text()
		switch rec.Type {
		case "scan":
			r.header = rec
		case "match":
			r.matches = append(r.matches, rec)
		case "error":
			r.errors = append(r.errors, rec)
		case "summary":
			r.summary = rec
		default:
			t.Errorf("report record of unknown type: %s", sc.Text())
		}
	}
	return r
}

// gunzipTo unpacks testdata/e2e/name.gz into dir/name and returns that path.
func gunzipTo(t *testing.T, dir, name string) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	fixture.GunzipTo(t, filepath.Join(e2eDir, name+".gz"), dst)
	return dst
}

// plantedMatch is a match the fixture must produce, by locator below the image.
type plantedMatch struct {
	inner   string // locator after "IMAGE!"
	id      string // entry of alert.md5
	fs      string // "" for archive members: no file-system metadata
	deleted bool
	stream  string // NTFS alternate data stream
	mtime   bool   // modified is the fixture's SOURCE_DATE_EPOCH (ntfscp sets the current time)
}

// planted are the alert files of testdata/e2e, sorted by locator. The FAT
// entry of the deleted erased.jpg has lost its first letter (0xE5 marks
// it deleted), so it is listed as _rased.jpg, as The Sleuth Kit's fls
// lists it. Inode (MFT entry) numbers are checked against fls.txt.
var planted = []plantedMatch{
	{inner: "p1/photos/_rased.jpg", id: "erased.jpg", fs: "fat16", deleted: true, mtime: true},
	{inner: "p1/photos/alert.jpg", id: "alert.jpg", fs: "fat16", mtime: true},
	{inner: "p2/home/user/archive/outer.7z!inner.zip!pic.jpg", id: "pic.jpg", mtime: true},
	{inner: "p2/home/user/tmp/wiped.jpg", id: "wiped.jpg", fs: "ext4", deleted: true, mtime: true},
	{inner: "p3/ntfs-alert.jpg", id: "ntfs-alert.jpg", fs: "ntfs"},
	{inner: "p3/report.txt:hidden", id: "ads-alert.jpg", fs: "ntfs", stream: "hidden"},
}

// flsFile is one regular file of fls.txt.
type flsFile struct {
	inode   uint64
	deleted bool
}

// flsListing reads fls.txt (The Sleuth Kit's fls -r -p of both
// partitions, made by make-fixtures.sh): the regular files by locator
// below the image ("p1/docs/manual.txt", "p3/report.txt:hidden"). TSK's
// virtual files, NTFS metadata files ($MFT, …) and the FAT volume label are
// left out: they are not user files, and the scan does not list them.
func flsListing(t *testing.T) map[string]flsFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "fls.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// "p3\tr/r 65-128-4:\treport.txt:hidden": NTFS adds attribute type and id.
	line := regexp.MustCompile(`^(p\d+)\tr/r (\* )?(\d+)(?:-\d+-\d+)?:\t(.*)$`)
	out := map[string]flsFile{}
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil || strings.HasSuffix(m[4], "(Volume Label Entry)") || strings.HasPrefix(path.Base(m[4]), "$") {
			continue
		}
		n, _ := strconv.ParseUint(m[3], 10, 64)
		out[m[1]+"/"+m[4]] = flsFile{inode: n, deleted: m[2] != ""}
	}
	return out
}

// fixtureTime is SOURCE_DATE_EPOCH of make-fixtures.sh: every planted file's
// modification time.
const fixtureTime = "2023-11-14T22:13:20Z"

// checkPlanted checks that r reports exactly the planted matches inside
// image (its locator), with their metadata, and nothing else.
func checkPlanted(t *testing.T, r e2eReport, image string) {
	t.Helper()
	md5s := alertMD5s(t)
	fls := flsListing(t)
	if len(r.matches) != len(planted) {
		t.Errorf("%s: %d match records, want %d:\n%s", image, len(r.matches), len(planted), rawLines(r.matches))
	}
	for i, want := range planted {
		if i >= len(r.matches) {
			t.Errorf("%s: missing match %s!%s", image, image, want.inner)
			continue
		}
		got := r.matches[i]
		if got.Path != image+"!"+want.inner {
			t.Errorf("match %d: path %q, want %q", i, got.Path, image+"!"+want.inner)
			continue
		}
		if got.MD5 != md5s[want.id] {
			t.Errorf("%s: md5 %s, want %s (%s)", got.Path, got.MD5, md5s[want.id], want.id)
		}
		if len(got.Matches) != 1 || got.Matches[0].Kind != "alert" || got.Matches[0].ID != want.id || got.Matches[0].Set != "e2e-alert" {
			t.Errorf("%s: matches %+v, want the e2e-alert entry %s", got.Path, got.Matches, want.id)
		}
		if want.fs != "" {
			if got.FileSystem != want.fs {
				t.Errorf("%s: file_system %q, want %q", got.Path, got.FileSystem, want.fs)
			}
			if got.Stream != want.stream {
				t.Errorf("%s: stream %q, want %q", got.Path, got.Stream, want.stream)
			}
		}
		if want.mtime && got.Modified != fixtureTime || got.Modified == "" {
			t.Errorf("%s: modified %q, want %s", got.Path, got.Modified, fixtureTime)
		}
		if got.Deleted != want.deleted {
			t.Errorf("%s: deleted %v, want %v", got.Path, got.Deleted, want.deleted)
		}
		if f, ok := fls[want.inner]; want.fs != "" && (!ok || got.Inode != f.inode || f.deleted != want.deleted) {
			t.Errorf("%s: inode %d; fls lists %+v (listed: %v)", got.Path, got.Inode, f, ok)
		}
	}
}

func rawLines(recs []e2eRecord) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// alertMD5s reads alert.md5: entry name to digest.
func alertMD5s(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "alert.md5"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		m[f[1]] = f[0]
	}
	return m
}

// portableMatches returns the match records of r as JSON text, with the image
// locator replaced by IMAGE.
func portableMatches(t *testing.T, r e2eReport, image string) []string {
	t.Helper()
	var out []string
	for _, m := range r.matches {
		if !strings.HasPrefix(m.Path, image+"!") {
			t.Errorf("match %s is not inside %s", m.Path, image)
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(m.raw), &rec); err != nil {
			t.Fatal(err)
		}
		rec["path"] = "IMAGE" + strings.TrimPrefix(m.Path, image)
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func TestE2EScanE01(t *testing.T) {
	db := e2eDB(t, "alert.md5", "known.md5")
	image := filepath.Join(e2eDir, "disk.E01")
	unmatched := filepath.Join(t.TempDir(), "unmatched.csv")
	before, beforeSt := fileDigest(t, image)
	r := e2eScan(t, db, "--unmatched", unmatched, image)
	if after, afterSt := fileDigest(t, image); after != before || !afterSt.ModTime().Equal(beforeSt.ModTime()) {
		t.Errorf("the scan changed the evidence %s", image)
	}
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (alert matches)\n%s", r.code, r.stderr)
	}
	checkPlanted(t, r, image)
	if len(r.errors) != 0 {
		t.Errorf("error records from an intact image:\n%s", rawLines(r.errors))
	}
	if s := r.summary; s.Matched != int64(len(planted)) || s.Known != 2 || s.Errors != 0 || s.ExitCode != 1 {
		t.Errorf("summary %s: want matched %d, known 2 (manual.txt, known.dll), errors 0, exit_code 1", s.raw, len(planted))
	}
	checkListing(t, r, image, unmatched)

	// The disk has space no file system covers (sectors 1-2047) and free
	// clusters and blocks: the summary must say what was not examined,
	// and the disk's own "unexamined" item is not a skipped file.
	if r.summary.Skipped != 0 || !strings.Contains(r.summary.raw, `"not_examined"`) {
		t.Errorf("summary %s: want skipped 0 and not_examined naming the unexamined space (unpartitioned sectors, free clusters)", r.summary.raw)
	}
}

// plantedMD5s reads files.md5: the md5 of each file planted in the
// partitions, by locator below the image ("p3/report.txt:hidden").
func plantedMD5s(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "files.md5"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if sum, name, ok := strings.Cut(l, "  "); ok && strings.HasPrefix(name, "p") && !strings.Contains(name, " ") {
			m[name] = sum
		}
	}
	if len(m) < 10 {
		t.Fatalf("files.md5 names %d planted files, want at least 10", len(m))
	}
	return m
}

// fileDigest returns the SHA-256 and the stat of a file.
func fileDigest(t *testing.T, p string) (string, os.FileInfo) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data)), st
}

// checkListing compares the files the scan saw in the partitions (match
// records, the --unmatched list, and the known count) with The Sleuth
// Kit's listing: every regular file fls lists, deleted ones included, is
// scanned, and nothing else.
func checkListing(t *testing.T, r e2eReport, image, unmatchedCSV string) {
	t.Helper()
	fls := flsListing(t)
	seen := map[string]bool{}
	add := func(p string) {
		inner, ok := strings.CutPrefix(p, image+"!")
		if !ok {
			t.Errorf("item %s is not inside %s", p, image)
			return
		}
		if !strings.Contains(inner, "!") { // not an archive member
			seen[inner] = true
		}
	}
	for _, m := range r.matches {
		add(m.Path)
	}
	data, err := os.ReadFile(unmatchedCSV)
	if err != nil {
		t.Fatal(err)
	}
	planted := plantedMD5s(t)
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if i == 0 { // header: path,size,md5
			continue
		}
		f := strings.Split(l, ",")
		add(f[0])
		// The bytes read from the image are the bytes planted.
		if want, ok := planted[strings.TrimPrefix(f[0], image+"!")]; ok && f[2] != want {
			t.Errorf("%s: md5 %s, but the planted file's md5 is %s", f[0], f[2], want)
		}
	}
	var missing []string
	for p := range fls {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	for p := range seen {
		if _, ok := fls[p]; !ok {
			t.Errorf("scan reports %s!%s, which fls does not list", image, p)
		}
	}
	if int64(len(missing)) != r.summary.Known {
		t.Errorf("fls lists %d files the scan neither matched nor listed as unmatched: %v; only the %d known ones may be missing", len(missing), missing, r.summary.Known)
	}
}

// TestE2ESplitE01 scans the directory holding the split image: the first
// segment reads the whole set, the later ones add nothing and no errors.
func TestE2ESplitE01(t *testing.T) {
	db := e2eDB(t, "alert.md5", "known.md5")
	dir := t.TempDir()
	segs, _ := filepath.Glob(filepath.Join(e2eDir, "disk-split.E*.gz"))
	if len(segs) < 2 {
		t.Fatalf("split fixture has %d segments", len(segs))
	}
	for _, s := range segs {
		gunzipTo(t, dir, strings.TrimSuffix(filepath.Base(s), ".gz"))
	}
	whole := e2eScan(t, db, filepath.Join(e2eDir, "disk.E01"))
	r := e2eScan(t, db, dir)
	image := filepath.Join(dir, "disk-split.E01")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s", r.code, r.stderr)
	}
	checkPlanted(t, r, image)
	if len(r.errors) != 0 {
		t.Errorf("error records from an intact split image:\n%s", rawLines(r.errors))
	}
	if got, want := portableMatches(t, r, image), portableMatches(t, whole, filepath.Join(e2eDir, "disk.E01")); !reflect.DeepEqual(got, want) {
		t.Errorf("split image matches\n%s\nsingle-segment image matches\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.summary.Known != whole.summary.Known || r.summary.Items != whole.summary.Items {
		t.Errorf("split summary %s\nsingle summary %s", r.summary.raw, whole.summary.raw)
	}
}

// TestE2ERawImage: the raw disk the E01 was acquired from gives the same
// match records, locators differing only in the image name.
func TestE2ERawImage(t *testing.T) {
	db := e2eDB(t, "alert.md5", "known.md5")
	raw := gunzipTo(t, t.TempDir(), "disk.img")
	r := e2eScan(t, db, raw)
	e01 := e2eScan(t, db, filepath.Join(e2eDir, "disk.E01"))
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s", r.code, r.stderr)
	}
	checkPlanted(t, r, raw)
	if got, want := portableMatches(t, r, raw), portableMatches(t, e01, filepath.Join(e2eDir, "disk.E01")); !reflect.DeepEqual(got, want) {
		t.Errorf("raw image matches\n%s\nE01 matches\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.summary.Items != e01.summary.Items || r.summary.Known != e01.summary.Known || r.summary.Errors != e01.summary.Errors {
		t.Errorf("raw summary %s\nE01 summary %s", r.summary.raw, e01.summary.raw)
	}
}

// corruptRange reads testdata/e2e/corrupt.range: the media bytes (first,
// last, inclusive) of the chunk make-fixtures.sh broke.
func corruptRange(t *testing.T) (int64, int64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "corrupt.range"))
	if err != nil {
		t.Fatal(err)
	}
	var first, last int64
	if _, err := fmt.Sscan(string(data), &first, &last); err != nil {
		t.Fatalf("corrupt.range: %v", err)
	}
	return first, last
}

// TestE2ECorruptE01: the one broken chunk lies inside docs/big-log.txt
// (and nothing else), so that file, and only it, is an error record naming
// the chunk's media range; every other item is read as from the intact
// image.
func TestE2ECorruptE01(t *testing.T) {
	first, last := corruptRange(t)
	image := gunzipTo(t, t.TempDir(), "corrupt.E01")
	wantErr := []string{image + "!p1/docs/big-log.txt"}
	rangeText := fmt.Sprintf("%d-%d", first, last)

	checkErrors := func(r e2eReport) {
		t.Helper()
		var paths []string
		for _, e := range r.errors {
			paths = append(paths, e.Path)
			if !strings.Contains(e.Error, rangeText) {
				t.Errorf("error record %s does not name the broken media bytes %s", e.raw, rangeText)
			}
		}
		if !reflect.DeepEqual(paths, wantErr) {
			t.Errorf("error records\n%s\nwant one for each of %v", rawLines(r.errors), wantErr)
		}
	}

	t.Run("alert", func(t *testing.T) {
		db := e2eDB(t, "alert.md5", "known.md5")
		r := e2eScan(t, db, image)
		if r.code != 1 {
			t.Errorf("exit status %d, want 1 (the planted matches lie outside the broken chunk)\n%s", r.code, r.stderr)
		}
		checkPlanted(t, r, image)
		checkErrors(r)
	})
	t.Run("known-only", func(t *testing.T) {
		db := e2eDB(t, "known.md5")
		r := e2eScan(t, db, image)
		if r.code != 2 {
			t.Errorf("exit status %d, want 2 (no alert match, one item unreadable)\n%s", r.code, r.stderr)
		}
		if len(r.matches) != 0 {
			t.Errorf("match records with only a known set loaded:\n%s", rawLines(r.matches))
		}
		checkErrors(r)
		if r.summary.Known != 2 || r.summary.Errors != int64(len(wantErr)) {
			t.Errorf("summary %s: want known 2, errors %d", r.summary.raw, len(wantErr))
		}
	})
	t.Run("ewfverify", func(t *testing.T) {
		if _, err := exec.LookPath("ewfverify"); err != nil {
			t.Skip("ewfverify (ewf-tools) not installed")
		}
		out, _ := exec.Command("ewfverify", "-q", image).CombinedOutput() // exits 1 on a failed check
		m := regexp.MustCompile(`at sector\(s\): (\d+) - (\d+)`).FindAllStringSubmatch(string(out), -1)
		if len(m) != 1 {
			t.Fatalf("ewfverify reports %d broken ranges, want 1:\n%s", len(m), out)
		}
		s, _ := strconv.ParseInt(m[0][1], 10, 64)
		e, _ := strconv.ParseInt(m[0][2], 10, 64)
		if s*512 != first || (e+1)*512-1 != last {
			t.Errorf("ewfverify: sectors %d-%d, corrupt.range says bytes %d-%d", s, e, first, last)
		}
	})
}

// fixtureSums reads disk.sums: md5 and sha1 of the raw disk.
func fixtureSums(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eDir, "disk.sums"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		m[f[0]] = f[1]
	}
	return m
}

// ewfverifyMD5 runs ewfverify on image and returns the MD5 it computed
// over the media, or skips the test when ewfverify is not installed.
func ewfverifyMD5(t *testing.T, image string) string {
	t.Helper()
	if _, err := exec.LookPath("ewfverify"); err != nil {
		t.Skip("ewfverify (ewf-tools) not installed")
	}
	out, err := exec.Command("ewfverify", "-q", "-d", "sha1", image).CombinedOutput()
	if err != nil {
		t.Fatalf("ewfverify %s: %v\n%s", image, err, out)
	}
	m := regexp.MustCompile(`MD5 hash calculated over data:\s+([0-9a-f]{32})`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("ewfverify output has no calculated MD5:\n%s", out)
	}
	return string(m[1])
}

// TestE2EImageVerification: the project's EWF reader computes the same
// media MD5 as ewfverify and as md5sum of the raw disk, and finds the
// stored hashes and header fields make-fixtures.sh set.
func TestE2EImageVerification(t *testing.T) {
	sums := fixtureSums(t)
	image := filepath.Join(e2eDir, "disk.E01")
	if got := ewfverifyMD5(t, image); got != sums["md5"] {
		t.Fatalf("ewfverify computes %s, md5sum of the raw disk was %s", got, sums["md5"])
	}
	im, err := ewf.Open(image)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	res, err := im.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ewf.Verified || fmt.Sprintf("%x", res.MD5) != sums["md5"] || fmt.Sprintf("%x", res.SHA1) != sums["sha1"] {
		t.Errorf("Verify: status %v md5 %x sha1 %x; want verified, %s, %s", res.Status, res.MD5, res.SHA1, sums["md5"], sums["sha1"])
	}
	if h := im.Header(); h.CaseNumber != "E2E-CASE-5" || h.Examiner != "E2E Examiner" || h.EvidenceNumber != "EV-E2E-1" {
		t.Errorf("header %+v", h)
	}
}

// e2eImage is the header's record of one disk image (report "images").
type e2eImage struct {
	Path           string `json:"path"`
	Format         string `json:"format"`
	MediaSize      int64  `json:"media_size"`
	CaseNumber     string `json:"case_number"`
	EvidenceNumber string `json:"evidence_number"`
	Examiner       string `json:"examiner"`
	StoredMD5      string `json:"stored_md5"`
	StoredSHA1     string `json:"stored_sha1"`
	Verification   string `json:"verification"`
	ComputedMD5    string `json:"computed_md5"`
	ComputedSHA1   string `json:"computed_sha1"`
	BadRanges      []struct {
		Offset int64 `json:"offset"`
		Length int64 `json:"length"`
		Last   int64 `json:"last"`
	} `json:"bad_ranges"`
}

func headerImages(t *testing.T, r e2eReport) []e2eImage {
	t.Helper()
	var h struct {
		Images []e2eImage `json:"images"`
	}
	if err := json.Unmarshal([]byte(r.header.raw), &h); err != nil {
		t.Fatal(err)
	}
	return h.Images
}

// TestE2EScanVerifyImage: scan --verify-image records the E01 acquisition
// header and the check of its media hashes in the scan header, and the
// check agrees with ewfverify; on the corrupted image it names exactly the
// broken chunk's range, in the header and as an error record.
func TestE2EScanVerifyImage(t *testing.T) {
	if newScanCmd().Flags().Lookup("verify-image") == nil {
		t.Skip("scan has no --verify-image flag (issue 5 asks for it)")
	}
	sums := fixtureSums(t)
	image := filepath.Join(e2eDir, "disk.E01")
	md5 := ewfverifyMD5(t, image)
	db := e2eDB(t, "alert.md5", "known.md5")
	r := e2eScan(t, db, "--verify-image", image)
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s", r.code, r.stderr)
	}
	ims := headerImages(t, r)
	if len(ims) != 1 {
		t.Fatalf("scan header lists %d images, want 1:\n%s", len(ims), r.header.raw)
	}
	im := ims[0]
	size, _ := strconv.ParseInt(sums["size"], 10, 64)
	if im.Path != image || im.Format != "e01" || im.MediaSize != size || im.Verification != "verified" ||
		im.ComputedMD5 != md5 || im.StoredMD5 != md5 || im.ComputedSHA1 != sums["sha1"] || im.StoredSHA1 != sums["sha1"] ||
		im.CaseNumber != "E2E-CASE-5" || im.EvidenceNumber != "EV-E2E-1" || im.Examiner != "E2E Examiner" || len(im.BadRanges) != 0 {
		t.Errorf("image record %+v\nwant %s verified, media %d bytes, md5 %s (ewfverify), sha1 %s, case E2E-CASE-5, evidence EV-E2E-1, examiner E2E Examiner",
			im, image, size, md5, sums["sha1"])
	}
	checkPlanted(t, r, image)
	if len(r.errors) != 0 {
		t.Errorf("error records from an intact image:\n%s", rawLines(r.errors))
	}

	corrupt := gunzipTo(t, t.TempDir(), "corrupt.E01")
	c := e2eScan(t, db, "--verify-image", corrupt)
	first, last := corruptRange(t)
	ims = headerImages(t, c)
	if len(ims) != 1 || ims[0].Verification != "mismatch" || len(ims[0].BadRanges) != 1 ||
		ims[0].BadRanges[0].Offset != first || ims[0].BadRanges[0].Last != last || ims[0].BadRanges[0].Length != last-first+1 {
		t.Errorf("image records %+v\nwant one, mismatch, with the one bad range %d-%d", ims, first, last)
	}
	// One error record for the image range, one for the file in it.
	want := []string{corrupt, corrupt + "!p1/docs/big-log.txt"}
	var got []string
	for _, e := range c.errors {
		got = append(got, e.Path)
		if !strings.Contains(e.Error, fmt.Sprintf("%d-%d", first, last)) {
			t.Errorf("error record %s does not name the broken media bytes %d-%d", e.raw, first, last)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error records\n%swant one for each of %v", rawLines(c.errors), want)
	}
}

// TestE2EZipBomb: the archive fixture's zip bomb (10 MB of zeros in 10 KB)
// is stopped by the default 1000:1 expansion-ratio limit, reported as an
// error record for the member, and the scan ends with exit status 2.
func TestE2EZipBomb(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	bomb := filepath.Join("..", "..", "evidence", "archive", "testdata", "bomb.zip")
	r := e2eScan(t, db, bomb)
	if r.code != 2 {
		t.Errorf("exit status %d, want 2\n%s", r.code, r.stderr)
	}
	if len(r.errors) != 1 || r.errors[0].Path != bomb+"!zeros.bin" || !strings.Contains(r.errors[0].Error, "limit") {
		t.Errorf("error records\n%swant one for %s!zeros.bin naming the limit", rawLines(r.errors), bomb)
	}
}

// TestE2ETextReportMarksDeleted: in the human table, a match whose content
// came from a deleted directory entry says so, and a live file does not.
func TestE2ETextReportMarksDeleted(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	var out, errOut bytes.Buffer
	code := execute(context.Background(), []string{"scan", "--db", db, "--format", "text", "--no-progress",
		filepath.Join(e2eDir, "disk.E01")}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut.String())
	}
	rows := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		for _, name := range []string{"_rased.jpg", "/alert.jpg"} {
			if strings.Contains(line, name) {
				rows[name] = line
			}
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(rows["_rased.jpg"]), "deleted") {
		t.Errorf("deleted FAT file not marked deleted in the text report: %q", rows["_rased.jpg"])
	}
	if strings.HasSuffix(strings.TrimSpace(rows["/alert.jpg"]), "deleted") || rows["/alert.jpg"] == "" {
		t.Errorf("live file row wrong: %q", rows["/alert.jpg"])
	}
}
