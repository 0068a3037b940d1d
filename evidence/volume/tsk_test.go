package volume

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCrossCheckTSK compares the listing of every fixture volume with The
// Sleuth Kit's fls: paths, inode (MFT entry) numbers and deleted flags of
// regular files, streams and symbolic links. It runs where fls is
// installed (package sleuthkit) and is skipped elsewhere.
func TestCrossCheckTSK(t *testing.T) {
	fls, err := exec.LookPath("fls")
	if err != nil {
		t.Skip("fls (The Sleuth Kit) not installed")
	}
	for _, name := range []string{"fat12.img.gz", "fat16.img.gz", "fat32.img.gz", "ext4.img.gz", "ext2.img.gz", "ntfs.img.gz", "ntfs-links.img.gz", "exfat.img.gz", "mbr.img.gz", "gpt.img.gz"} {
		t.Run(name, func(t *testing.T) {
			disk := fixture(t, name)
			img := filepath.Join(t.TempDir(), "disk.img")
			if err := os.WriteFile(img, disk, 0o444); err != nil {
				t.Fatal(err)
			}
			got, sum := list(t, bytes.NewReader(disk), int64(len(disk)))
			checked := 0
			for _, v := range sum.Volumes {
				if v.FileSystem == "" {
					continue
				}
				out, err := exec.Command(fls, "-r", "-p", "-o", strconv.FormatInt(v.Offset/512, 10), img).Output()
				if err != nil {
					t.Fatalf("fls on volume %q: %v", v.Name, err)
				}
				want := parseFLS(t, string(out), v.Name, v.FileSystem)
				var ours []string
				for _, l := range got {
					if l.Err != "" || l.Kind == KindOther {
						continue
					}
					rel := l.Path
					if v.Name != "" {
						if !strings.HasPrefix(l.Path, v.Name+"/") {
							continue
						}
						rel = l.Path[len(v.Name)+1:]
					}
					ours = append(ours, fmt.Sprintf("%s inode=%d deleted=%v", rel, l.Inode, l.Deleted))
				}
				sort.Strings(ours)
				if strings.Join(ours, "\n") != strings.Join(want, "\n") {
					t.Errorf("volume %q differs from fls:\nours:\n%s\nfls:\n%s", v.Name, strings.Join(ours, "\n"), strings.Join(want, "\n"))
				}
				checked += len(want)
			}
			if checked == 0 {
				t.Error("fls listed nothing to compare")
			}
		})
	}
}

// parseFLS turns "r/r * 75-128-2:\tpics/deleted.jpg" lines into the same
// form as ours, keeping regular files and symbolic links and leaving out
// what hashtriage deliberately does not list: TSK's virtual files
// ($MBR, $FAT1, $OrphanFiles), NTFS metadata files and volume labels.
func parseFLS(t *testing.T, out, vol, fs string) []string {
	var res []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		meta, name, ok := strings.Cut(line, ":\t")
		if !ok {
			t.Fatalf("fls line %q", line)
		}
		f := strings.Fields(meta)
		if len(f) < 2 {
			t.Fatalf("fls line %q", line)
		}
		typ := f[0]
		deleted := f[1] == "*"
		ino := f[len(f)-1]
		if i := strings.IndexByte(ino, '-'); i >= 0 {
			ino = ino[:i]
		}
		n, err := strconv.ParseUint(ino, 10, 64)
		if err != nil {
			t.Fatalf("fls line %q: inode: %v", line, err)
		}
		if !(strings.HasSuffix(typ, "/r") || strings.HasSuffix(typ, "/l")) || strings.HasPrefix(name, "$") ||
			strings.Contains(name, "(Volume Label Entry)") || fs == "ntfs" && n < ntfsFirstUserRecord {
			continue
		}
		name = strings.TrimSuffix(name, " (realloc)")
		res = append(res, fmt.Sprintf("%s inode=%d deleted=%v", name, n, deleted))
	}
	sort.Strings(res)
	return res
}
