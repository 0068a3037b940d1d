package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/bodgit/sevenzip"
	"github.com/ulikunitz/xz/lzma"
)

// append7zNumber appends v in the 7z variable-length encoding.
func append7zNumber(b []byte, v uint64) []byte {
	for n := 0; n < 8; n++ {
		if v < 1<<(7*(n+1)) {
			b = append(b, byte(0xff<<(8-n))|byte(v>>(8*n)))
			for i := 0; i < n; i++ {
				b = append(b, byte(v>>(8*i)))
			}
			return b
		}
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
}

// headerCoding says how with7zHeader stores a header: nil for plain,
// else encoded with LZMA or LZMA2, with the dictionary claim in the coder
// properties replaced by claim (LZMA: the 32-bit size; LZMA2: the byte)
// when claim >= 0.
type headerCoding struct {
	lzma2 bool
	claim int64
}

// with7zHeader returns the archive orig (signature at 0) with its next
// header replaced by hdr, stored as coding says, all CRCs valid.
func with7zHeader(t testing.TB, orig, hdr []byte, coding *headerCoding) []byte {
	t.Helper()
	nextOff := binary.LittleEndian.Uint64(orig[12:20])
	out := slices.Clone(orig[:32+nextOff])
	next := hdr
	if coding != nil {
		var packed bytes.Buffer
		var props []byte
		method := szMethodLZMA
		if coding.lzma2 {
			method = szMethodLZMA2
			w, err := lzma.Writer2Config{DictCap: 1 << 16}.NewWriter2(&packed)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(hdr)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			props = []byte{byte(max(coding.claim, 0))}
		} else {
			w, err := lzma.WriterConfig{DictCap: 1 << 16, Size: int64(len(hdr)), SizeInHeader: true}.NewWriter(&packed)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(hdr)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			props = slices.Clone(packed.Bytes()[:5])
			packed.Next(lzma.HeaderLen)
			if coding.claim >= 0 {
				binary.LittleEndian.PutUint32(props[1:], uint32(coding.claim))
			}
		}
		out = append(out, packed.Bytes()...)
		eh := []byte{szEncodedHeader, szPackInfo}
		eh = append7zNumber(eh, nextOff)
		eh = append7zNumber(eh, 1)
		eh = append7zNumber(append(eh, szSize), uint64(packed.Len()))
		eh = append(eh, szEnd, szUnpackInfo, szFolder, 1, 0, 1, byte(len(method))|0x20)
		eh = append(eh, method...)
		eh = append(append7zNumber(eh, uint64(len(props))), props...)
		eh = append7zNumber(append(eh, szCodersUnpackSize), uint64(len(hdr)))
		eh = binary.LittleEndian.AppendUint32(append(eh, szCRC, 1), crc32.ChecksumIEEE(hdr))
		next = append(eh, szEnd, szEnd)
		nextOff += uint64(packed.Len())
	}
	out = append(out, next...)
	binary.LittleEndian.PutUint64(out[12:20], nextOff)
	binary.LittleEndian.PutUint64(out[20:28], uint64(len(next)))
	binary.LittleEndian.PutUint32(out[28:32], crc32.ChecksumIEEE(next))
	binary.LittleEndian.PutUint32(out[8:12], crc32.ChecksumIEEE(out[12:32]))
	return out
}

// decoded7zHeader returns a fixture's Header (decoded if encoded) and
// where its coder properties and file count lie.
func decoded7zHeader(t testing.TB, data []byte) ([]byte, *szParser) {
	t.Helper()
	c := &sevenZipChecker{r: bytes.NewReader(data), size: int64(len(data)), maxDict: DefaultMaxDictionary, headerLimit: DefaultMemoryLimit}
	hdr, err := c.header()
	if err != nil || hdr == nil {
		t.Fatalf("header: %v", err)
	}
	p := &szParser{b: hdr, off: 1}
	if _, err := c.checkHeader(p); err != nil {
		t.Fatalf("fixture header: %v", err)
	}
	return slices.Clone(hdr), p
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSevenZipDictionaryLimit crafts archives whose coders claim huge
// decoder memory, in a plain and in an encoded header, and checks that
// the walk refuses them with a LimitError before allocating, while the
// same archives with honest claims walk as before.
func TestSevenZipDictionaryLimit(t *testing.T) {
	lzma2Prop := func(dict byte) func([]byte) { return func(p []byte) { p[0] = dict } }
	ppmdMem := func(mem uint32) func([]byte) { return func(p []byte) { binary.LittleEndian.PutUint32(p[1:], mem) } }
	tests := []struct {
		name    string
		fixture string
		patch   func(props []byte) // applied to the main folder's first coder
		coding  *headerCoding      // how the header is stored again
		limit   bool               // a LimitError is expected
		detail  string             // in the LimitError
	}{
		{name: "plain header, LZMA2 4 GiB", fixture: "plain-header.7z", patch: lzma2Prop(40), limit: true, detail: "LZMA2, 4294967295-byte dictionary"},
		{name: "plain header, LZMA2 1 GiB", fixture: "plain-header.7z", patch: lzma2Prop(36), limit: true, detail: "LZMA2, 1073741824-byte dictionary"},
		{name: "plain header, LZMA2 unchanged", fixture: "plain-header.7z"},
		{name: "plain header, PPMd 1 GiB", fixture: "ppmd.7z", patch: ppmdMem(1 << 30), limit: true, detail: "PPMd order 6, 1073741824-byte model"},
		{name: "plain header, PPMd 4 GiB", fixture: "ppmd.7z", patch: ppmdMem(1<<32 - 37), limit: true, detail: "PPMd"},
		{name: "plain header, PPMd unchanged", fixture: "ppmd.7z"},
		{name: "encoded header, main LZMA2 4 GiB", fixture: "sample.7z", patch: lzma2Prop(40), coding: &headerCoding{claim: -1}, limit: true, detail: "folder 0"},
		{name: "encoded header, main LZMA2 1 GiB", fixture: "sample.7z", patch: lzma2Prop(36), coding: &headerCoding{claim: -1}, limit: true, detail: "LZMA2, 1073741824-byte"},
		{name: "encoded header re-encoded, unchanged", fixture: "sample.7z", coding: &headerCoding{claim: -1}},
		{name: "encoded header re-encoded with LZMA2", fixture: "sample.7z", coding: &headerCoding{lzma2: true, claim: 16}},
		// The header's own coder: an LZMA2 claim is allocated in full by
		// the library; an LZMA claim is cut to the header's size, so a
		// 4 GiB LZMA claim on a small header is harmless and accepted.
		{name: "encoded header's LZMA2 claims 4 GiB", fixture: "sample.7z", coding: &headerCoding{lzma2: true, claim: 40}, limit: true, detail: "encoded header 0"},
		{name: "encoded header's LZMA2 claims 1 GiB", fixture: "sample.7z", coding: &headerCoding{lzma2: true, claim: 36}, limit: true, detail: "encoded header 0"},
		{name: "encoded header's LZMA claims 1 GiB, small header", fixture: "sample.7z", coding: &headerCoding{claim: 1 << 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := readFixture(t, tt.fixture)
			data := orig
			if tt.patch != nil || tt.coding != nil {
				hdr, p := decoded7zHeader(t, orig)
				if tt.patch != nil {
					tt.patch(hdr[p.propsAt[0]:])
				}
				data = with7zHeader(t, orig, hdr, tt.coding)
			}
			want, err := walkBytes(t, orig, Options{})
			if err != nil {
				t.Fatalf("original: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			gots, err := walkBytes(t, data, Options{Name: tt.fixture})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("walk allocated %d bytes", alloc)
			}
			if !tt.limit {
				if err != nil {
					t.Fatalf("Walk: %v", err)
				}
				if len(gots) != len(want) {
					t.Fatalf("%d members, want %d", len(gots), len(want))
				}
				for i := range want {
					if gots[i].name != want[i].name || gots[i].sha256 != want[i].sha256 || gots[i].err != nil {
						t.Errorf("member %d: %q %s err %v, want %q %s", i, gots[i].name, gots[i].sha256, gots[i].err, want[i].name, want[i].sha256)
					}
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != LimitDict {
				t.Fatalf("Walk: %v, want a %s LimitError", err, LimitDict)
			}
			if len(gots) != 0 {
				t.Errorf("%d members reported before the refusal", len(gots))
			}
			if le.Max != DefaultMaxDictionary || !strings.Contains(le.Error(), tt.detail) || !strings.Contains(le.Error(), tt.fixture) {
				t.Errorf("LimitError %q: want Max %d, %q and the archive name", le, DefaultMaxDictionary, tt.detail)
			}
		})
	}
}

// TestSevenZipHeaderCounts checks that counts the library would allocate
// slices for before reading their entries (files, pack streams,
// substreams: up to 2^32 entries of up to 144 bytes) are bounded by the
// header's size.
func TestSevenZipHeaderCounts(t *testing.T) {
	orig := readFixture(t, "plain-header.7z")
	hdr, p := decoded7zHeader(t, orig)
	withFiles := func(n uint64) []byte {
		// Replace the one-byte file count.
		h := append7zNumber(slices.Clone(hdr[:p.filesAt]), n)
		return with7zHeader(t, orig, append(h, hdr[p.filesAt+1:]...), nil)
	}
	built := build7z(zstdFrame([]byte{0x20, 5}, "hello"), szMethodZstd, nil, 5, "z.txt")
	builtHdr, _ := decoded7zHeader(t, built)
	replace := func(old, new []byte) []byte {
		if !bytes.Contains(builtHdr, old) {
			t.Fatalf("% x not in the built header", old)
		}
		return with7zHeader(t, built, bytes.Replace(builtHdr, old, new, 1), nil)
	}
	tests := []struct {
		name string
		data []byte
		what string
	}{
		{"2^31 files", withFiles(1 << 31), "files"},
		{"2^32-1 files", withFiles(1<<32 - 1), "files"},
		{"2^40 files", withFiles(1 << 40), "files"},
		{"2^31 pack streams", replace([]byte{szPackInfo, 0, 1, szSize}, append(append7zNumber([]byte{szPackInfo, 0}, 1<<31), szSize)), "pack streams"},
		{"2^31 substreams with sizes", replace([]byte{szSubStreamsInfo, szEnd}, append(append7zNumber([]byte{szSubStreamsInfo, szNumUnpackStream}, 1<<31), szSize, szEnd)), "substreams"},
		{"100 coder out streams", replace([]byte{4, 4, 0xf7, 0x11, 1}, []byte{4 | 0x10, 4, 0xf7, 0x11, 1, 1, 100}), "coder out streams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkHeaderRefused(t, tt.data, tt.what) })
	}
}

// checkHeaderRefused walks data, a 7z archive whose header the check must
// refuse with an error about what, and fails t if it is not refused or if
// walking it allocates more than 16 MiB.
func checkHeaderRefused(t *testing.T, data []byte, what string) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := walkBytes(t, data, Options{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errSevenZipHeader) || !strings.Contains(err.Error(), what) {
		t.Errorf("Walk error %v, want a header error about %s", err, what)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("walk allocated %d bytes", alloc)
	}
}

// TestSevenZipHeaderUnverified checks that a header the check cannot
// vouch for is refused, not left to the library: the library parses as
// much of a header as the file holds, allocating what it claims, before it
// checks the header's CRC (FuzzWalk found a 300-byte archive whose cut-short
// header made it allocate 8 GB).
func TestSevenZipHeaderUnverified(t *testing.T) {
	orig := readFixture(t, "plain-header.7z")
	hdr, p := decoded7zHeader(t, orig)
	h := append7zNumber(slices.Clone(hdr[:p.filesAt]), 1<<40)
	huge := with7zHeader(t, orig, append(h, hdr[p.filesAt+1:]...), nil)
	// The plain header is last in the file: cut it right after the count.
	truncated := huge[:len(huge)-(len(hdr)-p.filesAt-1)]
	badCRC := slices.Clone(orig)
	binary.LittleEndian.PutUint32(badCRC[28:32], binary.LittleEndian.Uint32(badCRC[28:32])+1)
	binary.LittleEndian.PutUint32(badCRC[8:12], crc32.ChecksumIEEE(badCRC[12:32]))
	tests := []struct {
		name string
		data []byte
		what string
	}{
		{"header cut short after a count of 2^40 files", truncated, "truncated"},
		{"header CRC does not match", badCRC, "CRC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkHeaderRefused(t, tt.data, tt.what) })
	}
}

// TestSevenZipKeptDecoders walks an archive of several solid blocks with
// a dictionary bound that forces the reader to be reopened between
// blocks: the members must come out exactly as without it.
func TestSevenZipKeptDecoders(t *testing.T) {
	data := readFixture(t, "solid-blocks.7z")
	plan, err := sevenZipCheck(bytes.NewReader(data), int64(len(data)), Options{MaxDictionary: DefaultMaxDictionary})
	if err != nil || plan == nil || len(plan.folderMemory) < 2 {
		t.Fatalf("plan %+v, err %v; want several folders", plan, err)
	}
	want, err := walkBytes(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Enough for any one folder, not for two.
	bound := slices.Max(plan.folderMemory) + min(plan.folderMemory[0], plan.folderMemory[1]) - 1
	gots, err := walkBytes(t, data, Options{MaxDictionary: bound})
	if err != nil {
		t.Fatal(err)
	}
	if len(gots) != len(want) || len(want) < 4 {
		t.Fatalf("%d members, want %d (at least 4)", len(gots), len(want))
	}
	for i := range want {
		if gots[i].name != want[i].name || gots[i].sha256 != want[i].sha256 || gots[i].err != nil {
			t.Errorf("member %d: %q %s err %v, want %q %s", i, gots[i].name, gots[i].sha256, gots[i].err, want[i].name, want[i].sha256)
		}
	}
}

func TestCoderMemory(t *testing.T) {
	lzmaProps := func(dict uint32) []byte { return binary.LittleEndian.AppendUint32([]byte{0x5d}, dict) }
	tests := []struct {
		name string
		cd   szCoderInfo
		size uint64
		want int64
	}{
		{"LZMA dictionary above the data size", szCoderInfo{method: szMethodLZMA, props: lzmaProps(1 << 30)}, 100000, 100000},
		{"LZMA dictionary below the data size", szCoderInfo{method: szMethodLZMA, props: lzmaProps(1 << 20)}, 1 << 30, 1 << 20},
		{"LZMA unknown size", szCoderInfo{method: szMethodLZMA, props: lzmaProps(1<<32 - 1)}, 1<<64 - 1, 1<<32 - 1},
		{"LZMA tiny", szCoderInfo{method: szMethodLZMA, props: lzmaProps(1)}, 10, lzma.MinDictCap},
		{"LZMA2 4 GiB", szCoderInfo{method: szMethodLZMA2, props: []byte{40}}, 10, 1<<32 - 1},
		{"LZMA2 3 MiB", szCoderInfo{method: szMethodLZMA2, props: []byte{19}}, 10, 3 << 20},
		{"PPMd", szCoderInfo{method: szMethodPPMd, props: []byte{6, 0, 0, 0, 16}}, 10, 1 << 28},
		{"Copy", szCoderInfo{method: szMethodCopy}, 1 << 40, 0},
	}
	for _, tt := range tests {
		if got, _ := coderMemory(tt.cd, tt.size); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestAppend7zNumber(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1<<21 - 1, 1 << 21, 1<<32 - 1, 1<<56 - 1, 1 << 56, 1<<64 - 1} {
		b := append7zNumber(nil, v)
		p := &szParser{b: b}
		got, err := p.number()
		if err != nil || got != v || p.off != len(b) {
			t.Errorf("%#x: encoded % x, read %#x (%v), %d of %d bytes", v, b, got, err, p.off, len(b))
		}
	}
}

// build7z writes a 7z archive of one file, name, whose content is packed
// with one coder (method, props) from unpackSize bytes. The header is
// stored plain, all CRCs valid.
func build7z(packed, method, props []byte, unpackSize uint64, name string) []byte {
	h := []byte{szHeader, szMainStreamsInfo, szPackInfo, 0, 1, szSize}
	h = append7zNumber(h, uint64(len(packed)))
	flags := byte(len(method))
	if len(props) > 0 {
		flags |= 0x20
	}
	h = append(h, szEnd, szUnpackInfo, szFolder, 1, 0, 1, flags)
	h = append(h, method...)
	if len(props) > 0 {
		h = append(append7zNumber(h, uint64(len(props))), props...)
	}
	h = append7zNumber(append(h, szCodersUnpackSize), unpackSize)
	h = append(h, szEnd, szSubStreamsInfo, szEnd, szEnd)
	h = append(h, szFilesInfo, 1, 0x11)
	var utf16 []byte
	for _, r := range name {
		utf16 = binary.LittleEndian.AppendUint16(utf16, uint16(r))
	}
	utf16 = append(utf16, 0, 0)
	h = append7zNumber(h, uint64(1+len(utf16)))
	h = append(append(h, 0), utf16...)
	h = append(h, szEnd, szEnd)
	out := make([]byte, 32, 32+len(packed)+len(h))
	copy(out, sevenZipMagic)
	out[6], out[7] = 0, 4
	out = append(append(out, packed...), h...)
	binary.LittleEndian.PutUint64(out[12:20], uint64(len(packed)))
	binary.LittleEndian.PutUint64(out[20:28], uint64(len(h)))
	binary.LittleEndian.PutUint32(out[28:32], crc32.ChecksumIEEE(h))
	binary.LittleEndian.PutUint32(out[8:12], crc32.ChecksumIEEE(out[12:32]))
	return out
}

// zstdFrame returns a zstd frame (RFC 8878) with the given frame header
// descriptor and window descriptor or content size bytes, holding content
// in one raw block.
func zstdFrame(header []byte, content string) []byte {
	f := append([]byte{0x28, 0xb5, 0x2f, 0xfd}, header...)
	bh := uint32(len(content))<<3 | 1 // raw, last
	f = append(f, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(f, content...)
}

// TestSevenZipZstdWindow checks that the windows zstd frames ask for, in
// the packed data of a zstd coder, are bounded like dictionaries: the
// decoder allocates them when it reads the frame header.
func TestSevenZipZstdWindow(t *testing.T) {
	skippable := []byte{0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'x', 'y', 'z'}
	window := func(log byte) []byte { return []byte{0x00, (log - 10) << 3} }
	tests := []struct {
		name   string
		packed []byte
		limit  bool
	}{
		{name: "single segment, 5 bytes", packed: zstdFrame([]byte{0x20, 5}, "hello")},
		{name: "256 KiB window", packed: zstdFrame(window(18), "hello")},
		{name: "two frames, small windows", packed: append(zstdFrame(window(18), "hel"), zstdFrame(window(20), "lo")...)},
		{name: "512 MiB window", packed: zstdFrame(window(29), "hello"), limit: true},
		{name: "single segment claiming 1 GiB", packed: zstdFrame(binary.LittleEndian.AppendUint64([]byte{0xe0}, 1<<30), "hello"), limit: true},
		{name: "512 MiB window in the second frame", packed: append(zstdFrame(window(18), "hel"), zstdFrame(window(29), "lo")...), limit: true},
		{name: "512 MiB window after a skippable frame", packed: append(skippable, zstdFrame(window(29), "hello")...), limit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := build7z(tt.packed, szMethodZstd, nil, 5, "z.txt")
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			gots, err := walkBytes(t, data, Options{})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("walk allocated %d bytes", alloc)
			}
			if tt.limit {
				var le *LimitError
				if !errors.As(err, &le) || le.Limit != LimitDict || !strings.Contains(le.Detail, "zstd") {
					t.Fatalf("Walk: %v, want a zstd %s LimitError", err, LimitDict)
				}
				return
			}
			if err != nil || len(gots) != 1 || gots[0].err != nil || gots[0].sha256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
				t.Fatalf("Walk: %v, members %+v; want z.txt holding hello", err, gots)
			}
		})
	}
}

// BenchmarkSevenZipCheck compares the header check with the library's
// own opening of the same archive, which the walk does anyway.
func BenchmarkSevenZipCheck(b *testing.B) {
	for _, name := range []string{"sample.7z", "solid-blocks.7z", "plain-header.7z"} {
		data := readFixture(b, name)
		opt := Options{}.withDefaults()
		b.Run(name+"/check", func(b *testing.B) {
			for b.Loop() {
				if _, err := sevenZipCheck(bytes.NewReader(data), int64(len(data)), opt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/library", func(b *testing.B) {
			for b.Loop() {
				if _, err := sevenzip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
