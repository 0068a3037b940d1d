package evidence

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSniffRandomHeads: content that merely happens to carry a magic
// number must not sniff as a container (a spurious expansion failure is an
// error record and exit status 2). 200,000 seeded random 4 KiB heads, each
// also with the ext and MBR/boot-sector magic numbers planted, stand for
// random files; none may be recognised.
func TestSniffRandomHeads(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	rng := rand.New(rand.NewPCG(5, 65536))
	head := make([]byte, 4096)
	found := map[string]int{}
	for i := 0; i < n; i++ {
		for j := 0; j < len(head); j += 8 {
			v := rng.Uint64()
			for k := 0; k < 8; k++ {
				head[j+k] = byte(v >> (8 * k))
			}
		}
		if c := Sniff(head); c.Name != "" {
			found[c.Name+" (random)"]++
		}
		// The two-byte magic numbers a random file carries once in 65,536.
		head[1080], head[1081] = 0x53, 0xEF
		if c := Sniff(head); c.Name != "" {
			found[c.Name+" (ext magic planted)"]++
		}
		head[510], head[511] = 0x55, 0xAA
		if c := Sniff(head); c.Name != "" {
			found[c.Name+" (55 AA planted)"]++
		}
	}
	if len(found) > 0 {
		t.Errorf("random content sniffed as containers: %v", found)
	}
}

// TestSniffFixtures: every container fixture of the project is still
// recognised, by content, as what it is.
func TestSniffFixtures(t *testing.T) {
	cases := []struct{ file, want string }{
		{"volume/testdata/mbr.img.gz", "disk"}, {"volume/testdata/gpt.img.gz", "disk"},
		{"volume/testdata/ntfs.img.gz", "ntfs"}, {"volume/testdata/fuzz-ntfs.img.gz", "ntfs"},
		{"volume/testdata/fat12.img.gz", "fat"}, {"volume/testdata/fat16.img.gz", "fat"},
		{"volume/testdata/fat32.img.gz", "fat"}, {"volume/testdata/fuzz-fat12.img.gz", "fat"},
		{"volume/testdata/ext2.img.gz", "ext4"}, {"volume/testdata/ext4.img.gz", "ext4"},
		{"volume/testdata/fuzz-ext4.img.gz", "ext4"}, {"volume/testdata/exfat.img.gz", "exfat"},
		{"../testdata/e2e/disk.img.gz", "disk"}, {"../testdata/e2e/disk.E01", "e01"},
		{"ewf/testdata/image.E01", "e01"}, {"ewf/testdata/split.E01", "e01"},
		{"archive/testdata/sample.zip", "zip"}, {"archive/testdata/sample.tar", "tar"},
		{"archive/testdata/v7.tar", "tar"}, {"archive/testdata/sample.tar.gz", "gzip"},
		{"archive/testdata/hello.txt.gz", "gzip"}, {"archive/testdata/numbers.txt.gz", "gzip"},
		{"archive/testdata/sample.tar.bz2", "bzip2"}, {"archive/testdata/hello.txt.bz2", "bzip2"},
		{"archive/testdata/sample.tar.xz", "xz"}, {"archive/testdata/hello.txt.xz", "xz"},
		{"archive/testdata/sample.7z", "7z"}, {"archive/testdata/nested.7z", "7z"},
		{"archive/testdata/rar4.rar", "rar"}, {"archive/testdata/rar5.rar", "rar"},
	}
	for _, tc := range cases {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		// Compressed volume images are sniffed as what they hold; the
		// gzip fixtures of the archive package as gzip.
		if strings.HasSuffix(tc.file, ".img.gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			if b, err = io.ReadAll(io.LimitReader(zr, SniffSize)); err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
		}
		if c := Sniff(b[:min(len(b), SniffSize)]); c.Name != tc.want {
			t.Errorf("%s: sniffed as %q, want %q", filepath.Base(tc.file), c.Name, tc.want)
		}
	}
}
