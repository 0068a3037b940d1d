package hashset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// buildSegmentBytes writes a segment for entries without a database.
func buildSegmentBytes(tb testing.TB, entries []Entry) []byte {
	tb.Helper()
	b := newSegmentBuilder()
	for i := range entries {
		if err := b.add(&entries[i]); err != nil {
			tb.Fatal(err)
		}
	}
	st := &buildStats{duplicates: map[Algorithm]int64{}, deleted: map[Algorithm]int64{}, unmatched: map[Algorithm]int64{},
		entries: map[Algorithm]int64{}, unique: map[Algorithm]int64{}}
	var tables []*finishedTable
	for _, t := range b.tables {
		if t != nil {
			if ft := t.finish(b, st); ft != nil {
				tables = append(tables, ft)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := b.writeTo(&buf, tables); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// fixChecksums repairs the header's size and the header and directory
// checksums, so that the fuzzer's mutations reach the structural checks.
func fixChecksums(b []byte) []byte {
	if len(b) < segHeaderSize || string(b[:8]) != segMagic {
		return b
	}
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint64(b[16:], uint64(len(b)))
	n := uint64(binary.LittleEndian.Uint32(b[12:]))
	if end := segHeaderSize + n*segDirEntry; end <= uint64(len(b)) {
		binary.LittleEndian.PutUint32(b[24:], crc32.Checksum(b[segHeaderSize:end], castagnoli))
	}
	binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	return b
}

// FuzzOpenSegment feeds arbitrary bytes to the segment reader, as they are
// and with checksums repaired, then uses every accessor on whatever opened.
func FuzzOpenSegment(f *testing.F) {
	var es []Entry
	for i := 0; i < 40; i++ {
		es = append(es,
			ent(MD5, md5Of(fmt.Sprint(i)), i+1, fmt.Sprintf("id%d", i%7), fmt.Sprint(i%3)),
			Entry{Algorithm: PDQ, Digest: sha256Of(fmt.Sprint(i)), Line: i + 1, Quality: i, Size: int64(i), Series: "s"},
			ent(DHash, md5Of(fmt.Sprint(i))[:8], i+1, "", ""))
	}
	f.Add(buildSegmentBytes(f, es))
	f.Add(buildSegmentBytes(f, es[:3]))
	f.Add(buildSegmentBytes(f, []Entry{ent(SHA1, sha1Of("x"), 1, "", "")}))
	f.Add([]byte(segMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, fixChecksums(data)} {
			s, err := parseSegment("fuzz.htseg", b)
			if err != nil {
				continue
			}
			for _, tb := range s.Tables() {
				n := min(tb.Len(), 200)
				for i := 0; i < n; i++ {
					d := tb.Digest(i)
					_ = tb.Entry(i)
					_ = tb.EntryName(i)
					lo, hi := tb.Bucket(d)
					if lo < 0 || hi > tb.Len() || lo > hi {
						t.Fatalf("bucket [%d,%d) outside a table of %d", lo, hi, tb.Len())
					}
					_ = tb.MayContain(d)
				}
				// The batched filter test must agree with MayContain on
				// whatever filter shape a damaged segment declares.
				ds := make([][]byte, n)
				for i := range ds {
					ds[i] = tb.Digest(i)
				}
				if n > 0 {
					ds[0] = data[:min(len(data), 16)]
				}
				got := make([]bool, n)
				if tb.filter != nil {
					tb.mayContainBatched(ds, got)
				} else {
					tb.MayContainMany(ds, got)
				}
				for i, d := range ds {
					if got[i] != tb.MayContain(d) {
						t.Fatalf("%s digest %d: batched filter test %v, MayContain %v", tb.Algorithm(), i, got[i], !got[i])
					}
				}
			}
			_ = s.Verify()
		}
	})
}

// TestSegmentRandomDamage damages a valid segment at random (bytes flipped,
// checksums repaired so the structural checks are reached) and checks that
// opening, reading and verifying never panic, and that Verify catches it.
func TestSegmentRandomDamage(t *testing.T) {
	var es []Entry
	for i := 0; i < 50; i++ {
		es = append(es, ent(MD5, md5Of(fmt.Sprint(i)), i+1, fmt.Sprintf("id%d", i), fmt.Sprint(i%4)),
			Entry{Algorithm: PDQ, Digest: sha256Of(fmt.Sprint(i)), Line: i + 1, Quality: 50, Size: 7})
	}
	orig := buildSegmentBytes(t, es)
	rng := rand.New(rand.NewPCG(5, 6))
	undetected := 0
	for iter := 0; iter < 3000; iter++ {
		b := bytes.Clone(orig)
		for k := 0; k < 1+rng.IntN(3); k++ {
			pos := rng.IntN(len(b))
			if rng.IntN(3) == 0 {
				pos = rng.IntN(segHeaderSize + 64*20) // aim at the header and directory
			}
			b[pos] ^= byte(1 + rng.IntN(255))
		}
		b = fixChecksums(b)
		s, err := parseSegment("damaged.htseg", b)
		if err != nil {
			continue
		}
		for _, tb := range s.Tables() {
			for i := 0; i < tb.Len(); i++ {
				_ = tb.Entry(i)
				lo, hi := tb.Bucket(tb.Digest(i))
				if lo < 0 || hi > tb.Len() || lo > hi {
					t.Fatalf("bucket [%d,%d) outside a table of %d", lo, hi, tb.Len())
				}
			}
		}
		if s.Verify() == nil && !bytes.Equal(b, orig) {
			undetected++
		}
	}
	if undetected > 0 {
		t.Errorf("Verify passed %d damaged segments", undetected)
	}
}
