package hashset

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// Digests of strings the tests make up: never of real material.
func md5hex(s string) string    { d := md5.Sum([]byte(s)); return hexOf(d[:]) }
func sha1hex(s string) string   { d := sha1.Sum([]byte(s)); return hexOf(d[:]) }
func sha256hex(s string) string { d := sha256.Sum256([]byte(s)); return hexOf(d[:]) }

func writeFile(t testing.TB, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestFormatsRegistry(t *testing.T) {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
		if f.Description == "" {
			t.Errorf("%s has no description", f.Name)
		}
		g, err := FormatByName(strings.ToUpper(f.Name))
		if err != nil || g != f {
			t.Errorf("FormatByName(%s) = %v, %v", f.Name, g, err)
		}
	}
	want := []string{"rdsv3", "kdb", "encase", "vics", "ncmec", "dfxml", "tskidx", "nsrl", "hashkeeper", "ilook", "hashdeep", "pdq", "csv", "jsonl", "md5sum"}
	if !slices.Equal(names, want) {
		t.Errorf("formats %v, want %v", names, want)
	}
	if _, err := FormatByName("xways"); err == nil || !strings.Contains(err.Error(), "md5sum") {
		t.Errorf("FormatByName(xways) error %v should list the known formats", err)
	}
	Formats()[0] = nil // the caller's copy only
	if Formats()[0] == nil {
		t.Error("Formats returned the package's own slice")
	}
}

// TestTextVariants covers the per-line formats' quirks: escapes, tags,
// CRLF with a BOM, upper-case hex, gzip, unsupported digests.
func TestTextVariants(t *testing.T) {
	a, b, c := md5hex("a"), sha1hex("b"), sha256hex("c")
	tests := []struct {
		name    string
		content []byte
		format  string // expected detection
		counts  map[Algorithm]int
		ids     []string
		sizes   []int64
		unsupp  map[string]int
		errs    []int
	}{
		{name: "gnu text and binary marks", format: "md5sum",
			content: []byte(a + "  one.txt\n" + a + " *two.bin\n"),
			counts:  map[Algorithm]int{MD5: 2}, ids: []string{"one.txt", "two.bin"}},
		{name: "gnu escaped name", format: "md5sum",
			content: []byte(`\` + a + `  dir\\new\nline` + "\n"),
			counts:  map[Algorithm]int{MD5: 1}, ids: []string{"dir\\new\nline"}},
		{name: "sha1sum and sha256sum", format: "md5sum",
			content: []byte(b + "  b\n" + c + "  c\n"),
			counts:  map[Algorithm]int{SHA1: 1, SHA256: 1}, ids: []string{"b", "c"}},
		{name: "bsd tags", format: "md5sum",
			content: []byte("MD5 (x y) = " + a + "\nSHA1 (b) = " + b + "\nSHA256 (c) = " + c + "\nSHA512 (d) = " + strings.Repeat("ab", 64) + "\n"),
			counts:  map[Algorithm]int{MD5: 1, SHA1: 1, SHA256: 1}, ids: []string{"x y", "b", "c"}, unsupp: map[string]int{"sha512": 1}},
		{name: "bare hashes, upper case, CRLF and BOM", format: "md5sum",
			content: []byte("\xEF\xBB\xBF" + strings.ToUpper(a) + "\r\n" + strings.ToUpper(b) + "\r\n\r\n"),
			counts:  map[Algorithm]int{MD5: 1, SHA1: 1}, ids: []string{"", ""}},
		{name: "md5deep -z", format: "md5sum",
			content: []byte("       12  " + a + "  /x/a\n123456789  " + a + "  /x/b\n"),
			counts:  map[Algorithm]int{MD5: 2}, ids: []string{"/x/a", "/x/b"}, sizes: []int64{12, 123456789}},
		{name: "comments and junk", format: "md5sum",
			content: []byte("# made by hand\n" + a + "  ok\nnot a hash\n" + a[:31] + "  short\n" + a + "  ok2\n"),
			counts:  map[Algorithm]int{MD5: 2}, ids: []string{"ok", "ok2"}, errs: []int{3, 4}},
		{name: "gzip", format: "md5sum",
			content: gzipped([]byte(a + "  gz\n")),
			counts:  map[Algorithm]int{MD5: 1}, ids: []string{"gz"}},
		{name: "hashdeep with sha1, commas in names, CRLF", format: "hashdeep",
			content: []byte("%%%% HASHDEEP-1.0\r\n%%%% size,md5,sha1,filename\r\n## comment\r\n5," + strings.ToUpper(a) + "," + b + ",/a,b,c\r\n6,," + b + ",/d\r\n7,zz," + b + ",/e\r\n"),
			counts:  map[Algorithm]int{MD5: 1, SHA1: 3}, ids: []string{"/a,b,c", "/a,b,c", "/d", "/e"}, sizes: []int64{5, 5, 6, 7}, errs: []int{6}},
		{name: "hashdeep tiger", format: "hashdeep",
			content: []byte("%%%% HASHDEEP-1.0\n%%%% size,md5,tiger,filename\n1," + a + "," + strings.Repeat("0", 48) + ",x\n"),
			counts:  map[Algorithm]int{MD5: 1}, unsupp: map[string]int{"tiger": 1}},
		{name: "nsrl with comma and quote in the name, BOM, CRLF", format: "nsrl",
			content: []byte("\xEF\xBB\xBF\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\",\"FileSize\",\"ProductCode\",\"OpSystemCode\",\"SpecialCode\"\r\n" +
				`"` + strings.ToUpper(b) + `","` + strings.ToUpper(a) + `","00000000","a,b"c.txt",10,1,"362","M"` + "\r\n"),
			counts: map[Algorithm]int{SHA1: 1, MD5: 1}, ids: []string{`a,b"c.txt`, `a,b"c.txt`}, sizes: []int64{10, 10}, unsupp: map[string]int{"crc32": 1}},
		{name: "ilook v1", format: "ilook",
			content: []byte("V1Hash,HashType,SetDescription,FileName,FilePath,FileSize\r\n" + strings.ToUpper(a) + ",MD5,set,a.exe,C:\\dir,12\r\n" + strings.ToUpper(b) + ",SHA1,set,b.exe,,13\r\n"),
			counts:  map[Algorithm]int{MD5: 1, SHA1: 1}, ids: []string{`C:\dir\a.exe`, "b.exe"}, sizes: []int64{12, 13}},
		{name: "hashkeeper with directory", format: "hashkeeper",
			content: []byte(`"file_id","hashset_id","file_name","directory","hash","file_size"` + "\n" + `1,9,"x.dll","C:\WINNT","` + strings.ToUpper(a) + `",5` + "\n" + `2,9,"y.dll",,"",6` + "\n"),
			counts:  map[Algorithm]int{MD5: 1}, ids: []string{`C:\WINNT\x.dll`}, sizes: []int64{5}, errs: []int{3}},
		{name: "tsk index with CRLF", format: "tskidx",
			content: []byte("00000000000000000000000000000000000000000|nsrl\r\n" + strings.ToUpper(b) + "|0000000000000042\r\n"),
			counts:  map[Algorithm]int{SHA1: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "list", tt.content)
			f, err := DetectFormat(p)
			if err != nil || f.Name != tt.format {
				t.Fatalf("DetectFormat = %v, %v; want %s", f, err, tt.format)
			}
			r := openAndDrain(t, p, "")
			if got := r.counts(); !maps.Equal(got, tt.counts) {
				t.Errorf("counts %v, want %v", got, tt.counts)
			}
			checkFields(t, r, tt.ids, nil, nil, tt.sizes, nil)
			if !maps.Equal(r.info.Unsupported, tt.unsupp) {
				t.Errorf("unsupported %v, want %v", r.info.Unsupported, tt.unsupp)
			}
			checkErrorLines(t, r, p, tt.errs)
			for _, e := range r.entries {
				if e.Quality != -1 {
					t.Errorf("entry %+v: quality should be unknown", e)
				}
			}
		})
	}
}

// TestDigestsDecoded checks that hex is decoded into the right bytes in
// either case.
func TestDigestsDecoded(t *testing.T) {
	a := md5hex("x")
	p := writeFile(t, "l.md5", []byte(strings.ToUpper(a)+"  X\n"+a+"  x\n"))
	r := openAndDrain(t, p, "md5sum")
	want := md5.Sum([]byte("x"))
	for _, e := range r.entries {
		if !bytes.Equal(e.Digest, want[:]) {
			t.Errorf("%s: digest %x, want %x", e.ID, e.Digest, want)
		}
	}
	if len(r.entries) != 2 {
		t.Fatalf("%d entries", len(r.entries))
	}
	r.entries[0].Digest[0] ^= 0xff // entries own their digests
	if r.entries[1].Digest[0] != want[0] {
		t.Error("entries share digest memory")
	}
}

func TestLineTooLong(t *testing.T) {
	a := md5hex("a")
	long := strings.Repeat("x", maxLineSize+10)
	longOK := strings.Repeat("y", 3*readBufferSize) // longer than the buffer, within the limit
	p := writeFile(t, "l", []byte(a+"  first\n"+a+"  "+long+"\n"+a+"  third\n"+a+"  "+longOK+"\n"+a+"  fifth"))
	r := openAndDrain(t, p, "md5sum")
	if len(r.entries) != 4 || r.entries[1].ID != "third" || r.entries[1].Line != 3 ||
		r.entries[2].ID != longOK || r.entries[3].ID != "fifth" || r.entries[3].Line != 5 {
		t.Errorf("entries %+v", r.entries)
	}
	if len(r.perrs) != 1 || r.perrs[0].Line != 2 || !errors.Is(r.perrs[0], errLineTooLong) {
		t.Errorf("errors %v, want one for line 2", r.perrs)
	}
}

func TestAmbiguousAndUnknown(t *testing.T) {
	// A header that both HashKeeper (file_id, hashset_id, hash) and a PDQ
	// list (hash, quality) claim.
	p := writeFile(t, "amb.csv", []byte("file_id,hashset_id,name,dir,hash,quality\n1,2,a,,"+sha256hex("a")+",90\n"))
	_, err := DetectFormat(p)
	if !errors.Is(err, ErrAmbiguousFormat) || !strings.Contains(err.Error(), "hashkeeper and pdq") {
		t.Errorf("ambiguous header: %v", err)
	}
	if _, err := OpenList(p, "auto"); !errors.Is(err, ErrAmbiguousFormat) {
		t.Errorf("OpenList auto: %v", err)
	}
	r := openAndDrain(t, p, "pdq") // naming the format settles it
	if c := r.counts(); c[PDQ] != 1 || r.entries[0].Quality != 90 {
		t.Errorf("forced pdq: %v %+v", c, r.entries)
	}
	for name, content := range map[string]string{"empty": "", "prose": "Dear colleague,\nplease find attached.\n", "json": `{"a":1}`, "xml": "<root/>"} {
		p := writeFile(t, name, []byte(content))
		_, err := DetectFormat(p)
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "considered rdsv3, kdb") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := DetectFormat(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestWrongFormatForced checks that forcing a format on another format's
// file fails with an error rather than yielding nonsense.
func TestWrongFormatForced(t *testing.T) {
	md5list := filepath.Join("testdata", "lists", "sleuthkit", "testmd5.dat")
	for _, name := range []string{"nsrl", "hashkeeper", "ilook", "csv", "vics", "ncmec", "encase", "rdsv3", "kdb", "hashdeep"} {
		r, err := OpenList(md5list, name)
		if err != nil {
			continue // refused at open: fine
		}
		_, err = r.Next()
		_, err2 := r.Next()
		r.Close()
		if err == nil {
			t.Errorf("format %s read an md5sum list without complaint", name)
		}
		// A header that is not the format's is fatal, not a ParseError a
		// caller would skip forever.
		if slices.Contains([]string{"nsrl", "hashkeeper", "ilook", "csv"}, name) && (IsParseError(err) || err2 == nil) {
			t.Errorf("format %s: header mismatch gave %v then %v, want a fatal error twice", name, err, err2)
		}
	}
}

func TestNewReaderStream(t *testing.T) {
	a := md5hex("s")
	r, err := NewReader(bytes.NewReader(gzipped([]byte(a+"  s\n"))), "stdin", "auto")
	if err != nil {
		t.Fatal(err)
	}
	res := drain(t, r)
	if len(res.entries) != 1 || res.entries[0].ID != "s" {
		t.Errorf("entries %+v", res.entries)
	}
	if _, err := NewReader(strings.NewReader(""), "stdin", "rdsv3"); err == nil {
		t.Error("rdsv3 from a stream should be refused")
	}
}

// TestGzipSamples checks that gzip-compressed lists are detected and read
// like the plain ones.
func TestGzipSamples(t *testing.T) {
	for _, s := range []string{"nsrl/NSRL-2.0.txt", "vics/NSRL-CAID-MOV.json", "ncmec/hashsharing-v2-entries-example.xml",
		"hashdeep/hashdeep.txt", "hashdeep/ilookv4.hsh", "dfxml/difference_test_0.xml"} {
		plain := filepath.Join("testdata", "lists", s)
		b, err := os.ReadFile(plain)
		if err != nil {
			t.Fatal(err)
		}
		gz := writeFile(t, "list.gz", gzipped(b))
		f1, err1 := DetectFormat(plain)
		f2, err2 := DetectFormat(gz)
		if err1 != nil || err2 != nil || f1 != f2 {
			t.Errorf("%s: plain %v %v, gzip %v %v", s, f1, err1, f2, err2)
			continue
		}
		want, got := openAndDrain(t, plain, ""), openAndDrain(t, gz, "")
		if !maps.Equal(want.counts(), got.counts()) || len(want.perrs) != len(got.perrs) {
			t.Errorf("%s: gzip read %v, plain %v", s, got.counts(), want.counts())
		}
	}
}

func utf16Bytes(s string, little bool) []byte {
	u := utf16.Encode([]rune(s))
	out := []byte{0xFE, 0xFF}
	if little {
		out = []byte{0xFF, 0xFE}
	}
	for _, c := range u {
		if little {
			out = append(out, byte(c), byte(c>>8))
		} else {
			out = append(out, byte(c>>8), byte(c))
		}
	}
	return out
}

// TestUTF16 reads lists as PowerShell 5 redirection writes them: UTF-16LE
// with a BOM and CRLF (and, less often, big-endian).
func TestUTF16(t *testing.T) {
	a := md5hex("u")
	text := a + "  C:\\Users\\x\\\U0001F600 é.jpg\r\n" + a + "  two\r\n"
	for _, little := range []bool{true, false} {
		p := writeFile(t, "list.txt", utf16Bytes(text, little))
		if f, err := DetectFormat(p); err != nil || f.Name != "md5sum" {
			t.Fatalf("little=%v: DetectFormat = %v, %v", little, f, err)
		}
		r := openAndDrain(t, p, "")
		checkFields(t, r, []string{"C:\\Users\\x\\\U0001F600 é.jpg", "two"}, nil, nil, nil, []int{1, 2})
		if len(r.perrs) > 0 || hexOf(r.entries[0].Digest) != a {
			t.Errorf("little=%v: %v %+v", little, r.perrs, r.entries)
		}
	}
	// Decoding across read boundaries, with an unpaired surrogate.
	got, err := io.ReadAll(textStream(bytes.NewReader(append(utf16Bytes(strings.Repeat("x\U0001F600", 5000), true), 0x3D, 0xD8))))
	if err != nil || string(got) != strings.Repeat("x\U0001F600", 5000)+"\uFFFD" {
		t.Errorf("long UTF-16: %d bytes, err %v", len(got), err)
	}
}

func TestJSONL(t *testing.T) {
	a, c, q := md5hex("j1"), sha256hex("j1"), sha256hex("q")
	content := `{"path":"dir/a.jpg","size":10,"md5":"` + a + `","sha256":"` + c + `","pdq":"` + q + `","pdq_quality":77}` + "\n" +
		`{"path_hex":"ff00","size":2,"md5":"` + strings.ToUpper(a) + `","phash":"0123456789abcdef"}` + "\n" +
		`{"path":"bad","md5":"xyz"}` + "\n" + "not json\n" + `{"path":"none"}` + "\n"
	p := writeFile(t, "l.jsonl", []byte(content))
	if f, err := DetectFormat(p); err != nil || f.Name != "jsonl" {
		t.Fatalf("DetectFormat = %v, %v", f, err)
	}
	r := openAndDrain(t, p, "")
	if cnt := r.counts(); !maps.Equal(cnt, map[Algorithm]int{MD5: 2, SHA256: 1, PDQ: 1, PHash: 1}) {
		t.Errorf("counts %v", cnt)
	}
	checkFields(t, r, []string{"dir/a.jpg", "dir/a.jpg", "dir/a.jpg", "\xff\x00", "\xff\x00"}, nil, nil, []int64{10, 10, 10, 2, 2}, []int{1, 1, 1, 2, 2})
	if r.entries[2].Quality != 77 {
		t.Errorf("pdq quality %d", r.entries[2].Quality)
	}
	checkErrorLines(t, r, p, []int{3, 4, 5})
}
