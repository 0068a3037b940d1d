package volume

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"
	"time"
)

// fuzzWalk walks data as a disk and reads a bounded amount of every entry:
// the properties under test are no panic, no hang, bounded memory, and no
// short read passed off as complete.
func fuzzWalk(t *testing.T, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Walk(ctx, bytes.NewReader(data), int64(len(data)), func(e Entry) error {
		if e.Err != nil || e.Kind != KindRegular {
			return nil
		}
		f, err := e.Open()
		if err != nil {
			return nil
		}
		want := min(e.Size, 1<<20)
		n, err := io.Copy(io.Discard, io.LimitReader(f, want))
		if err == nil && n != want {
			t.Fatalf("%s: %d of %d bytes read without an error", e.Path, n, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
}

// FuzzPartitions mutates the first sectors of the MBR (with an extended
// partition) and GPT fixtures: the tables and what lies behind them.
func FuzzPartitions(f *testing.F) {
	for _, name := range []string{"mbr.img.gz", "gpt.img.gz"} {
		disk := fixture(f, name)
		f.Add(disk[:64<<10])
	}
	ebr := fixture(f, "mbr.img.gz")
	f.Add(append(append([]byte(nil), ebr[:1024]...), ebr[14336*512:14336*512+1024]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ReadTable(bytes.NewReader(data), int64(len(data))); err == nil {
			// A table was accepted: walking it must hold up too.
			fuzzWalk(t, data)
		}
	})
}

// FuzzFAT mutates a small FAT12 volume with a subdirectory and a deleted
// file (the large fixtures make the fuzzer crawl).
func FuzzFAT(f *testing.F) {
	f.Add(fixture(f, "fuzz-fat12.img.gz"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, data) })
}

// FuzzNTFS corrupts the smallest NTFS volume mkntfs makes (a file with an
// alternate data stream). Go's fuzzer crawls on megabyte inputs, so the
// fuzz input is a patch: 4-byte tuples (24-bit position, value), where a
// position below 512 hits the boot sector and the rest hit the first 96
// MFT records and the directory index clusters that follow. go-ntfs
// panics are caught at this package's boundary and must come back as
// errors.
func FuzzNTFS(f *testing.F) {
	base := fixture(f, "fuzz-ntfs.img.gz")
	mft := int(binary.LittleEndian.Uint64(base[0x30:])) * int(base[0x0D]) * int(binary.LittleEndian.Uint16(base[0x0B:]))
	region := min(96<<10, len(base)-mft)
	f.Add([]byte{})
	f.Add([]byte{0x0D, 0, 0, 0x80})                 // cluster size
	f.Add([]byte{0x30, 0, 0, 0xFF})                 // MFT location
	f.Add([]byte{0x14 + 0, 2, 0, 0xFF, 0, 4, 0, 0}) // first attribute offset, record 0
	f.Fuzz(func(t *testing.T, patch []byte) {
		if d, ok := patched(base, patch, func(pos int) int {
			if pos < 512 {
				return pos
			}
			return mft + (pos-512)%region
		}); ok {
			fuzzWalk(t, d)
		}
	})
}

// FuzzExt4 mutates a small ext4 volume (extents, a subdirectory).
func FuzzExt4(f *testing.F) {
	f.Add(fixture(f, "fuzz-ext4.img.gz"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, data) })
}

// FuzzExFAT corrupts the exFAT fixture (a tree with a deleted file) with a
// patch, as FuzzNTFS does: positions below 512 hit the boot sector, the
// rest the FAT and the first 64 KiB of the cluster heap (bitmap, up-case
// table, root and subdirectories).
func FuzzExFAT(f *testing.F) {
	base := fixture(f, "exfat.img.gz")
	le := binary.LittleEndian
	fat := int(le.Uint32(base[80:])) << base[108]
	heap := int(le.Uint32(base[88:])) << base[108]
	f.Add([]byte{})
	f.Add([]byte{108, 0, 0, 20})  // sector shift
	f.Add([]byte{96, 0, 0, 0xFF}) // root cluster
	f.Add([]byte{0, 2, 0, 0xFF, 4, 2, 0, 0xFF})
	f.Fuzz(func(t *testing.T, patch []byte) {
		if d, ok := patched(base, patch, func(pos int) int {
			switch {
			case pos < 512:
				return pos
			case pos < 512+4096:
				return fat + pos - 512
			}
			return heap + (pos-512-4096)%(64<<10)
		}); ok {
			fuzzWalk(t, d)
		}
	})
}

// patched returns a copy of base with patch applied: 4-byte tuples of a
// 24-bit position, which place maps to an offset in base, and the byte
// to write there. Patches of more than 64 tuples are refused (ok false),
// so that the fuzzer spends its time on small, meaningful damage.
func patched(base, patch []byte, place func(pos int) int) (d []byte, ok bool) {
	if len(patch) > 4*64 {
		return nil, false
	}
	d = append([]byte(nil), base...)
	for i := 0; i+4 <= len(patch); i += 4 {
		d[place(int(patch[i])|int(patch[i+1])<<8|int(patch[i+2])<<16)] = patch[i+3]
	}
	return d, true
}
