package hashset

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// Fixtures for formats without a public sample, generated from the layouts
// in docs/hash-list-formats.md with digests of made-up strings.

// ---- VICS ----

// fakePhotoDNA is 144 bytes of a pattern, base64: a PhotoDNA-shaped value
// that is no real PhotoDNA.
var fakePhotoDNA = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1, 2, 3}, 48))

func TestVICSSynthetic(t *testing.T) {
	m1, s1 := strings.ToUpper(md5hex("v1")), strings.ToUpper(sha1hex("v1"))
	m2 := md5hex("v2")
	m3, s3 := md5hex("v3"), sha1hex("v3")
	tests := []struct {
		name     string
		doc      string
		version  string
		meta     map[string]string
		counts   map[Algorithm]int
		ids      []string
		cats     []string
		series   []string
		sizes    []int64
		lines    []int
		photoDNA int
		unsupp   map[string]int
		errs     []int
	}{
		{name: "1.1 Cases", version: "1.1",
			doc: `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.1.xml#Cases","value":[
  {"CaseID":"{0A1B}","CaseNumber":"C-1","TotalMediaFiles":99,"Media":[
    {"MediaID":1,"Category":1,"MD5":"` + m1 + `","SHA1":"` + s1 + `","MediaSize":123,"Series":"S one","Miniature":"` + strings.Repeat("QUJD", 500) + `",
     "MediaFiles":[{"FileName":"a.jpg","FilePath":"x\\y","Deleted":"false"}],"VictimIdentified":"true"},
    {"MediaID":2,"Category":null,"MD5":"` + m2 + `","SHA1":""}
  ],"CaseMetadata":[{"PropertyName":"p","PropertyValue":"v"}]},
  {"CaseID":"{0A1C}","Media":[{"MediaID":"7","Category":"2","MD5":"` + m3 + `","MediaSize":"77"}]}
]}`,
			meta:   map[string]string{"shape": "Cases", "cases": "2"},
			counts: map[Algorithm]int{MD5: 3, SHA1: 1},
			ids:    []string{"1", "1", "2", "7"}, cats: []string{"1", "1", "", "2"},
			series: []string{"S one", "S one", "", ""}, sizes: []int64{123, 123, -1, 77}, lines: []int{1, 1, 2, 3}},
		{name: "1.3 Media with PhotoDNA", version: "1.3",
			doc: `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media","value":[
  {"MediaID":10,"Category":0,"MD5":"` + m1 + `","PhotoDNA":"` + fakePhotoDNA + `","IsDistributed":true},
  {"MediaID":11,"Category":1,"PhotoDNA":"` + fakePhotoDNA + `"}
]}`,
			meta:   map[string]string{"shape": "Media"},
			counts: map[Algorithm]int{MD5: 1}, ids: []string{"10"}, cats: []string{"0"}, photoDNA: 2},
		{name: "2.0 Media, BOM, CRLF, tabs, AlternativeHashes", version: "2.0",
			doc: "\xEF\xBB\xBF{\r\n\t\"@odata.context\": \"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media\",\r\n\t\"value\": [\r\n" +
				"\t\t{\"MediaID\": 5, \"Category\": 1, \"MD5\": \"" + m3 + "\", \"SHA1\": \"" + s3 + "\", \"AlternativeHashes\": [{\"HashName\": \"PhotoDNA\", \"HashValue\": \"" + fakePhotoDNA + "\", \"MD5\": \"" + m3 + "\"}, {\"HashName\": \"SHA256\", \"HashValue\": \"" + sha256hex("v3") + "\"}, {\"HashName\": \"Imagemark\", \"HashValue\": \"xyz\"}]}\r\n" +
				"\t],\r\n\t\"odata.count\": 1\r\n}\r\n",
			meta:   map[string]string{"profile": "US", "shape": "Media"},
			counts: map[Algorithm]int{MD5: 1, SHA1: 1, SHA256: 1}, ids: []string{"5", "5", "5"}, photoDNA: 1,
			unsupp: map[string]int{"imagemark": 1}},
		{name: "2.0 UK Cases", version: "2.0",
			doc:    `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases","value":[{"CaseID":"{X}","Media":[{"MediaID":1,"MD5":"` + m2 + `","Category":3}]}]}`,
			meta:   map[string]string{"profile": "UK", "shape": "Cases", "cases": "1"},
			counts: map[Algorithm]int{MD5: 1}, cats: []string{"3"}},
		{name: "malformed records", version: "1.2",
			doc: `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[
  {"MediaID":1,"MD5":"` + m1[:30] + `"},
  {"MediaID":2,"MD5":123},
  {"MediaID":3,"MD5":"` + m3 + `","SHA1":"nothex` + s3[6:] + `"},
  {"MediaID":4},
  "not an object",
  {"MediaID":6,"MD5":"` + m2 + `"}
]}`,
			counts: map[Algorithm]int{MD5: 2}, ids: []string{"3", "6"}, lines: []int{3, 6}, errs: []int{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "x.json", []byte(tt.doc))
			if f, err := DetectFormat(p); err != nil || f.Name != "vics" {
				t.Fatalf("DetectFormat = %v, %v", f, err)
			}
			r := openAndDrain(t, p, "auto")
			if got := r.counts(); !maps.Equal(got, tt.counts) {
				t.Errorf("counts %v, want %v", got, tt.counts)
			}
			if r.info.FormatVersion != tt.version || r.info.PhotoDNA != tt.photoDNA {
				t.Errorf("version %q photoDNA %d, want %q %d", r.info.FormatVersion, r.info.PhotoDNA, tt.version, tt.photoDNA)
			}
			for k, v := range tt.meta {
				if r.info.Metadata[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, r.info.Metadata[k], v)
				}
			}
			if !maps.Equal(r.info.Unsupported, tt.unsupp) {
				t.Errorf("unsupported %v, want %v", r.info.Unsupported, tt.unsupp)
			}
			checkFields(t, r, tt.ids, tt.cats, tt.series, tt.sizes, tt.lines)
			checkErrorLines(t, r, p, tt.errs)
		})
	}
}

func checkFields(t *testing.T, r *listResult, ids, cats, series []string, sizes []int64, lines []int) {
	t.Helper()
	var gotIDs, gotCats, gotSeries []string
	var gotSizes []int64
	var gotLines []int
	for _, e := range r.entries {
		gotIDs, gotCats, gotSeries = append(gotIDs, e.ID), append(gotCats, e.Category), append(gotSeries, e.Series)
		gotSizes, gotLines = append(gotSizes, e.Size), append(gotLines, e.Line)
	}
	if ids != nil && !slices.Equal(gotIDs, ids) {
		t.Errorf("ids %q, want %q", gotIDs, ids)
	}
	if cats != nil && !slices.Equal(gotCats, cats) {
		t.Errorf("categories %q, want %q", gotCats, cats)
	}
	if series != nil && !slices.Equal(gotSeries, series) {
		t.Errorf("series %q, want %q", gotSeries, series)
	}
	if sizes != nil && !slices.Equal(gotSizes, sizes) {
		t.Errorf("sizes %v, want %v", gotSizes, sizes)
	}
	if lines != nil && !slices.Equal(gotLines, lines) {
		t.Errorf("lines %v, want %v", gotLines, lines)
	}
}

// checkErrorLines checks that r's parse errors came on the lines (or
// records) want, each naming file p and its line: "p:line: ...".
func checkErrorLines(t *testing.T, r *listResult, p string, want []int) {
	t.Helper()
	var lines []int
	for _, pe := range r.perrs {
		lines = append(lines, pe.Line)
		if prefix := fmt.Sprintf("%s:%d: ", p, pe.Line); pe.File != p || !strings.HasPrefix(pe.Error(), prefix) {
			t.Errorf("error %q does not start with %q", pe, prefix)
		}
	}
	if !slices.Equal(lines, want) {
		t.Errorf("errors on lines %v, want %v: %v", lines, want, r.perrs)
	}
}

// checkQualities checks the qualities of r's entries, if want is not nil.
func checkQualities(t *testing.T, r *listResult, want []int) {
	t.Helper()
	if want == nil {
		return
	}
	var q []int
	for _, e := range r.entries {
		q = append(q, e.Quality)
	}
	if !slices.Equal(q, want) {
		t.Errorf("qualities %v, want %v", q, want)
	}
}

func TestVICSBroken(t *testing.T) {
	for name, doc := range map[string]string{
		"truncated":  `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[{"MediaID":1,"MD5":"` + md5hex("a") + `"},{"Med`,
		"no value":   `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"}`,
		"bad syntax": `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[{"MediaID":1,,}]}`,
	} {
		p := writeFile(t, "x.json", []byte(doc))
		r, err := OpenList(p, "vics")
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: open error %q does not name the file", name, err)
			}
			continue
		}
		var last error
		for i := 0; i < 10; i++ {
			if _, last = r.Next(); last != nil && !IsParseError(last) {
				break
			}
		}
		if last == nil || IsParseError(last) || !strings.Contains(last.Error(), p) {
			t.Errorf("%s: want a fatal error naming the file, got %v", name, last)
		}
		r.Close()
	}
}

// ---- NCMEC ----

func TestNCMECSynthetic(t *testing.T) {
	pdq := sha256hex("pdq-pattern") // 256 bits standing in for a PDQ hash
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
  <images count="3">
    <image><member id="1">M</member><id>10</id><classification>B2</classification>
      <fingerprints><md5>` + strings.ToUpper(md5hex("n1")) + `</md5><pdq>` + pdq + `</pdq><netclean>x</netclean></fingerprints></image>
    <image><id>11</id><fingerprints><md5>nothex</md5><sha1>` + sha1hex("n2") + `</sha1></fingerprints></image>
    <deletedImage><id>12</id><fingerprints><md5>` + md5hex("n3") + `</md5></fingerprints></deletedImage>
  </images>
</queryResult>`
	p := writeFile(t, "q.xml", []byte(doc))
	r := openAndDrain(t, p, "")
	if c := r.counts(); !maps.Equal(c, map[Algorithm]int{MD5: 2, PDQ: 1, SHA1: 1}) {
		t.Errorf("counts %v", c)
	}
	checkFields(t, r, []string{"10", "10", "11", "12"}, []string{"B2", "B2", "", ""}, nil, nil, []int{1, 1, 2, 3})
	if r.entries[1].Algorithm != PDQ || hexOf(r.entries[1].Digest) != pdq || r.entries[1].Quality != -1 {
		t.Errorf("pdq entry %+v", r.entries[1])
	}
	if !r.entries[3].Delete || r.entries[0].Delete {
		t.Errorf("delete flags wrong: %+v", r.entries)
	}
	if len(r.perrs) != 1 || r.perrs[0].Line != 2 || !strings.Contains(r.perrs[0].Error(), "md5") {
		t.Errorf("parse errors %v", r.perrs)
	}
	if r.info.Unsupported["netclean"] != 1 {
		t.Errorf("unsupported %v", r.info.Unsupported)
	}
}

// ---- EnCase ----

// encaseFile builds an EnCase .hash file (hash-list-formats.md §5.5).
func encaseFile(name, category string, digests [][16]byte, declared int) []byte {
	hdr := make([]byte, encaseHeaderSize)
	copy(hdr, encaseMagic)
	binary.LittleEndian.PutUint32(hdr[8:], 2)
	binary.LittleEndian.PutUint32(hdr[12:], 1)
	binary.LittleEndian.PutUint32(hdr[encaseCountAt:], uint32(declared))
	putUTF16 := func(at int, s string) {
		for i, u := range utf16.Encode([]rune(s)) {
			binary.LittleEndian.PutUint16(hdr[at+2*i:], u)
		}
	}
	putUTF16(encaseNameAt, name)
	putUTF16(encaseCategoryAt, category)
	out := hdr
	for _, d := range digests {
		out = append(out, d[:]...)
		out = append(out, 0, 0)
	}
	return out
}

func TestEnCase(t *testing.T) {
	ds := [][16]byte{md5.Sum([]byte("e1")), md5.Sum([]byte("e2")), md5.Sum([]byte("e3"))}
	good := encaseFile("Test set é", "Notable", ds, 3)
	tests := []struct {
		name    string
		content []byte
		entries int
		errs    []string
	}{
		{"good", good, 3, nil},
		{"empty set", encaseFile("none", "", nil, 0), 0, nil},
		{"wrong count", encaseFile("x", "y", ds, 5), 3, []string{"declares 5 hashes, the file holds 3"}},
		{"truncated record", append(bytes.Clone(good), 1, 2, 3, 4, 5, 6, 7), 3, []string{":4: truncated record: 7 of 18 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "set.hash", tt.content)
			if f, err := DetectFormat(p); err != nil || f.Name != "encase" {
				t.Fatalf("DetectFormat = %v, %v", f, err)
			}
			r := openAndDrain(t, p, "")
			if len(r.entries) != tt.entries {
				t.Fatalf("%d entries, want %d", len(r.entries), tt.entries)
			}
			for i, e := range r.entries {
				if e.Algorithm != MD5 || !bytes.Equal(e.Digest, ds[i][:]) || e.Line != i+1 || e.ID != "" {
					t.Errorf("entry %d: %+v", i, e)
				}
			}
			if len(r.perrs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", r.perrs, tt.errs)
			}
			for i, want := range tt.errs {
				if !strings.Contains(r.perrs[i].Error(), want) || !strings.HasPrefix(r.perrs[i].Error(), p) {
					t.Errorf("error %q, want it to name the file and contain %q", r.perrs[i], want)
				}
			}
			if tt.name == "good" {
				if r.info.Metadata["name"] != "Test set é" || r.info.Metadata["category"] != "Notable" || r.info.FormatVersion != "2" {
					t.Errorf("info %+v", r.info)
				}
			}
		})
	}
	bad := bytes.Clone(good)
	bad[5] = 'X'
	p := writeFile(t, "bad.hash", bad)
	if f, err := DetectFormat(p); err == nil {
		t.Errorf("bad magic detected as %s", f)
	}
	if _, err := OpenList(p, "encase"); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("bad magic opened: %v", err)
	}
	p = writeFile(t, "short.hash", good[:100])
	if _, err := OpenList(p, "encase"); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("short header opened: %v", err)
	}
}

// ---- SQLite: kdb and RDSv3 ----

func createDB(t *testing.T, name string, stmts ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	return p
}

// fileState is what must not change when a list is read.
func fileState(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	entries, _ := os.ReadDir(filepath.Dir(p))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return fmt.Sprintf("%x %v %v", sha256.Sum256(b), fi.ModTime(), names)
}

func TestKDB(t *testing.T) {
	m1, m2 := md5.Sum([]byte("k1")), md5.Sum([]byte("k2"))
	p := createDB(t, "test.kdb",
		`PRAGMA encoding = "UTF-8"`,
		`CREATE TABLE db_properties (name TEXT NOT NULL, value TEXT)`,
		`CREATE TABLE hashes (id INTEGER PRIMARY KEY AUTOINCREMENT, md5 BINARY(16) UNIQUE, sha1 BINARY(20), sha2_256 BINARY(32))`,
		`CREATE TABLE file_names (name TEXT NOT NULL, hash_id INTEGER NOT NULL, PRIMARY KEY(name, hash_id))`,
		`CREATE TABLE comments (comment TEXT NOT NULL, hash_id INTEGER NOT NULL, PRIMARY KEY(comment, hash_id))`,
		`CREATE INDEX md5_index ON hashes(md5)`,
		`INSERT INTO db_properties VALUES ('Schema Version', '1')`,
		fmt.Sprintf(`INSERT INTO hashes (md5) VALUES (x'%x')`, m1),
		fmt.Sprintf(`INSERT INTO hashes (md5) VALUES (x'%x')`, m2),
		`INSERT INTO hashes (md5) VALUES (x'0102')`,
		`INSERT INTO file_names VALUES ('b.exe', 1), ('a.exe', 1), ('c.dll', 2)`,
		`INSERT INTO comments VALUES ('known bad', 1)`,
	)
	before := fileState(t, p)
	if f, err := DetectFormat(p); err != nil || f.Name != "kdb" {
		t.Fatalf("DetectFormat = %v, %v", f, err)
	}
	r := openAndDrain(t, p, "auto")
	if len(r.entries) != 2 || !bytes.Equal(r.entries[0].Digest, m1[:]) || !bytes.Equal(r.entries[1].Digest, m2[:]) {
		t.Fatalf("entries %+v", r.entries)
	}
	checkFields(t, r, []string{"a.exe", "c.dll"}, nil, nil, []int64{-1, -1}, []int{1, 2})
	if len(r.perrs) != 1 || r.perrs[0].Line != 3 {
		t.Errorf("errors %v, want one for row 3", r.perrs)
	}
	if r.info.FormatVersion != "1" {
		t.Errorf("version %q", r.info.FormatVersion)
	}
	if after := fileState(t, p); after != before {
		t.Errorf("reading changed the list file or its folder:\n%s\n%s", before, after)
	}
}

// rdsv3Rows inserts n files into an RDSv3 full-schema database.
func rdsv3Rows(n int) []string {
	stmts := []string{
		`INSERT INTO VERSION VALUES ('2021.12.2', 'modern', '2021-12-01', '2021-12-15', 'test build')`,
	}
	for i := 1; i <= n; i++ {
		s := fmt.Sprint("rds", i)
		ext := "dll"
		if i == 2 {
			ext = ""
		}
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO PACKAGE_OBJECT VALUES (%d, %d, %d)`, i, 100+i, i),
			fmt.Sprintf(`INSERT INTO METADATA (metadata_id, object_id, key_hash, path, file_name, extension, bytes, crc32, md5, sha1, sha256)
				VALUES (%d, %d, 'k', '/p', 'file%d', '%s', %d, '0badf00d', '%s', '%s', '%s')`,
				i, i, i, ext, 1000+i, md5hex(s), sha1hex(s), sha256hex(s)))
	}
	return stmts
}

func TestRDSv3Full(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "lists", "nsrl", "RDSv3_2021.12.2_curated.schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	p := createDB(t, "RDS_2021.12.2_modern.db", append([]string{string(schema)}, rdsv3Rows(3)...)...)
	before := fileState(t, p)
	if f, err := DetectFormat(p); err != nil || f.Name != "rdsv3" {
		t.Fatalf("DetectFormat = %v, %v", f, err)
	}
	r := openAndDrain(t, p, "")
	if c := r.counts(); !maps.Equal(c, map[Algorithm]int{SHA256: 3, SHA1: 3, MD5: 3}) {
		t.Errorf("counts %v", c)
	}
	checkFields(t, r, []string{"file1.dll", "file1.dll", "file1.dll", "file2", "file2", "file2", "file3.dll", "file3.dll", "file3.dll"},
		nil, nil, []int64{1001, 1001, 1001, 1002, 1002, 1002, 1003, 1003, 1003}, []int{1, 1, 1, 2, 2, 2, 3, 3, 3})
	if hexOf(r.entries[0].Digest) != sha256hex("rds1") || hexOf(r.entries[2].Digest) != md5hex("rds1") {
		t.Errorf("first row digests %x %x", r.entries[0].Digest, r.entries[2].Digest)
	}
	if r.info.Metadata["publication"] != "full" || r.info.Metadata["version"] != "2021.12.2" ||
		r.info.Metadata["build_set"] != "modern" || r.info.FormatVersion != "3" {
		t.Errorf("info %+v", r.info)
	}
	if after := fileState(t, p); after != before {
		t.Errorf("reading changed the list file or its folder:\n%s\n%s", before, after)
	}
}

func TestRDSv3Minimal(t *testing.T) {
	p := createDB(t, "RDS_2026.06.1_modern_minimal.db",
		`CREATE TABLE FILE (sha256 VARCHAR, sha1 VARCHAR, md5 VARCHAR, file_name VARCHAR, file_size INTEGER, package_id INTEGER)`,
		`CREATE VIEW DISTINCT_HASH AS SELECT DISTINCT sha256, sha1, md5 FROM FILE`,
		fmt.Sprintf(`INSERT INTO FILE VALUES ('%s', '%s', '%s', 'a.txt', 1, 7)`, strings.ToUpper(sha256hex("m1")), strings.ToUpper(sha1hex("m1")), strings.ToUpper(md5hex("m1"))),
		fmt.Sprintf(`INSERT INTO FILE VALUES ('', '%s', NULL, 'b.txt', 2, 7)`, sha1hex("m2")),
		`INSERT INTO FILE VALUES ('zz', NULL, NULL, 'c.txt', 3, 7)`,
	)
	r := openAndDrain(t, p, "auto")
	if c := r.counts(); !maps.Equal(c, map[Algorithm]int{SHA256: 1, SHA1: 2, MD5: 1}) {
		t.Errorf("counts %v", c)
	}
	if r.info.Metadata["publication"] != "minimal" {
		t.Errorf("publication %q", r.info.Metadata["publication"])
	}
	if len(r.perrs) != 1 || r.perrs[0].Line != 3 || !strings.Contains(r.perrs[0].Error(), "sha256") {
		t.Errorf("errors %v", r.perrs)
	}
}

func TestSQLiteOther(t *testing.T) {
	p := createDB(t, "other.db", `CREATE TABLE t (x)`)
	_, err := DetectFormat(p)
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "SQLite") {
		t.Errorf("other SQLite: %v", err)
	}
	if _, err := OpenList(p, "rdsv3"); err == nil {
		t.Error("rdsv3 opened a database without FILE")
	}
}

// ---- PDQ and CSV ----

func TestPDQLists(t *testing.T) {
	h1, h2 := sha256hex("p1"), strings.ToUpper(sha256hex("p2"))
	tests := []struct {
		name, content, force, want string
		counts                     map[Algorithm]int
		ids                        []string
		quality                    []int
		errs                       []int
		unsupp                     map[string]int
	}{
		{name: "csv header", content: "hash,quality,path\n" + h1 + ",100,a.jpg\n" + h2 + ",49,b.png\n" + h1[:60] + ",1,c\n" + h1 + ",101,d\n",
			want: "pdq", counts: map[Algorithm]int{PDQ: 3}, ids: []string{"a.jpg", "b.png", "d"}, quality: []int{100, 49, -1}, errs: []int{4, 5}},
		{name: "hasher output", content: h1 + ",87,/x/y z.jpg\n" + h2 + ",0,/x/w.jpg\n",
			want: "pdq", counts: map[Algorithm]int{PDQ: 2}, ids: []string{"/x/y z.jpg", "/x/w.jpg"}, quality: []int{87, 0}},
		{name: "bare 64 hex auto is sha256", content: h1 + "\n" + h2 + "\n",
			want: "md5sum", counts: map[Algorithm]int{SHA256: 2}},
		{name: "bare 64 hex forced pdq", content: h1 + "\n" + h2 + "\n", force: "pdq",
			want: "md5sum", counts: map[Algorithm]int{PDQ: 2}, ids: []string{"", ""}, quality: []int{-1, -1}},
		{name: "goimagehash strings", content: "a:00ff00ff00ff00ff\nd:0123456789abcdef\np:FEDCBA9876543210\nw:0000000000000000\n",
			want: "pdq", counts: map[Algorithm]int{AHash: 1, DHash: 1, PHash: 1}, unsupp: map[string]int{"whash": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "l", []byte(tt.content))
			if f, err := DetectFormat(p); err != nil || f.Name != tt.want {
				t.Fatalf("DetectFormat = %v, %v; want %s", f, err, tt.want)
			}
			r := openAndDrain(t, p, tt.force)
			if c := r.counts(); !maps.Equal(c, tt.counts) {
				t.Errorf("counts %v, want %v", c, tt.counts)
			}
			checkFields(t, r, tt.ids, nil, nil, nil, nil)
			checkQualities(t, r, tt.quality)
			checkErrorLines(t, r, p, tt.errs)
			if !maps.Equal(r.info.Unsupported, tt.unsupp) {
				t.Errorf("unsupported %v, want %v", r.info.Unsupported, tt.unsupp)
			}
		})
	}
	p := writeFile(t, "g", []byte("p:FEDCBA9876543210\n"))
	r := openAndDrain(t, p, "pdq")
	if !bytes.Equal(r.entries[0].Digest, []byte{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}) {
		t.Errorf("goimagehash digest %x: want the uint64 big-endian", r.entries[0].Digest)
	}
}

func TestCSVLists(t *testing.T) {
	a, b, c, q := md5hex("c1"), sha1hex("c1"), sha256hex("c1"), sha256hex("q1")
	tests := []struct {
		name, content string
		counts        map[Algorithm]int
		ids, cats     []string
		sizes         []int64
		quality       []int
		errs          []int
	}{
		{name: "hashtriage hash output",
			content: "path,size,md5,sha1,sha256,pdq,pdq_quality\n" +
				"\"dir/a,b.jpg\",10," + a + "," + b + "," + c + "," + q + ",88\n" +
				"dir/c.txt,20," + a + ",,,,\n",
			counts: map[Algorithm]int{MD5: 2, SHA1: 1, SHA256: 1, PDQ: 1},
			ids:    []string{"dir/a,b.jpg", "dir/a,b.jpg", "dir/a,b.jpg", "dir/a,b.jpg", "dir/c.txt"},
			sizes:  []int64{10, 10, 10, 10, 20}, quality: []int{-1, -1, -1, 88, -1}},
		{name: "semicolons, category, perceptual, bad cell",
			content: "\xEF\xBB\xBFID;Category;MD5;aHash;dHash;pHash;SHA512\r\n" +
				"7;1;" + strings.ToUpper(a) + ";a:0011223344556677;8899aabbccddeeff;p:0000000000000001;" + strings.Repeat("0", 128) + "\r\n" +
				"8;2;xyz;;;;\r\n",
			counts: map[Algorithm]int{MD5: 1, AHash: 1, DHash: 1, PHash: 1},
			ids:    []string{"7", "7", "7", "7"}, cats: []string{"1", "1", "1", "1"}, errs: []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "l.csv", []byte(tt.content))
			if f, err := DetectFormat(p); err != nil || f.Name != "csv" {
				t.Fatalf("DetectFormat = %v, %v", f, err)
			}
			r := openAndDrain(t, p, "csv")
			if cnt := r.counts(); !maps.Equal(cnt, tt.counts) {
				t.Errorf("counts %v, want %v", cnt, tt.counts)
			}
			checkFields(t, r, tt.ids, tt.cats, nil, tt.sizes, nil)
			checkQualities(t, r, tt.quality)
			checkErrorLines(t, r, p, tt.errs)
		})
	}
}
