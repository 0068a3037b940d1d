package volume

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	testfixture "github.com/hashtriage/hashtriage/internal/fixture"
)

// fixture returns the decompressed bytes of testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return testfixture.Gunzip(t, filepath.Join("testdata", name))
}

// plantedMD5 reads testdata/files.md5, written by make-fixtures.sh, keyed
// by base name.
func plantedMD5(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/files.md5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("files.md5: bad line %q", sc.Text())
		}
		m[path.Base(name)] = sum
	}
	return m
}

type listed struct {
	Path    string
	Size    int64
	FS      string
	Inode   uint64
	Deleted bool
	Stream  string
	Kind    Kind
	MD5     string
	Err     string
}

func list(t testing.TB, r io.ReaderAt, size int64) ([]listed, *Summary) {
	t.Helper()
	var out []listed
	s, err := Walk(context.Background(), r, size, func(e Entry) error {
		l := listed{Path: e.Path, Size: e.Size, FS: e.FileSystem, Inode: e.Inode, Deleted: e.Deleted, Stream: e.Stream, Kind: e.Kind}
		if e.Err != nil {
			l.Err = e.Err.Error()
		} else if e.Kind == KindRegular {
			f, err := e.Open()
			if err != nil {
				t.Fatalf("%s: open: %v", e.Path, err)
			}
			h := md5.New()
			n, err := io.Copy(h, f)
			if err != nil || n != e.Size {
				t.Fatalf("%s: read %d of %d bytes: %v", e.Path, n, e.Size, err)
			}
			l.MD5 = hex.EncodeToString(h.Sum(nil))
		}
		out = append(out, l)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, s
}

// want describes the planted files as a file system lists them.
type want struct {
	path, content string // content: base name in files.md5
	inode         uint64
	deleted       bool
	stream        string
	kind          Kind
}

var (
	fat12Files = []want{
		{path: "Long File Name With Spaces.txt", inode: 7}, {path: "big.bin", inode: 8},
		{path: "docs/nested/deep/notes.txt", inode: 4069}, {path: "docs/readme.txt", inode: 3973},
		{path: "empty.txt", inode: 10}, {path: "pics/_eleted.jpg", content: "deleted.jpg", inode: 4166, deleted: true},
		{path: "pics/photo.jpg", inode: 4165},
	}
	fat16Files = []want{
		{path: "Long File Name With Spaces.txt", inode: 7}, {path: "big.bin", inode: 8},
		{path: "docs/nested/deep/notes.txt", inode: 3989}, {path: "docs/readme.txt", inode: 3941},
		{path: "empty.txt", inode: 10}, {path: "pics/_eleted.jpg", content: "deleted.jpg", inode: 4054, deleted: true},
		{path: "pics/photo.jpg", inode: 4053},
	}
	fat32Files = []want{
		{path: "Long File Name With Spaces.txt", inode: 7}, {path: "big.bin", inode: 8},
		{path: "docs/nested/deep/notes.txt", inode: 3493}, {path: "docs/readme.txt", inode: 3445},
		{path: "empty.txt", inode: 10}, {path: "pics/_eleted.jpg", content: "deleted.jpg", inode: 3558, deleted: true},
		{path: "pics/photo.jpg", inode: 3557},
	}
	ext4Files = []want{
		{path: "Long File Name With Spaces.txt", inode: 12}, {path: "big.bin", inode: 13},
		{path: "docs/nested/deep/notes.txt", inode: 17}, {path: "docs/readme.txt", inode: 18},
		{path: "empty.txt", inode: 19}, {path: "link-to-readme", inode: 22, kind: KindSymlink},
		{path: "pics/deleted.jpg", inode: 23, deleted: true}, {path: "pics/photo.jpg", inode: 21},
	}
	ext2Files = []want{
		{path: "Long File Name With Spaces.txt", inode: 12}, {path: "big.bin", inode: 13},
		{path: "docs/nested/deep/notes.txt", inode: 17}, {path: "docs/readme.txt", inode: 18},
		{path: "empty.txt", inode: 19}, {path: "large.bin", inode: 20}, {path: "pics/photo.jpg", inode: 22},
	}
	exfatFiles = []want{
		{path: "Long File Name With Spaces.txt", inode: 396}, {path: "big.bin", inode: 400},
		{path: "docs/nested/deep/notes.txt", inode: 771}, {path: "docs/readme.txt", inode: 518},
		{path: "empty.txt", inode: 403}, {path: "pics/deleted.jpg", inode: 902, deleted: true},
		{path: "pics/photo.jpg", inode: 899},
	}
	ntfsFiles = []want{
		{path: "Long File Name With Spaces.txt", inode: 68}, {path: "big.bin", inode: 69},
		{path: "docs/nested/deep/notes.txt", inode: 70}, {path: "docs/readme.txt", inode: 71},
		{path: "docs/readme.txt:secret", content: "ads.txt", inode: 71, stream: "secret"},
		{path: "compressed/big.bin", inode: 76}, {path: "empty.txt", inode: 72}, {path: "pics/deleted.jpg", inode: 77, deleted: true},
		{path: "pics/photo.jpg", inode: 73}, {path: "sparse.bin", inode: 74},
	}
)

func expect(t *testing.T, prefix, fs string, ws []want) []listed {
	sums := plantedMD5(t)
	// large.bin (ext2 only) is seq 1 60000: generated here, not listed.
	var seq strings.Builder
	for i := 1; i <= 60000; i++ {
		fmt.Fprintf(&seq, "%d\n", i)
	}
	sum := md5.Sum([]byte(seq.String()))
	sums["large.bin"] = hex.EncodeToString(sum[:])
	var out []listed
	for _, w := range ws {
		content := w.content
		if content == "" {
			content = path.Base(w.path)
		}
		l := listed{Path: joinPath(prefix, w.path), FS: fs, Inode: w.inode, Deleted: w.deleted, Stream: w.stream, Kind: w.kind}
		if w.kind == KindRegular {
			l.MD5 = sums[content]
			if l.MD5 == "" {
				t.Fatalf("no planted MD5 for %s", content)
			}
		}
		out = append(out, l)
	}
	return out
}

func TestListFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		scheme  string
		files   []listed
		errs    []string // paths of entries with Err
		volumes []string // "name fs"
	}{
		{fixture: "fat12.img.gz", files: expect(t, "", "fat12", fat12Files), volumes: []string{" fat12"}},
		{fixture: "fat16.img.gz", files: expect(t, "", "fat16", fat16Files), volumes: []string{" fat16"}},
		{fixture: "fat32.img.gz", files: expect(t, "", "fat32", fat32Files), volumes: []string{" fat32"}},
		{fixture: "ext4.img.gz", files: expect(t, "", "ext4", ext4Files), volumes: []string{" ext4"}},
		{fixture: "ntfs.img.gz", files: expect(t, "", "ntfs", ntfsFiles), volumes: []string{" ntfs"}},
		// One file (MFT record 66) with three hard links: listed under
		// each of its names, as fls lists it.
		{fixture: "ntfs-links.img.gz", files: expect(t, "", "ntfs", []want{
			{path: "a/one.txt", inode: 66}, {path: "a/three.txt", content: "one.txt", inode: 66},
			{path: "b/plain.txt", inode: 67}, {path: "b/two.txt", content: "one.txt", inode: 66},
		}), volumes: []string{" ntfs"}},
		{fixture: "ext2.img.gz", files: expect(t, "", "ext2", ext2Files), volumes: []string{" ext2"}},
		{fixture: "exfat.img.gz", files: expect(t, "", "exfat", exfatFiles), volumes: []string{" exfat"}},
		{fixture: "mbr.img.gz", scheme: "mbr",
			files:   append(append(expect(t, "p1", "fat16", fat16Files), expect(t, "p2", "ext4", ext4Files)...), expect(t, "p5", "fat12", fat12Files)...),
			volumes: []string{"p1 fat16", "p2 ext4", "p5 fat12"}},
		{fixture: "gpt.img.gz", scheme: "gpt",
			files: append(expect(t, "p1", "ntfs", ntfsFiles), expect(t, "p2", "fat12", fat12Files)...),
			errs:  []string{"p3"}, volumes: []string{"p1 ntfs", "p2 fat12", "p3 "}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			disk := fixture(t, tc.fixture)
			got, sum := list(t, bytes.NewReader(disk), int64(len(disk)))
			var files []listed
			var errs []string
			for _, l := range got {
				if l.Err != "" {
					errs = append(errs, l.Path)
					continue
				}
				l.Size = 0 // sizes are implied by the MD5s, checked against Size in list
				files = append(files, l)
			}
			sort.Slice(tc.files, func(i, j int) bool { return tc.files[i].Path < tc.files[j].Path })
			if fmt.Sprint(files) != fmt.Sprint(tc.files) {
				t.Errorf("files:\n got %v\nwant %v", files, tc.files)
			}
			if fmt.Sprint(errs) != fmt.Sprint(tc.errs) {
				t.Errorf("error entries: got %v, want %v", errs, tc.errs)
			}
			if sum.Scheme != tc.scheme {
				t.Errorf("scheme %q, want %q", sum.Scheme, tc.scheme)
			}
			var vols []string
			for _, v := range sum.Volumes {
				vols = append(vols, v.Name+" "+v.FileSystem)
			}
			if fmt.Sprint(vols) != fmt.Sprint(tc.volumes) {
				t.Errorf("volumes %v, want %v", vols, tc.volumes)
			}
			// Every parsed volume reports its free space as not examined.
			for _, v := range sum.Volumes {
				if v.FileSystem == "" {
					continue
				}
				found := false
				for _, g := range sum.Gaps {
					found = found || g.Volume == v.Name && g.Offset == -1 && g.Length > 0 && strings.Contains(g.Reason, "free space")
				}
				if !found {
					t.Errorf("volume %q: no free-space gap in %v", v.Name, sum.Gaps)
				}
			}
			if tc.scheme != "" && !hasGap(sum, "", 0, 1<<20) {
				t.Errorf("the first MiB outside any partition is not reported: %v", sum.Gaps)
			}
			if tc.scheme == "gpt" && !hasGap(sum, "p3", 6<<20, 1<<20) {
				t.Errorf("the unformatted partition is not reported as a gap: %v", sum.Gaps)
			}
		})
	}
}

func hasGap(s *Summary, vol string, off, length int64) bool {
	for _, g := range s.Gaps {
		if g.Volume == vol && g.Offset == off && g.Length == length {
			return true
		}
	}
	return false
}

// TestMetadata checks times and flags that a report carries.
func TestMetadata(t *testing.T) {
	disk := fixture(t, "ntfs.img.gz")
	var readme, deleted Entry
	_, err := Walk(context.Background(), bytes.NewReader(disk), int64(len(disk)), func(e Entry) error {
		switch e.Path {
		case "docs/readme.txt":
			readme = e
		case "pics/deleted.jpg":
			deleted = e
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// make-fixtures.sh sets every planted file's mtime to SOURCE_DATE_EPOCH.
	if got := readme.Modified.Unix(); got != 1700000000 {
		t.Errorf("readme mtime %v (%d), want 1700000000", readme.Modified, got)
	}
	if readme.Created.IsZero() || readme.Changed.IsZero() || readme.Accessed.IsZero() {
		t.Errorf("readme: missing MACB times: %+v", readme)
	}
	if readme.Modified.Location().String() != "UTC" {
		t.Errorf("times are not UTC: %v", readme.Modified.Location())
	}
	if !deleted.Deleted || deleted.Note == "" {
		t.Errorf("deleted file not flagged as deleted and unverified: %+v", deleted)
	}
}

func TestSplitRaw(t *testing.T) {
	disk := fixture(t, "mbr.img.gz")
	dir := t.TempDir()
	// Odd segment sizes, so that files and sectors straddle segment ends.
	cuts := []int{0, 3_000_001, 5_242_881, 7_000_000, len(disk)}
	for i := 0; i+1 < len(cuts); i++ {
		name := filepath.Join(dir, fmt.Sprintf("disk.%03d", i+1))
		if err := os.WriteFile(name, disk[cuts[i]:cuts[i+1]], 0o444); err != nil {
			t.Fatal(err)
		}
	}
	img, err := OpenSplitRaw(filepath.Join(dir, "disk.001"))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Size() != int64(len(disk)) || len(img.Segments()) != 4 {
		t.Fatalf("size %d with %d segments, want %d with 4", img.Size(), len(img.Segments()), len(disk))
	}
	for _, off := range []int64{0, 3_000_000, 5_242_870, int64(len(disk)) - 7} {
		p := make([]byte, 20)
		n, err := img.ReadAt(p, off)
		want := disk[off:min(off+20, int64(len(disk)))]
		if !bytes.Equal(p[:n], want) || (n < 20) != (err == io.EOF) {
			t.Errorf("ReadAt(%d): %d bytes, %v; differs from the image", off, n, err)
		}
	}
	got, _ := list(t, img, img.Size())
	want, _ := list(t, bytes.NewReader(disk), int64(len(disk)))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("split listing differs:\n got %v\nwant %v", got, want)
	}
	if !IsSplitRawName("disk.001") || IsSplitRawName("disk.002") || IsSplitRawName("photo.jpg") {
		t.Error("IsSplitRawName misjudges names")
	}
}

func TestOpenRaw(t *testing.T) {
	disk := fixture(t, "fat12.img.gz")
	name := filepath.Join(t.TempDir(), "fat.dd")
	if err := os.WriteFile(name, disk, 0o444); err != nil { // read-only: OpenRaw must not need write access
		t.Fatal(err)
	}
	img, err := OpenRaw(name)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	got, _ := list(t, img, img.Size())
	if len(got) != len(fat12Files) {
		t.Errorf("listed %d entries, want %d", len(got), len(fat12Files))
	}
}
