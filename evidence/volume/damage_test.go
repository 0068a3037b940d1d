package volume

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// walkAll walks disk, reads every entry in full and checks the invariant a
// scan relies on: content is either delivered at its full size or the
// failure is an error, never short data passed off as complete.
func walkAll(t *testing.T, disk []byte) ([]Entry, *Summary) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []Entry
	s, err := Walk(ctx, bytes.NewReader(disk), int64(len(disk)), func(e Entry) error {
		got = append(got, e)
		if e.Err != nil || e.Kind != KindRegular {
			return nil
		}
		f, err := e.Open()
		if err != nil {
			return nil
		}
		n, err := io.Copy(io.Discard, io.LimitReader(f, 8<<20))
		if err == nil && n != min(e.Size, 8<<20) {
			t.Errorf("%s: read %d bytes of %d without an error", e.Path, n, e.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got, s
}

func findEntry(es []Entry, p string) (Entry, bool) {
	for _, e := range es {
		if e.Path == p {
			return e, true
		}
	}
	return Entry{}, false
}

func errorsMention(es []Entry, path, text string) bool {
	for _, e := range es {
		if e.Path == path && e.Err != nil && strings.Contains(e.Err.Error(), text) {
			return true
		}
	}
	return false
}

func TestDamagedFAT(t *testing.T) {
	t.Run("directory loop", func(t *testing.T) {
		disk := fixture(t, "fat12.img.gz")
		docs := bytes.Index(disk, []byte("DOCS       \x10"))
		deep := bytes.Index(disk, []byte("DEEP       \x10"))
		if docs < 0 || deep < 0 {
			t.Fatal("fixture lacks the DOCS and DEEP directory entries")
		}
		// docs/nested/deep now points back at docs.
		copy(disk[deep+26:deep+28], disk[docs+26:docs+28])
		es, _ := walkAll(t, disk)
		if _, ok := findEntry(es, "docs/readme.txt"); !ok {
			t.Error("docs/readme.txt lost")
		}
		if _, ok := findEntry(es, "docs/nested/deep/readme.txt"); ok {
			t.Error("the loop was followed")
		}
	})
	t.Run("cluster chain loop", func(t *testing.T) {
		disk := fixture(t, "fat12.img.gz")
		v, err := openFAT(bytes.NewReader(disk), int64(len(disk)))
		if err != nil {
			t.Fatal(err)
		}
		big := bytes.Index(disk, []byte("BIG     BIN"))
		start := uint32(binary.LittleEndian.Uint16(disk[big+26:]))
		second := v.next(start)
		// FAT12: make the second cluster's entry point back to the first.
		fat := disk[v.fatStart:]
		i := int(second) * 3 / 2
		x := binary.LittleEndian.Uint16(fat[i:])
		if second&1 == 1 {
			x = x&0x000F | uint16(start)<<4
		} else {
			x = x&0xF000 | uint16(start)
		}
		binary.LittleEndian.PutUint16(fat[i:], x)
		es, _ := walkAll(t, disk)
		if !errorsMention(es, "big.bin", "loops") {
			t.Errorf("looping chain of big.bin not reported: %+v", es)
		}
	})
	t.Run("absurd size", func(t *testing.T) {
		disk := fixture(t, "fat12.img.gz")
		big := bytes.Index(disk, []byte("BIG     BIN"))
		binary.LittleEndian.PutUint32(disk[big+28:], 0xFFFFFFFF)
		es, _ := walkAll(t, disk)
		if !errorsMention(es, "big.bin", "cluster chain ends") {
			t.Errorf("size beyond the chain not reported")
		}
	})
}

func TestDamagedPartitionTables(t *testing.T) {
	t.Run("EBR loop", func(t *testing.T) {
		disk := fixture(t, "mbr.img.gz")
		ebr := disk[14336*512:]
		// The logical partition's EBR now names itself as the next EBR.
		e2 := ebr[462:478]
		e2[4] = 0x05
		binary.LittleEndian.PutUint32(e2[8:], 0)
		binary.LittleEndian.PutUint32(e2[12:], 2048)
		es, _ := walkAll(t, disk)
		if _, ok := findEntry(es, "p5/big.bin"); !ok {
			t.Error("p5 lost")
		}
		if !errorsMention(es, "p6", "loops") {
			t.Error("EBR loop not reported")
		}
	})
	t.Run("partition beyond the disk", func(t *testing.T) {
		disk := fixture(t, "mbr.img.gz")
		binary.LittleEndian.PutUint32(disk[446+16+12:], 1<<30) // p2 length
		es, s := walkAll(t, disk)
		if !errorsMention(es, "p2", "beyond the end") {
			t.Error("oversized partition not reported")
		}
		if _, ok := findEntry(es, "p1/big.bin"); !ok {
			t.Error("p1 lost")
		}
		if len(s.Volumes) != 3 || s.Volumes[1].Err == nil {
			t.Errorf("summary does not carry the p2 failure: %v", s)
		}
	})
	t.Run("primary GPT damaged", func(t *testing.T) {
		disk := fixture(t, "gpt.img.gz")
		disk[2*512+56] ^= 0xFF // first entry's name in the primary array
		es, s := walkAll(t, disk)
		if s.Scheme != "gpt" || len(s.Volumes) != 3 {
			t.Fatalf("backup GPT not used: %v", s)
		}
		if _, ok := findEntry(es, "p1/docs/readme.txt:secret"); !ok {
			t.Error("p1 lost")
		}
		if !errorsMention(es, "", "backup GPT") {
			t.Error("damage of the primary GPT not reported")
		}
	})
	t.Run("both GPTs damaged", func(t *testing.T) {
		disk := fixture(t, "gpt.img.gz")
		disk[2*512+56] ^= 0xFF
		disk[len(disk)-33*512+56] ^= 0xFF // same byte in the backup array
		es, s := walkAll(t, disk)
		if len(es) != 1 || es[0].Err == nil || !strings.Contains(es[0].Err.Error(), "checksum") {
			t.Errorf("bad GPT not reported: %+v", es)
		}
		if s.UnexaminedBytes() != int64(len(disk)) {
			t.Errorf("%d bytes unexamined, want the whole disk", s.UnexaminedBytes())
		}
	})
	t.Run("no table", func(t *testing.T) {
		es, _ := walkAll(t, make([]byte, 1<<20))
		if len(es) != 1 || es[0].Err == nil {
			t.Errorf("a blank disk gives %+v", es)
		}
	})
}

func TestTruncated(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep int
	}{
		{"ntfs.img.gz", 1 << 20}, {"ntfs.img.gz", 3 << 20}, {"ext4.img.gz", 600 << 10}, {"fat16.img.gz", 300 << 10},
		{"mbr.img.gz", 6 << 20}, {"gpt.img.gz", 3 << 20},
	} {
		disk := fixture(t, tc.name)[:tc.keep]
		es, s := walkAll(t, disk)
		failed := false
		for _, e := range es {
			failed = failed || e.Err != nil
		}
		for _, v := range s.Volumes {
			failed = failed || v.Err != nil
		}
		if !failed {
			// Reading beyond the end must have failed somewhere: every
			// fixture has files in its last quarter.
			t.Errorf("%s cut to %d bytes: no failure reported", tc.name, tc.keep)
		}
	}
}

func TestCallbackErrorStopsWalk(t *testing.T) {
	disk := fixture(t, "mbr.img.gz")
	stop := errors.New("stop")
	n := 0
	_, err := Walk(context.Background(), bytes.NewReader(disk), int64(len(disk)), func(e Entry) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Walk returned %v after %d calls, want the callback's error after 1", err, n)
	}
}
