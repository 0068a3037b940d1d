package evidence

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/evidence/volume"
	"github.com/hashtriage/hashtriage/internal/fixture"
)

func volumeFixture(t *testing.T, name string) []byte {
	t.Helper()
	return fixture.Gunzip(t, "volume/testdata/"+name)
}

func TestSniffVolumes(t *testing.T) {
	for _, tc := range []struct{ fixture, want string }{
		{"mbr.img.gz", "disk"}, {"gpt.img.gz", "disk"}, {"ntfs.img.gz", "ntfs"},
		{"fat12.img.gz", "fat"}, {"fat32.img.gz", "fat"}, {"ext4.img.gz", "ext4"}, {"exfat.img.gz", "exfat"},
	} {
		disk := volumeFixture(t, tc.fixture)
		c := Sniff(disk[:SniffSize])
		if c.Name != tc.want || !c.Disk {
			t.Errorf("%s: Sniff = %+v, want %q disk", tc.fixture, c, tc.want)
		}
	}
	if c := Sniff(bytes.Repeat([]byte("not a disk "), 6000)); c.Disk {
		t.Errorf("text sniffed as %+v", c)
	}
	if c := Sniff(make([]byte, SniffSize)); c.Disk {
		t.Errorf("zeros sniffed as %+v", c)
	}
}

func TestExpandDisk(t *testing.T) {
	disk := volumeFixture(t, "gpt.img.gz")
	parent := Item{Path: "case/disk.img", Size: int64(len(disk)), Depth: 0}
	f := volume.NewFile(bytes.NewReader(disk), int64(len(disk)))
	items := map[string]Item{}
	var summary *Item
	err := Expand(context.Background(), parent, f, Sniff(disk[:SniffSize]), DefaultLimits(), func(it Item) error {
		if it.Unexamined != nil {
			summary = &it
			return nil
		}
		items[it.Path] = it
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readme := items["case/disk.img!p1/docs/readme.txt"]
	if readme.Open == nil || readme.Depth != 1 || readme.Meta.FileSystem != "ntfs" || readme.Meta.Inode != 71 || readme.Meta.Modified.Unix() != 1700000000 {
		t.Errorf("readme item: %+v", readme)
	}
	ads := items["case/disk.img!p1/docs/readme.txt:secret"]
	if ads.Meta.Stream != "secret" || ads.Open == nil {
		t.Errorf("stream item: %+v", ads)
	}
	deleted := items["case/disk.img!p1/pics/deleted.jpg"]
	if !deleted.Meta.Deleted || deleted.Open == nil {
		t.Fatalf("deleted item: %+v", deleted)
	}
	r, err := deleted.Open()
	if err != nil {
		t.Fatal(err)
	}
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != "47f004458c4a88881cf5352b453c4cc6" {
		t.Errorf("deleted.jpg md5 %s", got)
	}
	if _, ok := items["case/disk.img!p2/pics/_eleted.jpg"]; !ok {
		t.Error("deleted FAT entry missing")
	}
	p3 := items["case/disk.img!p3"]
	if p3.Err == nil || !strings.Contains(p3.Err.Error(), "case/disk.img!p3") {
		t.Errorf("unformatted partition: %+v", p3)
	}
	if summary == nil || summary.Type != Other || summary.Path != "case/disk.img" || len(summary.Unexamined) == 0 {
		t.Fatalf("summary item: %+v", summary)
	}
	var free bool
	for _, g := range summary.Unexamined {
		free = free || g.Volume == "p1" && strings.Contains(g.Reason, "free space") && g.Length > 0
	}
	if !free {
		t.Errorf("NTFS free space not in the summary: %+v", summary.Unexamined)
	}
}

func TestExpandDiskDepthLimit(t *testing.T) {
	disk := volumeFixture(t, "fat12.img.gz")
	lim := DefaultLimits()
	parent := Item{Path: "x.zip!fat.img", Depth: lim.MaxDepth}
	var got []Item
	err := Expand(context.Background(), parent, volume.NewFile(bytes.NewReader(disk), int64(len(disk))), Sniff(disk[:SniffSize]), lim, func(it Item) error {
		got = append(got, it)
		return nil
	})
	if err != nil || len(got) != 1 || got[0].Err == nil {
		t.Errorf("depth limit: %v %+v", err, got)
	}
}

func TestOpenSplitRaw(t *testing.T) {
	disk := volumeFixture(t, "mbr.img.gz")
	dir := t.TempDir()
	half := len(disk)/2 + 4097
	for i, part := range [][]byte{disk[:half], disk[half:]} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("disk.%03d", i+1)), part, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	f, err := OpenSplitRaw(filepath.Join(dir, "disk.001"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, SniffSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	parent := Item{Path: filepath.Join(dir, "disk.001"), Size: f.Size()}
	n := 0
	err = Expand(context.Background(), parent, f, Sniff(head), DefaultLimits(), func(it Item) error {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Path, it.Err)
		}
		if it.Type == Regular {
			n++
		}
		return nil
	})
	if err != nil || f.Size() != int64(len(disk)) {
		t.Fatalf("Expand: %v, size %d", err, f.Size())
	}
	if n != 21 { // 7 files, one of them deleted, in each of p1 (FAT16), p2 (ext4, plus a symlink) and p5 (FAT12)
		t.Errorf("%d regular items, want 21", n)
	}
}
