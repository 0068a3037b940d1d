package volume_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/hashtriage/hashtriage/evidence/volume"
)

// Example lists the files of a disk image with an MBR, including a deleted
// FAT file, and hashes one of them. A raw image on disk would be opened
// with volume.OpenRaw (or OpenSplitRaw, or an E01 reader); any io.ReaderAt
// with a size will do.
func Example() {
	f, err := os.Open("testdata/mbr.img.gz")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	disk, err := io.ReadAll(zr)
	if err != nil {
		log.Fatal(err)
	}

	summary, err := volume.Walk(context.Background(), bytes.NewReader(disk), int64(len(disk)), func(e volume.Entry) error {
		if e.Err != nil {
			fmt.Println("error:", e.Path, e.Err)
			return nil
		}
		if e.FileSystem != "fat16" {
			return nil // keep the example short: the first partition only
		}
		fmt.Printf("%s %s inode=%d size=%d deleted=%v\n", e.Path, e.FileSystem, e.Inode, e.Size, e.Deleted)
		if e.Path == "p1/docs/readme.txt" {
			r, err := e.Open()
			if err != nil {
				return err
			}
			h := md5.New()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			fmt.Printf("  md5 %x\n", h.Sum(nil))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range summary.Volumes {
		fmt.Printf("volume %s: %s at byte %d\n", v.Name, v.FileSystem, v.Offset)
	}
	fmt.Printf("%d of %d bytes not examined\n", summary.UnexaminedBytes(), summary.Size)
	// Output:
	// p1/Long File Name With Spaces.txt fat16 inode=7 size=24 deleted=false
	// p1/big.bin fat16 inode=8 size=108894 deleted=false
	// p1/docs/nested/deep/notes.txt fat16 inode=3989 size=1092 deleted=false
	// p1/docs/readme.txt fat16 inode=3941 size=26 deleted=false
	//   md5 9f0d11c48333848c0a0d2db8e57fc1e2
	// p1/empty.txt fat16 inode=10 size=0 deleted=false
	// p1/pics/_eleted.jpg fat16 inode=4054 size=7013 deleted=true
	// p1/pics/photo.jpg fat16 inode=4053 size=28020 deleted=false
	// volume p1: fat16 at byte 1048576
	// volume p2: ext4 at byte 5242880
	// volume p5: fat12 at byte 8388608
	// 8881152 of 9437184 bytes not examined
}
