package hashset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
	"unsafe"

	"github.com/bits-and-blooms/bloom/v3"
)

// Segment file layout; hashset/FORMAT.md documents it byte by byte.
const (
	// SegmentVersion is the segment layout version this package writes and reads.
	SegmentVersion = 1

	segMagic       = "HTSEG\r\n\x1a"
	segHeaderSize  = 64
	segDirEntry    = 64
	segTrailerSize = sha256.Size
	segAlign       = 64

	noString = 0xFFFFFFFF // an ids or label-table slot that names no string
)

// Section types.
const (
	secDigests  = 1
	secLines    = 2
	secLabels   = 3
	secIDs      = 4
	secSizes    = 5
	secQuality  = 6
	secBloom    = 7
	secFence    = 8
	secStrOffs  = 16
	secStrData  = 17
	secLabelTab = 18
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by every error about a damaged or unreadable segment.
var ErrCorrupt = errors.New("corrupt segment")

// A segSection is one entry of a segment's directory.
type segSection struct {
	typ    uint16
	alg    Algorithm
	width  uint8
	param  uint32
	param2 uint64
	off    uint64
	length uint64
	count  uint64
	crc    uint32
}

// A Segment is one imported list as stored on disk: immutable, memory-mapped
// where the platform allows. Its methods are safe for concurrent use; the
// byte slices it hands out alias the mapping and must not be modified or
// used after Close.
type Segment struct {
	path     string
	data     []byte
	release  func() error
	sections []segSection
	tables   [numAlgorithms]*Table

	strOffs  []byte // (count+1) little-endian uint64
	strData  []byte
	labelTab []byte // pairs of little-endian uint32 string indexes
}

// A Table holds the entries of one algorithm in a segment, sorted by digest
// (ties in list order), with parallel columns describing each entry.
type Table struct {
	seg        *Segment
	alg        Algorithm
	n          int
	digests    []byte
	lines      []byte
	labels     []byte
	labelWidth int
	ids        []byte
	sizes      []byte
	quality    []byte
	filter     *bloom.BloomFilter
	fence      []byte
	fenceBits  uint
}

func segCorruptf(path, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", path, ErrCorrupt, fmt.Sprintf(format, args...))
}

// parseSegment checks the header, the directory and every section's place
// and size against the file (cheap: it reads no section), and sets up the
// tables. It never allocates in proportion to anything but the directory,
// whose size is bounded by the file's.
func parseSegment(path string, data []byte) (*Segment, error) {
	size := uint64(len(data))
	if size < segHeaderSize+segTrailerSize {
		return nil, segCorruptf(path, "%d bytes is too short for a segment", size)
	}
	if string(data[:8]) != segMagic {
		return nil, segCorruptf(path, "not a hashtriage segment (bad magic)")
	}
	if got := crc32.Checksum(data[:60], castagnoli); got != binary.LittleEndian.Uint32(data[60:]) {
		return nil, segCorruptf(path, "header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != SegmentVersion {
		return nil, fmt.Errorf("%s: segment version %d is not supported (this build reads version %d)", path, v, SegmentVersion)
	}
	if fs := binary.LittleEndian.Uint64(data[16:]); fs != size {
		return nil, segCorruptf(path, "header says %d bytes, file has %d (truncated or extended)", fs, size)
	}
	nsec := uint64(binary.LittleEndian.Uint32(data[12:]))
	dirEnd := segHeaderSize + nsec*segDirEntry
	if nsec > (size-segHeaderSize-segTrailerSize)/segDirEntry {
		return nil, segCorruptf(path, "directory of %d sections does not fit", nsec)
	}
	dir := data[segHeaderSize:dirEnd]
	if got := crc32.Checksum(dir, castagnoli); got != binary.LittleEndian.Uint32(data[24:]) {
		return nil, segCorruptf(path, "directory checksum mismatch")
	}
	s := &Segment{path: path, data: data, sections: make([]segSection, nsec)}
	bodyEnd := size - segTrailerSize
	for i := range s.sections {
		e := dir[i*segDirEntry:]
		sec := segSection{
			typ:    binary.LittleEndian.Uint16(e[0:]),
			alg:    Algorithm(e[2]),
			width:  e[3],
			param:  binary.LittleEndian.Uint32(e[4:]),
			param2: binary.LittleEndian.Uint64(e[8:]),
			off:    binary.LittleEndian.Uint64(e[16:]),
			length: binary.LittleEndian.Uint64(e[24:]),
			count:  binary.LittleEndian.Uint64(e[32:]),
			crc:    binary.LittleEndian.Uint32(e[40:]),
		}
		if sec.off < dirEnd || sec.off > bodyEnd || sec.length > bodyEnd-sec.off {
			return nil, segCorruptf(path, "section %d (type %d) lies outside the file", i, sec.typ)
		}
		if sec.off%8 != 0 {
			return nil, segCorruptf(path, "section %d (type %d) is not 8-byte aligned", i, sec.typ)
		}
		if sec.width == 0 || sec.count > sec.length || sec.count*uint64(sec.width) != sec.length {
			return nil, segCorruptf(path, "section %d (type %d): %d elements of %d bytes do not make %d bytes", i, sec.typ, sec.count, sec.width, sec.length)
		}
		s.sections[i] = sec
	}
	if err := s.setup(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Segment) bytes(sec segSection) []byte { return s.data[sec.off : sec.off+sec.length] }

// setup wires sections into tables, checking that they agree with each other.
func (s *Segment) setup() error {
	seen := map[[2]uint16]bool{}
	for i, sec := range s.sections {
		key := [2]uint16{sec.typ, uint16(sec.alg)}
		if seen[key] {
			return segCorruptf(s.path, "section %d repeats type %d for %s", i, sec.typ, sec.alg)
		}
		seen[key] = true
		switch sec.typ {
		case secStrOffs:
			if sec.width != 8 || sec.count < 1 {
				return segCorruptf(s.path, "bad string offsets section")
			}
			s.strOffs = s.bytes(sec)
		case secStrData:
			if sec.width != 1 {
				return segCorruptf(s.path, "bad string data section")
			}
			s.strData = s.bytes(sec)
		case secLabelTab:
			if sec.width != 8 {
				return segCorruptf(s.path, "bad label table section")
			}
			s.labelTab = s.bytes(sec)
		case secDigests:
			if !sec.alg.Matchable() || int(sec.width) != sec.alg.Size() {
				return segCorruptf(s.path, "digest section for %s has %d-byte elements", sec.alg, sec.width)
			}
			if sec.count > 1<<32-1 {
				return segCorruptf(s.path, "%s table has too many entries", sec.alg)
			}
			s.tables[sec.alg] = &Table{seg: s, alg: sec.alg, n: int(sec.count), digests: s.bytes(sec)}
		case secLines, secLabels, secIDs, secSizes, secQuality, secBloom, secFence:
		default:
			return segCorruptf(s.path, "unknown section type %d", sec.typ)
		}
	}
	for i, sec := range s.sections {
		if sec.typ == secDigests || sec.typ >= secStrOffs {
			continue
		}
		if sec.alg >= numAlgorithms || s.tables[sec.alg] == nil {
			return segCorruptf(s.path, "section %d (type %d) belongs to no digest table", i, sec.typ)
		}
		t := s.tables[sec.alg]
		b := s.bytes(sec)
		parallel := func(width uint8) error {
			if sec.width != width || sec.count != uint64(t.n) {
				return segCorruptf(s.path, "%s column type %d: %d elements of %d bytes for %d entries", t.alg, sec.typ, sec.count, sec.width, t.n)
			}
			return nil
		}
		var err error
		switch sec.typ {
		case secLines:
			err, t.lines = parallel(4), b
		case secLabels:
			if sec.width == 2 || sec.width == 4 {
				err, t.labels, t.labelWidth = parallel(sec.width), b, int(sec.width)
			} else {
				err = segCorruptf(s.path, "%s labels have %d-byte elements", t.alg, sec.width)
			}
		case secIDs:
			err, t.ids = parallel(4), b
		case secSizes:
			err, t.sizes = parallel(8), b
		case secQuality:
			err, t.quality = parallel(1), b
		case secBloom:
			err = t.setBloom(sec, b)
		case secFence:
			if sec.width != 4 || sec.param > 32 || sec.count != 1<<sec.param+1 {
				err = segCorruptf(s.path, "%s fence index is malformed", t.alg)
			}
			t.fence, t.fenceBits = b, uint(sec.param)
		}
		if err != nil {
			return err
		}
	}
	for _, t := range s.tables {
		if t != nil && t.lines == nil {
			return segCorruptf(s.path, "%s table has no line numbers", t.alg)
		}
	}
	return nil
}

func (t *Table) setBloom(sec segSection, b []byte) error {
	if !t.alg.Exact() || sec.width != 8 || sec.param < 1 || sec.param > 64 || sec.param2 < 1 || sec.param2 > sec.count*64 {
		return segCorruptf(t.seg.path, "%s bloom filter is malformed", t.alg)
	}
	var words []uint64
	if nativeLittleEndian && len(b) > 0 {
		// Sections are 8-byte aligned within a page-aligned mapping (or a
		// []uint64-backed buffer), so the words can be used in place.
		words = unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
	} else {
		words = make([]uint64, len(b)/8)
		for i := range words {
			words[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
	}
	t.filter = bloom.FromWithM(words, uint(sec.param2), uint(sec.param))
	return nil
}

var nativeLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Path returns the segment's file name.
func (s *Segment) Path() string { return s.path }

// Table returns the table of algorithm a, or nil if the segment holds none.
func (s *Segment) Table(a Algorithm) *Table {
	if a >= numAlgorithms {
		return nil
	}
	return s.tables[a]
}

// Tables returns the segment's tables in algorithm order.
func (s *Segment) Tables() []*Table {
	var ts []*Table
	for _, t := range s.tables {
		if t != nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// Close releases the mapping. Slices obtained from the segment become invalid.
func (s *Segment) Close() error {
	if s.release == nil {
		return nil
	}
	err := s.release()
	s.release = nil
	return err
}

// Verify re-checks everything: the whole-file SHA-256 in the trailer, every
// section's CRC-32C, that digests are sorted, and that every reference
// between sections resolves. It reads the whole file.
func (s *Segment) Verify() error {
	for i, sec := range s.sections {
		if got := crc32.Checksum(s.bytes(sec), castagnoli); got != sec.crc {
			return segCorruptf(s.path, "section %d (type %d, %s) checksum mismatch", i, sec.typ, sec.alg)
		}
	}
	body := s.data[:len(s.data)-segTrailerSize]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], s.data[len(body):]) {
		return segCorruptf(s.path, "file SHA-256 does not match its trailer (damaged padding or trailer)")
	}
	nstr := s.stringCount()
	for i := 0; i < nstr; i++ {
		if _, ok := s.str(uint32(i)); !ok {
			return segCorruptf(s.path, "string %d has bad offsets", i)
		}
	}
	for i := 0; i < len(s.labelTab)/8; i++ {
		for _, ref := range []uint32{binary.LittleEndian.Uint32(s.labelTab[8*i:]), binary.LittleEndian.Uint32(s.labelTab[8*i+4:])} {
			if ref != noString && int64(ref) >= int64(nstr) {
				return segCorruptf(s.path, "label %d names missing string %d", i+1, ref)
			}
		}
	}
	for _, t := range s.tables {
		if t == nil {
			continue
		}
		if err := t.verify(nstr); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) verify(nstr int) error {
	w := t.alg.Size()
	for i := 1; i < t.n; i++ {
		if bytes.Compare(t.digests[(i-1)*w:i*w], t.digests[i*w:(i+1)*w]) > 0 {
			return segCorruptf(t.seg.path, "%s digests are not sorted at entry %d", t.alg, i)
		}
	}
	nlabels := len(t.seg.labelTab) / 8
	for i := 0; i < t.n; i++ {
		if l := t.label(i); l > nlabels {
			return segCorruptf(t.seg.path, "%s entry %d names missing label %d", t.alg, i, l)
		}
		if t.ids != nil {
			if ref := binary.LittleEndian.Uint32(t.ids[4*i:]); ref != noString && int64(ref) >= int64(nstr) {
				return segCorruptf(t.seg.path, "%s entry %d names missing string %d", t.alg, i, ref)
			}
		}
	}
	if t.fence != nil {
		prev := uint32(0)
		for k := 0; k < len(t.fence)/4; k++ {
			v := binary.LittleEndian.Uint32(t.fence[4*k:])
			if v < prev || int64(v) > int64(t.n) {
				return segCorruptf(t.seg.path, "%s fence index is not monotonic at %d", t.alg, k)
			}
			prev = v
		}
		if int(prev) != t.n {
			return segCorruptf(t.seg.path, "%s fence index does not end at the table's end", t.alg)
		}
		for i := 0; i < t.n; i++ {
			lo, hi := t.Bucket(t.Digest(i))
			if i < lo || i >= hi {
				return segCorruptf(t.seg.path, "%s fence index misplaces entry %d", t.alg, i)
			}
		}
	}
	if t.filter != nil {
		for i := 0; i < t.n; i++ {
			if !t.filter.Test(t.Digest(i)) {
				return segCorruptf(t.seg.path, "%s bloom filter lacks entry %d", t.alg, i)
			}
		}
	}
	return nil
}

func (s *Segment) stringCount() int {
	if len(s.strOffs) < 8 {
		return 0
	}
	return len(s.strOffs)/8 - 1
}

// str returns string i of the pool, checking its offsets.
func (s *Segment) str(i uint32) (string, bool) {
	if i == noString || int64(i) >= int64(s.stringCount()) {
		return "", false
	}
	a := binary.LittleEndian.Uint64(s.strOffs[8*i:])
	b := binary.LittleEndian.Uint64(s.strOffs[8*i+8:])
	if a > b || b > uint64(len(s.strData)) {
		return "", false
	}
	return string(s.strData[a:b]), true
}

// Algorithm returns the table's algorithm.
func (t *Table) Algorithm() Algorithm { return t.alg }

// Len returns the number of entries.
func (t *Table) Len() int { return t.n }

// Digests returns all digests, sorted, back to back (Algorithm().Size() bytes each).
func (t *Table) Digests() []byte { return t.digests }

// Digest returns the digest of entry i.
func (t *Table) Digest(i int) []byte {
	w := t.alg.Size()
	return t.digests[i*w : (i+1)*w : (i+1)*w]
}

// MayContain reports whether d may be in the table: false is certain, true
// must be confirmed against the sorted digests. Tables without a filter
// (perceptual ones) always answer true.
func (t *Table) MayContain(d []byte) bool {
	if t.filter == nil {
		return true
	}
	return t.filter.Test(d)
}

// Bucket returns the range of entries [lo, hi) that can hold d, from the
// table's fence index (entries sharing d's leading bits), or the whole table
// if it has none. The range is always within the table.
func (t *Table) Bucket(d []byte) (lo, hi int) {
	if t.fence == nil || len(d) < 8 {
		return 0, t.n
	}
	var k uint64
	if t.fenceBits > 0 {
		k = binary.BigEndian.Uint64(d) >> (64 - t.fenceBits)
	}
	lo = int(binary.LittleEndian.Uint32(t.fence[4*k:]))
	hi = int(binary.LittleEndian.Uint32(t.fence[4*k+4:]))
	if hi > t.n {
		hi = t.n
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

func (t *Table) label(i int) int {
	switch t.labelWidth {
	case 2:
		return int(binary.LittleEndian.Uint16(t.labels[2*i:]))
	case 4:
		return int(binary.LittleEndian.Uint32(t.labels[4*i:]))
	}
	return 0
}

// Line returns the 1-based source line (or record number) of entry i.
func (t *Table) Line(i int) int { return int(binary.LittleEndian.Uint32(t.lines[4*i:])) }

// Entry returns entry i as the list described it. Its Digest aliases the
// segment. ID is "" when the list gave none (callers name the entry by Line).
func (t *Table) Entry(i int) Entry {
	e := Entry{Algorithm: t.alg, Digest: t.Digest(i), Line: t.Line(i), Size: -1, Quality: -1}
	if t.ids != nil {
		e.ID, _ = t.seg.str(binary.LittleEndian.Uint32(t.ids[4*i:]))
	}
	if l := t.label(i); l > 0 && l <= len(t.seg.labelTab)/8 {
		e.Category, _ = t.seg.str(binary.LittleEndian.Uint32(t.seg.labelTab[8*(l-1):]))
		e.Series, _ = t.seg.str(binary.LittleEndian.Uint32(t.seg.labelTab[8*(l-1)+4:]))
	}
	if t.sizes != nil {
		e.Size = int64(binary.LittleEndian.Uint64(t.sizes[8*i:]))
	}
	if t.quality != nil {
		if q := t.quality[i]; q <= 100 {
			e.Quality = int(q)
		}
	}
	return e
}

// EntryName returns what a report calls entry i: its ID, or its line number.
func (t *Table) EntryName(i int) string {
	e := Entry{Line: t.Line(i)}
	if t.ids != nil {
		e.ID, _ = t.seg.str(binary.LittleEndian.Uint32(t.ids[4*i:]))
	}
	return e.Name()
}

// fenceBitsFor picks the fence index size: about eight entries a bucket.
func fenceBitsFor(n int) uint {
	b := bits.Len64(uint64(n))
	if b <= 3 {
		return 0
	}
	b -= 3
	if b > 24 {
		b = 24
	}
	return uint(b)
}
