package hashset

import (
	"bytes"
	"crypto/md5"
	"os"
	"path/filepath"
	"testing"
)

// fuzzReader reads data in the named format and checks the invariants every
// reader keeps, whatever the input: it ends, entries carry digests of
// their algorithm's size and a positive line, and parse errors name the
// input.
func fuzzReader(f *testing.F, format string, seedFiles []string, seeds ...[]byte) {
	for _, s := range seedFiles {
		b, err := os.ReadFile(filepath.Join("testdata", "lists", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	fm, err := FormatByName(format)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, func() (Reader, error) { return fm.NewReader(bytes.NewReader(data), "fuzz") }, len(data))
	})
}

func checkReader(t *testing.T, open func() (Reader, error), size int) {
	r, err := open()
	if err != nil {
		return
	}
	defer r.Close()
	limit := 4*size + 100
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("reader did not end after %d calls on %d bytes", i, size)
		}
		e, err := r.Next()
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				if pe.File != "fuzz" || pe.Err == nil {
					t.Fatalf("parse error %#v", pe)
				}
				continue
			}
			if _, err2 := r.Next(); err2 == nil {
				t.Fatalf("entry after a fatal error %v", err)
			}
			break
		}
		if e.Line < 1 {
			t.Fatalf("entry with line %d: %+v", e.Line, e)
		}
		if e.Algorithm == Unknown {
			if !e.Delete || e.Digest != nil {
				t.Fatalf("entry without algorithm: %+v", e)
			}
			continue
		}
		if len(e.Digest) != e.Algorithm.Size() {
			t.Fatalf("%s digest of %d bytes", e.Algorithm, len(e.Digest))
		}
		if e.Quality < -1 || e.Quality > 100 {
			t.Fatalf("quality %d", e.Quality)
		}
	}
	r.Info()
}

var (
	md5a    = md5hex("fuzz")
	sha1a   = sha1hex("fuzz")
	sha256a = sha256hex("fuzz")
)

func FuzzMD5Sum(f *testing.F) {
	fuzzReader(f, "md5sum", []string{"sleuthkit/testmd5.dat", "hashdeep/md5deep.txt", "hashdeep/md5deep-size.txt", "hashdeep/bsd-hashes.txt", "hashdeep/known.txt"},
		[]byte("\\"+md5a+"  a\\\\b\\nc\r\n"+sha256a+"\nSHA512 (x) = "+md5a+md5a+md5a+md5a+"\n"),
		[]byte("\xEF\xBB\xBF      12  "+sha1a+"  x\n"))
}

func FuzzHashdeep(f *testing.F) {
	fuzzReader(f, "hashdeep", []string{"hashdeep/hashdeep.txt"},
		[]byte("%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,tiger,filename\n1,"+md5a+","+sha1a+","+sha256a+",x,a,b\n"))
}

func FuzzTSKIdx(f *testing.F) {
	fuzzReader(f, "tskidx", []string{"sleuthkit/testmd5.dat-md5.idx"})
}

func FuzzNSRL(f *testing.F) {
	fuzzReader(f, "nsrl", []string{"nsrl/NSRL-1.5.txt", "nsrl/NSRL-2.0.txt", "nsrl/hashdeep-tests-nsrlfile.txt"})
}

func FuzzHashKeeper(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "lists", "hashdeep", "Z00236.hsh"))
	fuzzReader(f, "hashkeeper", nil, b[:4096])
}

func FuzzILook(f *testing.F) {
	fuzzReader(f, "ilook", []string{"hashdeep/ilookv3.hsh", "hashdeep/ilookv4.hsh"},
		[]byte("V1Hash,HashType,SetDescription,FileName,FilePath,FileSize\n"+md5a+",MD5,set,a,\\,1\n"))
}

func FuzzPDQ(f *testing.F) {
	fuzzReader(f, "pdq", nil,
		[]byte("hash,quality,path\n"+sha256a+",90,a.jpg\n"),
		[]byte(sha256a+",87,/x\n"+sha256a+"\n"),
		[]byte("a:0011223344556677\nw:0011223344556677\np:FFFFFFFFFFFFFFFF\n"))
}

func FuzzCSV(f *testing.F) {
	fuzzReader(f, "csv", nil,
		[]byte("path,size,md5,sha1,sha256,pdq,pdq_quality\n\"a,b\",1,"+md5a+","+sha1a+","+sha256a+","+sha256a+",50\n"),
		[]byte("ID;Category;MD5;aHash;PhotoDNA;SHA512\r\n1;2;"+md5a+";a:0011223344556677;x;y\r\n"))
}

func FuzzVICS(f *testing.F) {
	fuzzReader(f, "vics", []string{"vics/NSRL-CAID-ART.json", "vics/NSRL-CAID-MPG.json"},
		[]byte(`{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.1.xml#Cases","value":[{"CaseID":"x","Media":[{"MediaID":1,"MD5":"`+md5a+`","Category":null,"MediaSize":"5"}]}]}`),
		[]byte(`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media","value":[{"MediaID":1,"SHA1":"`+sha1a+`","AlternativeHashes":[{"HashName":"PhotoDNA","HashValue":"AAAA"},{"HashName":"PDQ","HashValue":"`+sha256a+`"}]}]}`))
}

func FuzzNCMEC(f *testing.F) {
	fuzzReader(f, "ncmec", []string{"ncmec/hashsharing-v2-entries-example.xml", "ncmec/hashsharing-v2-video-large-fingerprints-example.xml"},
		[]byte(`<queryResult><images><image><id>1</id><fingerprints><pdq>`+sha256a+`</pdq></fingerprints></image><deletedImage><id>2</id></deletedImage></images></queryResult>`))
}

func FuzzEnCase(f *testing.F) {
	ds := [][16]byte{md5.Sum([]byte("a")), md5.Sum([]byte("b"))}
	fuzzReader(f, "encase", nil, encaseFile("set", "cat", ds, 2), encaseFile("set", "cat", ds, 9)[:0x490])
}

// FuzzDetect runs detection and the detected reader on arbitrary input.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"sleuthkit/testmd5.dat", "hashdeep/hashdeep.txt", "hashdeep/ilookv3.hsh", "nsrl/NSRL-2.0.txt",
		"vics/NSRL-CAID-ART.json", "ncmec/hashsharing-v2-entries-example.xml", "sleuthkit/testmd5.dat-md5.idx"} {
		b, _ := os.ReadFile(filepath.Join("testdata", "lists", s))
		f.Add(b)
	}
	f.Add(gzipped([]byte(md5a + "  x\n")))
	f.Add([]byte("hash,quality\n" + sha256a + ",1\n"))
	f.Add(utf16Bytes(md5a+"  x\r\n", true))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, func() (Reader, error) { return NewReader(bytes.NewReader(data), "fuzz", "auto") }, len(data)*1024)
	})
}

func FuzzDFXML(f *testing.F) {
	fuzzReader(f, "dfxml", []string{"dfxml/difference_test_0.xml", "dfxml/minimal.dfxml"},
		[]byte(`<dfxml version="1.0"><volume><fileobject><filename>a</filename><hashdigest type="SHA256">`+sha256a+`</hashdigest><hashdigest type="MD6">x</hashdigest></fileobject></volume></dfxml>`))
}

func FuzzJSONL(f *testing.F) {
	fuzzReader(f, "jsonl", nil,
		[]byte(`{"path":"a","size":1,"md5":"`+md5a+`","pdq":"`+sha256a+`","pdq_quality":5}`+"\n"+`{"path_hex":"00","ahash":"a:0011223344556677"}`+"\n"))
}
