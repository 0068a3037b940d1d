package hashset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"

	"github.com/bits-and-blooms/bloom/v3"
)

// Bloom filter shape: 10 bits and 3 hash functions per digest give about
// 1.8 % false positives with only a quarter of the bits set, so a miss is
// usually answered by the first probe (one cache miss), and a hit needs
// three. Measured on 10 M digests this beat 16 bits / 4 functions (0.24 %,
// a 60 % larger filter) for both misses and hits: what a lookup pays for is
// memory traffic, and a false positive only adds one search of the table.
const (
	bloomBitsPerEntry = 10
	bloomHashes       = 3
)

// segmentBuilder accumulates the entries of one list and writes a segment.
type segmentBuilder struct {
	tables [numAlgorithms]*tableBuilder

	strData []byte
	strOffs []uint64 // start of each string; the end is the next start or len(strData)

	labelCodes map[[2]string]uint32
	labelTab   [][2]uint32
	shortStrs  map[string]uint32 // categories and series, deduplicated

	// idDeletes holds the deletion records that name an ID rather than a
	// digest (NCMEC deletedImage): nil until there is one.
	idDeletes map[string]*idDeletion
	// deletions counts the deletion records read so far, of both kinds:
	// a record's sequence number says which of two came first.
	deletions uint32
}

// Deletion records remove the rows read before them in the list, not
// those after: lists such as NCMEC's feed are chronological, so an entry
// re-added after its deletion is the current state. A row that several
// records name is removed by the first of them after it; a record that
// removes no row is counted as unmatched.

// An idDeletion is every deletion record of one ID, in list order. Record
// k removes the rows with that ID of table a below cuts[k][a] (the table's
// length when the record was read).
type idDeletion struct {
	cuts [][numAlgorithms]uint32
	seqs []uint32
	hit  []bool // record k removed at least one row
}

// first returns the first of the records that would remove row of table a
// (the first read after the row) and its sequence number, or -1.
func (d *idDeletion) first(a Algorithm, row uint32) (int, uint32) {
	for k, c := range d.cuts {
		if row < c[a] {
			return k, d.seqs[k]
		}
	}
	return -1, 0
}

// tableBuilder accumulates one algorithm's rows. Digests and row numbers
// live together in one flat slice of fixed-width records so that sorting
// moves them together without pointers.
type tableBuilder struct {
	alg Algorithm
	w   int
	// recs holds per row the digest, then the row number big-endian (a sort
	// tie-break), in one bucket per leading digest byte: growing 256 small
	// slices never copies the whole table at once (as one 200 MB slice
	// would), and the buckets are the first pass of the radix sort.
	recs    [256][]byte
	n       int
	lines   []uint32
	labels  []uint32 // nil until a row has a label
	ids     []uint32 // nil until a row has an ID
	sizes   []int64  // nil until a row has a size
	quality []uint8  // nil until a row has a quality
	// deletes holds per digest deletion record the digest, then the
	// table's length when the record was read and the record's sequence
	// number (both big-endian): the record removes the rows before it that
	// hold the digest.
	deletes []byte
}

// buildStats reports what finishing a segment dropped.
type buildStats struct {
	duplicates map[Algorithm]int64 // rows identical to an earlier row
	deleted    map[Algorithm]int64 // rows removed by deletion records
	unmatched  map[Algorithm]int64 // digest deletion records that removed no row
	entries    map[Algorithm]int64 // rows stored
	unique     map[Algorithm]int64 // distinct digests stored
}

func newSegmentBuilder() *segmentBuilder {
	return &segmentBuilder{
		strOffs:    nil,
		labelCodes: map[[2]string]uint32{},
		shortStrs:  map[string]uint32{},
	}
}

var errTooManyRows = errors.New("too many entries for one segment (limit 4294967295 per algorithm)")

func (b *segmentBuilder) addString(s string) uint32 {
	b.strOffs = append(b.strOffs, uint64(len(b.strData)))
	b.strData = append(b.strData, s...)
	return uint32(len(b.strOffs) - 1)
}

func (b *segmentBuilder) shortString(s string) uint32 {
	if s == "" {
		return noString
	}
	if i, ok := b.shortStrs[s]; ok {
		return i
	}
	i := b.addString(s)
	b.shortStrs[s] = i
	return i
}

func (b *segmentBuilder) label(category, series string) uint32 {
	if category == "" && series == "" {
		return 0
	}
	key := [2]string{category, series}
	if c, ok := b.labelCodes[key]; ok {
		return c
	}
	b.labelTab = append(b.labelTab, [2]uint32{b.shortString(category), b.shortString(series)})
	c := uint32(len(b.labelTab))
	b.labelCodes[key] = c
	return c
}

// add stores e (a matchable digest of the right size).
func (b *segmentBuilder) add(e *Entry) error {
	t := b.tables[e.Algorithm]
	if t == nil {
		t = &tableBuilder{alg: e.Algorithm, w: e.Algorithm.Size()}
		b.tables[e.Algorithm] = t
	}
	if len(e.Digest) != t.w {
		return fmt.Errorf("%s digest has %d bytes, want %d", e.Algorithm, len(e.Digest), t.w)
	}
	if e.Delete {
		t.deletes = append(t.deletes, e.Digest...)
		t.deletes = binary.BigEndian.AppendUint32(t.deletes, uint32(t.n))
		t.deletes = binary.BigEndian.AppendUint32(t.deletes, b.deletions)
		b.deletions++
		return nil
	}
	if t.n == math.MaxUint32 || e.Line < 0 || int64(e.Line) > math.MaxUint32 {
		return errTooManyRows
	}
	row := t.n
	t.n++
	bk := &t.recs[e.Digest[0]]
	*bk = append(*bk, e.Digest...)
	*bk = binary.BigEndian.AppendUint32(*bk, uint32(row))
	t.lines = append(t.lines, uint32(e.Line))
	if l := b.label(e.Category, e.Series); l != 0 || t.labels != nil {
		if t.labels == nil {
			t.labels = make([]uint32, row, row+1024)
		}
		t.labels = append(t.labels, l)
	}
	if e.ID != "" || t.ids != nil {
		if t.ids == nil {
			t.ids = make([]uint32, row, row+1024)
			for i := range t.ids {
				t.ids[i] = noString
			}
		}
		id := uint32(noString)
		if e.ID != "" {
			id = b.addString(e.ID)
		}
		t.ids = append(t.ids, id)
	}
	if e.Size >= 0 || t.sizes != nil {
		if t.sizes == nil {
			t.sizes = make([]int64, row, row+1024)
			for i := range t.sizes {
				t.sizes[i] = -1
			}
		}
		t.sizes = append(t.sizes, max(e.Size, -1))
	}
	if (e.Quality >= 0 && e.Quality <= 100) || t.quality != nil {
		if t.quality == nil {
			t.quality = make([]uint8, row, row+1024)
			for i := range t.quality {
				t.quality[i] = 255
			}
		}
		q := uint8(255)
		if e.Quality >= 0 && e.Quality <= 100 {
			q = uint8(e.Quality)
		}
		t.quality = append(t.quality, q)
	}
	return nil
}

// deleteID records a deletion record that names an ID: it removes every
// entry with that ID read before it, whatever its algorithm.
func (b *segmentBuilder) deleteID(id string) {
	if b.idDeletes == nil {
		b.idDeletes = map[string]*idDeletion{}
	}
	d := b.idDeletes[id]
	if d == nil {
		d = &idDeletion{}
		b.idDeletes[id] = d
	}
	var cut [numAlgorithms]uint32
	for a, t := range b.tables {
		if t != nil {
			cut[a] = uint32(t.n)
		}
	}
	d.cuts = append(d.cuts, cut)
	d.seqs = append(d.seqs, b.deletions)
	d.hit = append(d.hit, false)
	b.deletions++
}

// unmatchedIDDeletions counts the ID deletion records that removed no entry
// (valid once every table is finished).
func (b *segmentBuilder) unmatchedIDDeletions() int64 {
	var n int64
	for _, d := range b.idDeletes {
		for _, h := range d.hit {
			if !h {
				n++
			}
		}
	}
	return n
}

// string returns string i of the pool.
func (b *segmentBuilder) string(i uint32) string {
	end := uint64(len(b.strData))
	if int(i)+1 < len(b.strOffs) {
		end = b.strOffs[i+1]
	}
	return string(b.strData[b.strOffs[i]:end])
}

// deleted reports whether a deletion record removes row, whose digest is
// d, marking the record that does: the first, in list order, of the first
// digest record and the first ID record after the row.
func (t *tableBuilder) deleted(b *segmentBuilder, dels *digestDeletions, d []byte, row uint32) bool {
	kd, seqD := dels.first(d, row)
	var idDel *idDeletion
	ki, seqI := -1, uint32(0)
	if b.idDeletes != nil && t.ids != nil && t.ids[row] != noString {
		if idDel = b.idDeletes[b.string(t.ids[row])]; idDel != nil {
			ki, seqI = idDel.first(t.alg, row)
		}
	}
	switch {
	case kd >= 0 && (ki < 0 || seqD < seqI):
		dels.hit[kd] = true
	case ki >= 0:
		idDel.hit[ki] = true
	default:
		return false
	}
	return true
}

// digestDeletions walks a table's digest deletion records, sorted by
// digest then position, alongside its sorted rows.
type digestDeletions struct {
	recs []byte // the records not yet reached
	w    int    // digest width; a record is w+8 bytes
	// The deletion records of the digest at hand.
	digest []byte
	cuts   []uint32
	seqs   []uint32
	hit    []bool
	// unmatched counts the records that removed no row.
	unmatched int64
}

// next closes the digest at hand and loads the next one.
func (dd *digestDeletions) next() {
	for _, h := range dd.hit {
		if !h {
			dd.unmatched++
		}
	}
	dd.digest, dd.cuts, dd.seqs, dd.hit = nil, dd.cuts[:0], dd.seqs[:0], dd.hit[:0]
	for len(dd.recs) > 0 && (dd.digest == nil || bytes.Equal(dd.recs[:dd.w], dd.digest)) {
		dd.digest = dd.recs[:dd.w]
		dd.cuts = append(dd.cuts, binary.BigEndian.Uint32(dd.recs[dd.w:]))
		dd.seqs = append(dd.seqs, binary.BigEndian.Uint32(dd.recs[dd.w+4:]))
		dd.hit = append(dd.hit, false)
		dd.recs = dd.recs[dd.w+8:]
	}
}

// first returns the first record that would remove the row holding d (the
// first of d's records read after the row) and its sequence number, or -1.
// Rows must come in (digest, row) order.
func (dd *digestDeletions) first(d []byte, row uint32) (int, uint32) {
	for dd.digest != nil && bytes.Compare(dd.digest, d) < 0 {
		dd.next()
	}
	if dd.digest == nil || !bytes.Equal(dd.digest, d) {
		return -1, 0
	}
	for k, c := range dd.cuts {
		if row < c {
			return k, dd.seqs[k]
		}
	}
	return -1, 0
}

// finish closes every remaining digest.
func (dd *digestDeletions) finish() {
	for dd.digest != nil {
		dd.next()
	}
}

// finishedTable is a table ready to write: columns in sorted order.
type finishedTable struct {
	alg        Algorithm
	n          int
	digests    [][]byte // sorted, in chunks (one per leading byte)
	lines      []byte
	labels     []byte
	labelWidth int
	ids        []byte
	sizes      []byte
	quality    []byte
	bloomWords []uint64
	bloomM     uint
	bloomK     uint
	fence      []byte
	fenceBits  uint
}

// finish sorts, applies deletions, drops duplicate rows and lays out the
// columns. A deletion record (by digest, or by ID) removes the rows it
// names that were read before it, not those after it. Duplicates are
// rows whose digest, ID, category and series all equal an earlier row's;
// the earliest row is kept. Rows sharing a digest but differing otherwise
// are all kept, so every list entry stays nameable.
func (t *tableBuilder) finish(b *segmentBuilder, st *buildStats) *finishedTable {
	rs := t.w + 4
	sortFixedRecords(t.deletes, t.w+8)
	dels := &digestDeletions{recs: t.deletes, w: t.w}
	dels.next()
	tmp := make([]byte, rs)
	var kept [256][]byte
	n := 0
	for bi := range t.recs {
		bucket := t.recs[bi]
		if len(bucket) > rs {
			segRadixSort(bucket, rs, 1, tmp) // byte 0 is the bucket's
		}
		keep := bucket[:0]
		prevKept := -1 // record index in keep of the group's first kept row
		var groupKeys map[string]bool
		for i := 0; i < len(bucket)/rs; i++ {
			rec := bucket[i*rs : (i+1)*rs]
			d := rec[:t.w]
			row := binary.BigEndian.Uint32(rec[t.w:])
			if t.deleted(b, dels, d, row) {
				st.deleted[t.alg]++
				continue
			}
			if prevKept >= 0 && bytes.Equal(keep[prevKept*rs:prevKept*rs+t.w], d) {
				// Same digest as the group so far: a duplicate if it says nothing new.
				key := t.rowKey(b, row)
				if groupKeys == nil {
					groupKeys = map[string]bool{}
					for j := prevKept; j < len(keep)/rs; j++ {
						groupKeys[t.rowKey(b, binary.BigEndian.Uint32(keep[j*rs+t.w:]))] = true
					}
				}
				if groupKeys[key] {
					st.duplicates[t.alg]++
					continue
				}
				groupKeys[key] = true
			} else {
				prevKept = len(keep) / rs
				groupKeys = nil
				st.unique[t.alg]++
			}
			keep = append(keep, rec...) // in place: keep never overtakes i
		}
		kept[bi] = keep
		n += len(keep) / rs
	}
	dels.finish()
	st.unmatched[t.alg] += dels.unmatched
	t.deletes = nil
	st.entries[t.alg] = int64(n)
	if n == 0 {
		return nil
	}

	// Split the records: row numbers out, digests compacted to the front
	// of each bucket.
	rows := make([]uint32, 0, n)
	ft := &finishedTable{alg: t.alg, n: n}
	for bi, keep := range kept {
		m := len(keep) / rs
		for i := 0; i < m; i++ {
			rows = append(rows, binary.BigEndian.Uint32(keep[i*rs+t.w:]))
			copy(keep[i*t.w:], keep[i*rs:i*rs+t.w])
		}
		if m > 0 {
			ft.digests = append(ft.digests, keep[:m*t.w:m*t.w])
		}
		t.recs[bi] = nil
	}
	// The bloom filter's random writes are the slowest part of an import:
	// build it on another core while the columns are laid out.
	var bloomDone sync.WaitGroup
	if t.alg.Exact() {
		unique := st.unique[t.alg]
		bloomDone.Go(func() {
			m := uint(max(64, bloomBitsPerEntry*unique))
			m = (m + 63) &^ 63
			f := bloom.New(m, bloomHashes)
			for _, c := range ft.digests {
				for i := 0; i < len(c); i += t.w {
					f.Add(c[i : i+t.w])
				}
			}
			ft.bloomWords, ft.bloomM, ft.bloomK = f.BitSet().Words(), f.Cap(), f.K()
		})
	}
	ft.lines = make([]byte, 4*n)
	for i, r := range rows {
		binary.LittleEndian.PutUint32(ft.lines[4*i:], t.lines[r])
	}
	t.lines = nil
	if t.labels != nil {
		ft.labelWidth = 2
		if len(b.labelTab) > math.MaxUint16 {
			ft.labelWidth = 4
		}
		ft.labels = make([]byte, ft.labelWidth*n)
		for i, r := range rows {
			if ft.labelWidth == 2 {
				binary.LittleEndian.PutUint16(ft.labels[2*i:], uint16(t.labels[r]))
			} else {
				binary.LittleEndian.PutUint32(ft.labels[4*i:], t.labels[r])
			}
		}
	}
	if t.ids != nil {
		ft.ids = make([]byte, 4*n)
		for i, r := range rows {
			binary.LittleEndian.PutUint32(ft.ids[4*i:], t.ids[r])
		}
	}
	if t.sizes != nil {
		ft.sizes = make([]byte, 8*n)
		for i, r := range rows {
			binary.LittleEndian.PutUint64(ft.sizes[8*i:], uint64(t.sizes[r]))
		}
	}
	if t.quality != nil {
		ft.quality = make([]byte, n)
		for i, r := range rows {
			ft.quality[i] = t.quality[r]
		}
	}
	ft.fenceBits = fenceBitsFor(n)
	nb := 1 << ft.fenceBits
	ft.fence = make([]byte, 4*(nb+1))
	k, i := 0, 0
	for _, c := range ft.digests {
		for j := 0; j < len(c); j += t.w {
			var p int
			if ft.fenceBits > 0 {
				p = int(binary.BigEndian.Uint64(c[j:]) >> (64 - ft.fenceBits))
			}
			for ; k <= p; k++ {
				binary.LittleEndian.PutUint32(ft.fence[4*k:], uint32(i))
			}
			i++
		}
	}
	for ; k <= nb; k++ {
		binary.LittleEndian.PutUint32(ft.fence[4*k:], uint32(n))
	}
	bloomDone.Wait()
	return ft
}

// rowKey is what makes a row distinct among rows sharing its digest.
func (t *tableBuilder) rowKey(b *segmentBuilder, row uint32) string {
	var id string
	if t.ids != nil && t.ids[row] != noString {
		id = b.string(t.ids[row])
	}
	var l uint32
	if t.labels != nil {
		l = t.labels[row]
	}
	return fmt.Sprintf("%d\x00%s", l, id)
}

// pendingSegSection is a section with its bytes, before layout.
type pendingSegSection struct {
	segSection
	chunks [][]byte // the section's bytes, in order
	words  []uint64 // or bloom words, written little-endian
}

// segSums describes a written segment file.
type segSums struct {
	file []byte // SHA-256 of the whole file
	size int64
}

// writeTo lays out and writes the segment to w.
func (b *segmentBuilder) writeTo(w io.Writer, tables []*finishedTable) (segSums, error) {
	var secs []pendingSegSection
	addChunks := func(typ uint16, alg Algorithm, width int, chunks ...[]byte) *pendingSegSection {
		var length uint64
		for _, c := range chunks {
			length += uint64(len(c))
		}
		secs = append(secs, pendingSegSection{segSection: segSection{typ: typ, alg: alg, width: uint8(width),
			length: length, count: length / uint64(width)}, chunks: chunks})
		return &secs[len(secs)-1]
	}
	add := func(typ uint16, alg Algorithm, width int, data []byte) *pendingSegSection {
		return addChunks(typ, alg, width, data)
	}
	for _, t := range tables {
		addChunks(secDigests, t.alg, t.alg.Size(), t.digests...)
		add(secLines, t.alg, 4, t.lines)
		if t.labels != nil {
			add(secLabels, t.alg, t.labelWidth, t.labels)
		}
		if t.ids != nil {
			add(secIDs, t.alg, 4, t.ids)
		}
		if t.sizes != nil {
			add(secSizes, t.alg, 8, t.sizes)
		}
		if t.quality != nil {
			add(secQuality, t.alg, 1, t.quality)
		}
		if t.bloomWords != nil {
			s := add(secBloom, t.alg, 8, nil)
			s.words, s.length, s.count = t.bloomWords, uint64(8*len(t.bloomWords)), uint64(len(t.bloomWords))
			s.param, s.param2 = uint32(t.bloomK), uint64(t.bloomM)
		}
		f := add(secFence, t.alg, 4, t.fence)
		f.param = uint32(t.fenceBits)
	}
	if len(b.strOffs) > 0 {
		offs := make([]byte, 8*(len(b.strOffs)+1))
		for i, o := range b.strOffs {
			binary.LittleEndian.PutUint64(offs[8*i:], o)
		}
		binary.LittleEndian.PutUint64(offs[8*len(b.strOffs):], uint64(len(b.strData)))
		add(secStrOffs, 0, 8, offs)
		if len(b.strData) > 0 {
			add(secStrData, 0, 1, b.strData)
		}
	}
	if len(b.labelTab) > 0 {
		lt := make([]byte, 8*len(b.labelTab))
		for i, l := range b.labelTab {
			binary.LittleEndian.PutUint32(lt[8*i:], l[0])
			binary.LittleEndian.PutUint32(lt[8*i+4:], l[1])
		}
		add(secLabelTab, 0, 8, lt)
	}

	// Layout and checksums.
	off := uint64(segHeaderSize + segDirEntry*len(secs))
	dir := make([]byte, segDirEntry*len(secs))
	for i := range secs {
		s := &secs[i]
		off = (off + segAlign - 1) &^ (segAlign - 1)
		s.off = off
		off += s.length
		if s.words != nil {
			c := uint32(0)
			var buf [8 * 1024]byte
			for j := 0; j < len(s.words); j += len(buf) / 8 {
				chunk := s.words[j:min(len(s.words), j+len(buf)/8)]
				for k, v := range chunk {
					binary.LittleEndian.PutUint64(buf[8*k:], v)
				}
				c = crc32.Update(c, castagnoli, buf[:8*len(chunk)])
			}
			s.crc = c
		} else {
			for _, c := range s.chunks {
				s.crc = crc32.Update(s.crc, castagnoli, c)
			}
		}
		e := dir[i*segDirEntry:]
		binary.LittleEndian.PutUint16(e[0:], s.typ)
		e[2] = uint8(s.alg)
		e[3] = s.width
		binary.LittleEndian.PutUint32(e[4:], s.param)
		binary.LittleEndian.PutUint64(e[8:], s.param2)
		binary.LittleEndian.PutUint64(e[16:], s.off)
		binary.LittleEndian.PutUint64(e[24:], s.length)
		binary.LittleEndian.PutUint64(e[32:], s.count)
		binary.LittleEndian.PutUint32(e[40:], s.crc)
	}
	size := off + segTrailerSize
	hdr := make([]byte, segHeaderSize)
	copy(hdr, segMagic)
	binary.LittleEndian.PutUint32(hdr[8:], SegmentVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(secs)))
	binary.LittleEndian.PutUint64(hdr[16:], size)
	binary.LittleEndian.PutUint32(hdr[24:], crc32.Checksum(dir, castagnoli))
	binary.LittleEndian.PutUint32(hdr[60:], crc32.Checksum(hdr[:60], castagnoli))

	sum := sha256.New()
	cw := &segWriter{w: io.MultiWriter(w, sum)}
	cw.write(hdr)
	cw.write(dir)
	var zeros [segAlign]byte
	for i := range secs {
		s := &secs[i]
		if cw.err != nil {
			break
		}
		cw.write(zeros[:s.off-cw.n])
		if s.words != nil {
			var buf [64 * 1024]byte
			for j := 0; j < len(s.words); j += len(buf) / 8 {
				chunk := s.words[j:min(len(s.words), j+len(buf)/8)]
				for k, v := range chunk {
					binary.LittleEndian.PutUint64(buf[8*k:], v)
				}
				cw.write(buf[:8*len(chunk)])
			}
		} else {
			for _, c := range s.chunks {
				cw.write(c)
			}
		}
	}
	if cw.err != nil {
		return segSums{}, cw.err
	}
	cw.write(sum.Sum(nil)) // the trailer: SHA-256 of everything before it
	if cw.err != nil {
		return segSums{}, cw.err
	}
	return segSums{file: sum.Sum(nil), size: int64(cw.n)}, nil
}

type segWriter struct {
	w   io.Writer
	n   uint64
	err error
}

func (c *segWriter) write(p []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(p)
	c.n += uint64(n)
	c.err = err
}

// sortFixedRecords sorts fixed-width records of rs bytes in place, comparing
// them as byte strings: an in-place MSD radix sort (American flag sort)
// with insertion sort for small buckets. Neither allocation nor pointer
// chasing depends on the number of records.
func sortFixedRecords(b []byte, rs int) {
	tmp := make([]byte, rs)
	segRadixSort(b, rs, 0, tmp)
}

func segRadixSort(b []byte, rs, depth int, tmp []byte) {
	n := len(b) / rs
	if n < 32 {
		segInsertionSort(b, rs, depth, tmp)
		return
	}
	if depth >= rs {
		return
	}
	var count, next [256]int
	for i := 0; i < n; i++ {
		count[b[i*rs+depth]]++
	}
	var start [257]int
	for c := 0; c < 256; c++ {
		start[c+1] = start[c] + count[c]
		next[c] = start[c]
	}
	for c := 0; c < 256; c++ {
		end := start[c+1]
		for next[c] < end {
			i := next[c]
			v := b[i*rs+depth]
			if int(v) == c {
				next[c]++
				continue
			}
			j := next[v]
			next[v]++
			copy(tmp, b[i*rs:(i+1)*rs])
			copy(b[i*rs:(i+1)*rs], b[j*rs:(j+1)*rs])
			copy(b[j*rs:(j+1)*rs], tmp)
		}
	}
	for c := 0; c < 256; c++ {
		if count[c] > 1 {
			segRadixSort(b[start[c]*rs:start[c+1]*rs], rs, depth+1, tmp)
		}
	}
}

func segInsertionSort(b []byte, rs, depth int, tmp []byte) {
	n := len(b) / rs
	for i := 1; i < n; i++ {
		j := i
		if bytes.Compare(b[(j-1)*rs+depth:j*rs], b[j*rs+depth:(j+1)*rs]) <= 0 {
			continue
		}
		copy(tmp, b[i*rs:(i+1)*rs])
		for j > 0 && bytes.Compare(b[(j-1)*rs+depth:j*rs], tmp[depth:]) > 0 {
			copy(b[j*rs:(j+1)*rs], b[(j-1)*rs:j*rs])
			j--
		}
		copy(b[j*rs:(j+1)*rs], tmp)
	}
}
