package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteFixtures writes the fixtures no ordinary tool makes: stored
// RAR 4 and RAR 5 archives (after the public RAR format descriptions on
// rarlab.com, since no free RAR writer exists), a RAR 5 archive whose
// member carries an encryption record, a ZIP with damaged member data and
// a ZIP bomb of overlapping entries. Run by testdata/make-fixtures.sh.
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("HASHTRIAGE_WRITE_FIXTURES") == "" {
		t.Skip("set HASHTRIAGE_WRITE_FIXTURES=1 to rewrite testdata fixtures")
	}
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	members := []rarFile{
		{name: "hello.txt", data: fixtureContent("hello.txt"), mtime: mtime},
		{name: "dir/numbers.txt", data: fixtureContent("dir/numbers.txt"), mtime: mtime},
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rar4.rar", rar4Stored(members))
	write("rar5.rar", rar5Stored(members, false))
	write("rar5-encrypted.rar", rar5Stored(members[:1], true))
	write("overlap.zip", overlapBomb(t, 300))

	sample, err := os.ReadFile("testdata/sample.zip")
	if err != nil {
		t.Fatal(err)
	}
	write("corrupt.zip", corruptZip(t, sample, "stored.txt", "dir/numbers.txt"))
}

type rarFile struct {
	name  string
	data  []byte
	mtime time.Time
}

// rarVint appends a RAR 5 variable-length integer: 7 bits a byte, low
// bits first, the high bit set on every byte but the last.
func rarVint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// rar5Block frames a RAR 5 header: CRC32, size, then the header fields
// (type first) and the extra area.
func rar5Block(fields []byte) []byte {
	size := rarVint(nil, uint64(len(fields)))
	body := append(size, fields...)
	out := binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))
	return append(out, body...)
}

func rar5Stored(files []rarFile, encrypted bool) []byte {
	out := []byte("Rar!\x1a\x07\x01\x00")
	// Main archive header: type 1, no flags, archive flags 0.
	out = append(out, rar5Block([]byte{1, 0, 0})...)
	for i, f := range files {
		var extra []byte
		if encrypted {
			// File encryption record (type 1): version 0, flags 0,
			// KDF count, salt, IV. The data is not encrypted: the
			// walker must report the member without reading it.
			rec := rarVint(nil, 1)
			rec = append(rec, 0, 0, 15)
			rec = append(rec, bytes.Repeat([]byte{byte(i + 1)}, 32)...)
			extra = append(rarVint(nil, uint64(len(rec))), rec...)
		}
		h := rarVint(nil, 2)    // file header
		flags := uint64(0x0002) // data area
		if len(extra) > 0 {
			flags |= 0x0001
		}
		h = rarVint(h, flags)
		if len(extra) > 0 {
			h = rarVint(h, uint64(len(extra)))
		}
		h = rarVint(h, uint64(len(f.data))) // data size
		h = rarVint(h, 0x0002|0x0004)       // file flags: unix mtime, CRC32
		h = rarVint(h, uint64(len(f.data))) // unpacked size
		h = rarVint(h, 0x20)                // attributes (archive)
		h = binary.LittleEndian.AppendUint32(h, uint32(f.mtime.Unix()))
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.data))
		h = rarVint(h, 0) // compression: version 0, method 0 (store), 128 KB dictionary
		h = rarVint(h, 1) // host OS: Unix
		h = rarVint(h, uint64(len(f.name)))
		h = append(h, f.name...)
		h = append(h, extra...)
		out = append(out, rar5Block(h)...)
		out = append(out, f.data...)
	}
	// End of archive header: type 5, no flags, end flags 0.
	return append(out, rar5Block([]byte{5, 0, 0})...)
}

// rar4Block frames a RAR 1.5-4.x header: the low 16 bits of the CRC32 of
// everything after the CRC field.
func rar4Block(typ byte, flags uint16, fields []byte) []byte {
	body := []byte{typ}
	body = binary.LittleEndian.AppendUint16(body, flags)
	body = binary.LittleEndian.AppendUint16(body, uint16(2+len(body)+2+len(fields)))
	body = append(body, fields...)
	out := binary.LittleEndian.AppendUint16(nil, uint16(crc32.ChecksumIEEE(body)))
	return append(out, body...)
}

func dosTime(t time.Time) uint32 {
	return uint32(t.Year()-1980)<<25 | uint32(t.Month())<<21 | uint32(t.Day())<<16 |
		uint32(t.Hour())<<11 | uint32(t.Minute())<<5 | uint32(t.Second()/2)
}

func rar4Stored(files []rarFile) []byte {
	out := []byte("Rar!\x1a\x07\x00")
	out = append(out, rar4Block(0x73, 0, make([]byte, 6))...) // main header, reserved fields
	for _, f := range files {
		var h []byte
		h = binary.LittleEndian.AppendUint32(h, uint32(len(f.data))) // packed size
		h = binary.LittleEndian.AppendUint32(h, uint32(len(f.data))) // unpacked size
		h = append(h, 3)                                             // host OS: Unix
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.data))
		h = binary.LittleEndian.AppendUint32(h, dosTime(f.mtime))
		h = append(h, 29, 0x30) // version 2.9 to extract, method store
		h = binary.LittleEndian.AppendUint16(h, uint16(len(f.name)))
		h = binary.LittleEndian.AppendUint32(h, 0x20) // attributes
		h = append(h, f.name...)
		out = append(out, rar4Block(0x74, 0x8000, h)...) // 0x8000: data follows
		out = append(out, f.data...)
	}
	return append(out, rar4Block(0x7b, 0x4000, nil)...) // end of archive
}

// overlapBomb writes a ZIP whose n central directory entries all point at
// the same deflated member (1 MiB of text): small on disk, n MiB expanded.
func overlapBomb(t *testing.T, n int) []byte {
	t.Helper()
	content := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog.\n"), 1<<20/45+1)[:1<<20]
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	crc := crc32.ChecksumIEEE(content)
	const name = "fox.txt"
	le := binary.LittleEndian
	header := func(b []byte, central bool) []byte {
		b = le.AppendUint16(b, 20)     // version needed
		b = le.AppendUint16(b, 0)      // flags
		b = le.AppendUint16(b, 8)      // deflate
		b = le.AppendUint16(b, 0x1882) // 03:04:04
		b = le.AppendUint16(b, 0x5022) // 2020-01-02
		b = le.AppendUint32(b, crc)
		b = le.AppendUint32(b, uint32(comp.Len()))
		b = le.AppendUint32(b, uint32(len(content)))
		return b
	}
	out := le.AppendUint32(nil, 0x04034b50)
	out = header(out, false)
	out = le.AppendUint16(out, uint16(len(name)))
	out = le.AppendUint16(out, 0)
	out = append(out, name...)
	out = append(out, comp.Bytes()...)
	cdStart := len(out)
	for i := range n {
		entry := fmt.Sprintf("fox-%03d.txt", i)
		out = le.AppendUint32(out, 0x02014b50)
		out = le.AppendUint16(out, 20) // version made by
		out = header(out, true)
		out = le.AppendUint16(out, uint16(len(entry)))
		out = append(out, make([]byte, 12)...) // extra, comment, disk, attrs
		out = le.AppendUint32(out, 0)          // local header offset: all the same
		out = append(out, entry...)
	}
	cdSize := len(out) - cdStart
	out = le.AppendUint32(out, 0x06054b50)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint32(out, uint32(cdSize))
	out = le.AppendUint32(out, uint32(cdStart))
	return le.AppendUint16(out, 0)
}

// corruptZip flips one byte in the middle of the data of each named member.
func corruptZip(t *testing.T, z []byte, names ...string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(z)
	for _, name := range names {
		found := false
		for _, f := range zr.File {
			if f.Name != name {
				continue
			}
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			out[off+int64(f.CompressedSize64)/2] ^= 0x01
			found = true
		}
		if !found {
			t.Fatalf("corruptZip: no member %q", name)
		}
	}
	return out
}
