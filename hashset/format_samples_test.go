package hashset

import (
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// listResult is everything a reader produced.
type listResult struct {
	entries []Entry
	perrs   []*ParseError
	info    ListInfo
}

func (l *listResult) counts() map[Algorithm]int {
	c := map[Algorithm]int{}
	for _, e := range l.entries {
		c[e.Algorithm]++
	}
	return c
}

// drain reads r to the end, collecting entries and parse errors; any other
// error fails the test.
func drain(t testing.TB, r Reader) *listResult {
	t.Helper()
	res := &listResult{}
	for i := 0; ; i++ {
		if i > 10_000_000 {
			t.Fatal("reader does not end")
		}
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			res.perrs = append(res.perrs, pe)
			continue
		}
		if err != nil {
			t.Fatalf("fatal error after %d entries: %v", len(res.entries), err)
		}
		if len(e.Digest) != e.Algorithm.Size() {
			t.Fatalf("entry %+v: digest of %d bytes for %s", e, len(e.Digest), e.Algorithm)
		}
		res.entries = append(res.entries, e)
	}
	res.info = r.Info()
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return res
}

func openAndDrain(t testing.TB, path, format string) *listResult {
	t.Helper()
	r, err := OpenList(path, format)
	if err != nil {
		t.Fatalf("OpenList(%s, %q): %v", path, format, err)
	}
	return drain(t, r)
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// TestSamples checks every public hash-list sample: detected format, the
// number of entries per algorithm, unsupported and PhotoDNA counts, parse
// errors, and one entry in full.
//
// The expected counts were obtained independently of this code, with grep
// over the files, e.g.
//
//	grep -cE '^[0-9a-fA-F]{32} \*' sleuthkit/testmd5.dat                    -> 28
//	grep -cE '^[0-9A-F]{32}\|[0-9]{16}$' sleuthkit/testmd5.dat-md5.idx      -> 28
//	grep -cE '^[0-9]+,[0-9a-f]{32},[0-9a-f]{64},' hashdeep/hashdeep.txt     -> 3
//	grep -cE '^[0-9a-f]{32}  ' hashdeep/md5deep.txt                         -> 4
//	grep -cE '^ *[0-9]+  [0-9a-f]{32}  ' hashdeep/md5deep-size.txt          -> 4
//	grep -cE '^MD5 \(.*\) = [0-9a-f]{32}$' hashdeep/bsd-hashes.txt          -> 5
//	grep -cE '^[0-9a-f]{32}  ' hashdeep/known.txt                           -> 1 (of 2 lines)
//	grep -cE '^[0-9A-F]{32},[0-9A-F]{40},' hashdeep/ilookv[34].hsh          -> 5 each (SHA-256 column empty)
//	tail -n +2 hashdeep/Z00236.hsh | cut -d, -f5 | grep -cE '^"[0-9A-Fa-f]{32}"$' -> 6994 (one lower-case)
//	grep -cE '^"[0-9A-F]{40}",' nsrl/NSRL-*.txt                            -> 218 each
//	grep -oE '"[0-9A-F]{8}"' nsrl/NSRL-*.txt | wc -l                        -> 218 CRC32 each
//	grep -c '"00000000000000000000000000000000"' nsrl/NSRL-1.5.txt          -> 218 MD4
//	grep -oE '"SHA1":"[0-9a-f]{40}"' vics/NSRL-CAID-*.json | wc -l           -> 1, 30, 9, 3
//	grep -c '<md5>' / '<sha1>' / '<pdna>' / '<deleted' ncmec/...entries...   -> 2, 2, 1, 2
//	grep -c "type='md5'" / "type='sha1'" dfxml/difference_test_0.xml        -> 3, 3
func TestSamples(t *testing.T) {
	tests := []struct {
		file        string
		format      string
		version     string
		counts      map[Algorithm]int
		unsupported map[string]int
		photoDNA    int
		errLines    []int
		meta        map[string]string
		check       func(t *testing.T, r *listResult)
	}{
		{file: "sleuthkit/testmd5.dat", format: "md5sum", counts: map[Algorithm]int{MD5: 28},
			check: first("866823fb29c0bf5d8dbc35e1cf14c2d9", "blkcalc.exe", -1, 1)},
		{file: "sleuthkit/testmd5.dat-md5.idx", format: "tskidx", counts: map[Algorithm]int{MD5: 28},
			meta:  map[string]string{"source_type": "md5sum", "source_name": "testmd5.dat"},
			check: first("03782788d3daeccc91bbf5402b0d95fa", "", -1, 3)},
		{file: "hashdeep/hashdeep.txt", format: "hashdeep", version: "1.0", counts: map[Algorithm]int{MD5: 3, SHA256: 3},
			meta:  map[string]string{"columns": "size,md5,sha256,filename"},
			check: first("6f4a8ac099c4fe85164b8631c7f0bd2b", "/Users/jessek/projects/md5deep/sample-hashes/ilookv3.hsh", 622, 5)},
		{file: "hashdeep/md5deep.txt", format: "md5sum", counts: map[Algorithm]int{MD5: 4},
			check: first("92e792c43c35e96fed3f9566083326fc", "/Users/jessek/a.out", -1, 1)},
		{file: "hashdeep/md5deep-size.txt", format: "md5sum", counts: map[Algorithm]int{MD5: 4},
			check: first("92e792c43c35e96fed3f9566083326fc", "/Users/jessek/a.out", 669416, 1)},
		{file: "hashdeep/bsd-hashes.txt", format: "md5sum", counts: map[Algorithm]int{MD5: 5},
			check: first("555b3e940c86b35d6e0c9976a05b3aa5", "copying.txt", -1, 1)},
		{file: "hashdeep/known.txt", format: "md5sum", counts: map[Algorithm]int{MD5: 1}, errLines: []int{2},
			check: first("07ff3b8f4f2990192b595ca148d284bd", "ChangeLog", -1, 1)},
		{file: "hashdeep/ilookv3.hsh", format: "ilook", version: "3", counts: map[Algorithm]int{MD5: 5, SHA1: 5},
			check: first("b5e254df3bb37efcdfd883d69897770a", `\fccu-docprop-0.1.tar.gz`, 10429, 2)},
		{file: "hashdeep/ilookv4.hsh", format: "ilook", version: "4", counts: map[Algorithm]int{MD5: 5, SHA1: 5},
			check: first("b5e254df3bb37efcdfd883d69897770a", `D:\md5deep\fccu-docprop-0.1.tar.gz`, 10429, 2)},
		{file: "hashdeep/Z00236.hsh", format: "hashkeeper", counts: map[Algorithm]int{MD5: 6994},
			meta: map[string]string{"hke.name": "Z00236 Microsoft Windows 2000 Server", "hke.notable_flag": "0",
				"hke.hashset_id": "671", "hke.date_loaded": "2/22/02 13:41:29"},
			check: first("9497acf3cf8a2e90ae82dae37b6373e4", "acsetups.pdb", 91136, 2)},
		{file: "nsrl/NSRL-1.5.txt", format: "nsrl", version: "1.5", counts: map[Algorithm]int{SHA1: 218, MD5: 218},
			unsupported: map[string]int{"md4": 218, "crc32": 218},
			check:       first("00d1034546f530d746131ce2a28a052db21652ec", "INFODESK.IC$", 503, 2)},
		{file: "nsrl/NSRL-2.0.txt", format: "nsrl", version: "2.x", counts: map[Algorithm]int{SHA1: 218, MD5: 218},
			unsupported: map[string]int{"crc32": 218},
			check:       first("00d1034546f530d746131ce2a28a052db21652ec", "INFODESK.IC$", 503, 2)},
		{file: "nsrl/hashdeep-tests-nsrlfile.txt", format: "nsrl", version: "2.x", counts: map[Algorithm]int{SHA1: 2, MD5: 2},
			unsupported: map[string]int{"crc32": 2},
			check: func(t *testing.T, r *listResult) {
				last := r.entries[len(r.entries)-1]
				if last.ID != "    ___" || last.Size != 0 || !IsEmptyInputDigest(last.Algorithm, last.Digest) {
					t.Errorf("padded empty-file record read as %+v", last)
				}
			}},
		{file: "vics/NSRL-CAID-ART.json", format: "vics", version: "1.2", counts: map[Algorithm]int{MD5: 1, SHA1: 1},
			meta: map[string]string{"shape": "Media", "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"},
			check: func(t *testing.T, r *listResult) {
				first("588cd1c0e48916d8e7403310402d0a68", "", 488, 1)(t, r) // MediaID 0 names nothing
				if r.entries[0].Category != "8" || r.entries[1].Algorithm != SHA1 || r.entries[1].Line != 1 {
					t.Errorf("entries %+v", r.entries)
				}
			}},
		{file: "vics/NSRL-CAID-MPG.json", format: "vics", version: "1.2", counts: map[Algorithm]int{MD5: 3, SHA1: 3}},
		{file: "vics/NSRL-CAID-MOV.json", format: "vics", version: "1.2", counts: map[Algorithm]int{MD5: 9, SHA1: 9}},
		{file: "vics/NSRL-CAID-AVI.json", format: "vics", version: "1.2", counts: map[Algorithm]int{MD5: 30, SHA1: 30},
			check: func(t *testing.T, r *listResult) {
				if l := r.entries[len(r.entries)-1].Line; l != 30 {
					t.Errorf("last Media record number %d, want 30", l)
				}
			}},
		{file: "ncmec/hashsharing-v2-entries-example.xml", format: "ncmec",
			counts: map[Algorithm]int{MD5: 2, SHA1: 2, Unknown: 2}, photoDNA: 1,
			meta: map[string]string{"images.count": "2", "videos.count": "2",
				"paging.next": "/v2/entries?from=2017-10-20T00%3A00%3A00.000Z&to=2017-10-30T00%3A00%3A00.000Z&start=2001&size=1000&max=3000"},
			check: func(t *testing.T, r *listResult) {
				first("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "image1", -1, 1)(t, r)
				if r.entries[0].Category != "A1" {
					t.Errorf("classification %q, want A1", r.entries[0].Category)
				}
				var deleted []string
				for _, e := range r.entries {
					if e.Delete {
						deleted = append(deleted, e.ID)
					}
				}
				if strings.Join(deleted, ",") != "image4,video4" {
					t.Errorf("deletions %v, want image4,video4", deleted)
				}
			}},
		{file: "ncmec/hashsharing-v2-video-large-fingerprints-example.xml", format: "ncmec",
			counts: map[Algorithm]int{MD5: 1}, unsupported: map[string]int{"tmk-pdqf": 1, "videntifier": 1},
			check: first("facefacefacefacefacefacefaceface", "largetags", -1, 1)},
		{file: "dfxml/difference_test_0.xml", format: "dfxml", version: "1.0", counts: map[Algorithm]int{MD5: 3, SHA1: 3},
			meta:  map[string]string{"creator.program": "vi", "execution_environment.command_line": "vi pre.xml", "metadata.type": "Sample"},
			check: first("3d90d31043ad6158de35eacc7ac39069", "i_will_be_deleted.txt", 20, 1)},
		{file: "dfxml/minimal.dfxml", format: "dfxml", version: "2.0.0-beta.0", counts: map[Algorithm]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "lists", tt.file)
			f, err := DetectFormat(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != tt.format {
				t.Fatalf("detected %s, want %s", f.Name, tt.format)
			}
			r := openAndDrain(t, path, "auto")
			if got := r.counts(); !maps.Equal(got, tt.counts) {
				t.Errorf("counts %v, want %v", got, tt.counts)
			}
			if r.info.Format != tt.format || r.info.FormatVersion != tt.version {
				t.Errorf("info format %q version %q, want %q %q", r.info.Format, r.info.FormatVersion, tt.format, tt.version)
			}
			if !maps.Equal(r.info.Unsupported, tt.unsupported) && (len(r.info.Unsupported) > 0 || len(tt.unsupported) > 0) {
				t.Errorf("unsupported %v, want %v", r.info.Unsupported, tt.unsupported)
			}
			if r.info.PhotoDNA != tt.photoDNA {
				t.Errorf("PhotoDNA %d, want %d", r.info.PhotoDNA, tt.photoDNA)
			}
			checkErrorLines(t, r, path, tt.errLines)
			for k, v := range tt.meta {
				if r.info.Metadata[k] != v {
					t.Errorf("metadata %q = %q, want %q", k, r.info.Metadata[k], v)
				}
			}
			if tt.check != nil && len(r.entries) > 0 {
				tt.check(t, r)
			}
		})
	}
}

// first checks the first entry's digest, ID, size and line.
func first(digest, id string, size int64, line int) func(*testing.T, *listResult) {
	return func(t *testing.T, r *listResult) {
		t.Helper()
		e := r.entries[0]
		if hexOf(e.Digest) != digest || e.ID != id || e.Size != size || e.Line != line {
			t.Errorf("first entry %s id %q size %d line %d, want %s %q %d %d",
				hexOf(e.Digest), e.ID, e.Size, e.Line, digest, id, size, line)
		}
	}
}

// TestSamplesMatchShared makes sure the fixtures are still the shared
// samples byte for byte (skipped where the shared folder is absent).
func TestSamplesMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "formats-samples")
	if _, err := os.Stat(shared); err != nil {
		t.Skip("shared formats-samples not beside the clone")
	}
	err := filepath.WalkDir(filepath.Join("testdata", "lists"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("testdata", "lists"), p)
		want, err := os.ReadFile(filepath.Join(shared, rel))
		if err != nil {
			return err
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from the shared sample", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnsupportedSamples checks that non-list files get a clear error.
func TestUnsupportedSamples(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "formats-samples")
	tests := []struct{ file, want string }{
		{"dcso-bloom/test.bloom", "bloom"},
		{"dcso-bloom/test.bloom.gz", "bloom"},
		{"dcso-bloom/broken.bloom", "bloom"},
		{"hashdeep/Z00236.hke", ".hke"},
		{"nsrl/RDSv3_2021.12.2_curated.schema.sql", "SQL script"},
	}
	for _, tt := range tests {
		path := filepath.Join(shared, tt.file)
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join("testdata", "lists", tt.file)
			if _, err := os.Stat(path); err != nil {
				continue
			}
		}
		_, err := DetectFormat(path)
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), tt.want) ||
			!strings.Contains(err.Error(), "md5sum") {
			t.Errorf("%s: error %v, want ErrUnknownFormat mentioning %q and the formats considered", tt.file, err, tt.want)
		}
	}
}
