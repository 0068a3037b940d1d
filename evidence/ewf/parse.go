package ewf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

const (
	fileHeaderSize  = 13
	descriptorSize  = 76
	tableHeaderSize = 24
	maxChunkSize    = 16 << 20 // EnCase allows at most 32768 sectors of 512 bytes
	maxSectorSize   = 1 << 16
)

var evfSignature = []byte("EVF\x09\x0d\x0a\xff\x00")

var le = binary.LittleEndian

// crafted marks a structural error that a damaged file does not produce by
// itself (a section chain that loops, a size that contradicts the chain):
// Open refuses such a file instead of reading the part before it.
type crafted struct{ error }

func (c crafted) Unwrap() error { return c.error }

// descriptor is a 76-byte section descriptor.
type descriptor struct {
	typ  string
	off  int64 // offset of the descriptor in its segment file
	next int64 // offset of the next descriptor; == off for the last one
	size int64 // section size including the descriptor; 0 if not set
}

// pendingTable is a table section waiting for its table2 copy.
type pendingTable struct {
	seg          int
	off          int64 // descriptor offset, for messages
	dataEnd      int64 // end of the table section
	dataStart    int64
	base         int64
	entries      []uint32
	headerOK     bool
	entriesOK    bool
	sectorsStart int64 // data range of the sectors section before the table
	sectorsEnd   int64
}

// parser holds the state of the walk over all segments.
type parser struct {
	im           *Image
	haveVolume   bool
	pending      *pendingTable
	sectorsStart int64
	sectorsEnd   int64
	done         bool
	header2      bool
	stopChunks   bool // a damaged table left the numbering of later chunks unknown
}

func (im *Image) problem(format string, args ...any) {
	im.problems = append(im.problems, fmt.Errorf(format, args...))
}

func (im *Image) parse() error {
	p := &parser{im: im}
	for i := range im.segs {
		if p.done {
			im.problem("ewf: %s: segment file after the last segment (\"done\" section already seen); ignored", im.segs[i].name)
			break
		}
		err := p.segment(i)
		if err == nil {
			continue
		}
		var c crafted
		if !p.haveVolume || errors.As(err, &c) {
			return err
		}
		// The media geometry is known: the chunks read so far stay
		// readable and the rest are reported missing.
		p.commit()
		im.missing = fmt.Errorf("%w: %w", ErrMissing, err)
		im.problems = append(im.problems, err)
		break
	}
	if !p.haveVolume {
		return fmt.Errorf("%w: %s: no volume or disk section", ErrFormat, im.segs[0].name)
	}
	p.commit()
	if !p.done && im.missing == nil {
		last := im.segs[len(im.segs)-1].name
		im.missing = fmt.Errorf("%w: %s: ends with a \"next\" section but no further segment file was found", ErrMissing, last)
		im.problems = append(im.problems, im.missing)
	}
	want := (im.size + im.chunkSize - 1) / im.chunkSize
	have := im.nchunks
	switch {
	case have > want:
		im.problem("ewf: tables list %d chunks but the media of %d bytes needs %d; the extra chunks are ignored", have, im.size, want)
		im.nchunks = want
	case have < want && im.missing == nil:
		im.missing = fmt.Errorf("%w: tables list %d chunks but the media of %d bytes needs %d", ErrMissing, have, im.size, want)
		im.problems = append(im.problems, im.missing)
	}
	if uint64(want) != uint64(im.media.ChunkCount) {
		im.problem("ewf: volume section states %d chunks, media size needs %d", im.media.ChunkCount, want)
	}
	return nil
}

func (p *parser) segment(si int) error {
	im := p.im
	seg := &im.segs[si]
	var fh [fileHeaderSize]byte
	if seg.size < fileHeaderSize {
		return fmt.Errorf("%w: %s: %d bytes, too short for an EWF file header", ErrFormat, seg.name, seg.size)
	}
	if _, err := seg.r.ReadAt(fh[:], 0); err != nil {
		return fmt.Errorf("ewf: %s: reading file header: %w", seg.name, err)
	}
	if !bytes.Equal(fh[:8], evfSignature) {
		return fmt.Errorf("%w: %s: no EVF signature (not an EWF-E01 segment file)", ErrFormat, seg.name)
	}
	if fh[8] != 1 || le.Uint16(fh[11:]) != 0 {
		return fmt.Errorf("%w: %s: malformed file header fields", ErrFormat, seg.name)
	}
	if n := le.Uint16(fh[9:]); int(n) != si+1 {
		return fmt.Errorf("%w: %s: segment number %d where %d was expected", ErrFormat, seg.name, n, si+1)
	}
	p.sectorsStart, p.sectorsEnd = -1, -1
	off := int64(fileHeaderSize)
	for {
		d, err := readDescriptor(seg, off)
		if err != nil {
			return err
		}
		last := d.next == d.off
		end := d.next
		if last {
			end = d.off + descriptorSize
			if d.size > descriptorSize {
				end = d.off + d.size
			}
			if end > seg.size {
				return fmt.Errorf("%w: %s: %q section at %d extends past the end of the file (%d bytes); truncated?", ErrFormat, seg.name, d.typ, d.off, seg.size)
			}
		} else {
			switch {
			case d.next < d.off:
				return crafted{fmt.Errorf("%w: %s: %q section at %d points back to %d (loop in the section chain)", ErrFormat, seg.name, d.typ, d.off, d.next)}
			case d.next-d.off < descriptorSize:
				return fmt.Errorf("%w: %s: %q section at %d: next section at %d overlaps its descriptor", ErrFormat, seg.name, d.typ, d.off, d.next)
			case d.next > seg.size:
				return fmt.Errorf("%w: %s: %q section at %d: next section offset %d is past the end of the file (%d bytes); truncated?", ErrFormat, seg.name, d.typ, d.off, d.next, seg.size)
			case d.size != 0 && d.size != d.next-d.off:
				// Tools that follow the size and tools that follow the
				// next offset would see different images ("dual image").
				return crafted{fmt.Errorf("%w: %s: %q section at %d: size %d disagrees with next section offset %d (possible dual-image file)", ErrFormat, seg.name, d.typ, d.off, d.size, d.next)}
			}
		}
		if err := p.section(si, d, end); err != nil {
			return err
		}
		switch d.typ {
		case "next":
			p.commit()
			return nil
		case "done":
			p.commit()
			p.done = true
			if end < seg.size {
				im.problem("ewf: %s: %d bytes after the \"done\" section are not part of the image", seg.name, seg.size-end)
			}
			return nil
		}
		if last {
			return fmt.Errorf("%w: %s: %q section at %d is the last one, but the segment ends neither with \"next\" nor with \"done\"", ErrFormat, seg.name, d.typ, d.off)
		}
		off = d.next
	}
}

func readDescriptor(seg *segment, off int64) (descriptor, error) {
	if off+descriptorSize > seg.size {
		return descriptor{}, fmt.Errorf("%w: %s: section descriptor at %d runs past the end of the file (%d bytes); truncated?", ErrFormat, seg.name, off, seg.size)
	}
	var b [descriptorSize]byte
	if _, err := seg.r.ReadAt(b[:], off); err != nil {
		return descriptor{}, fmt.Errorf("ewf: %s: reading section descriptor at %d: %w", seg.name, off, err)
	}
	if sum := adlerSum(b[:72]); sum != le.Uint32(b[72:]) {
		return descriptor{}, fmt.Errorf("%w: %s: section descriptor at %d: stored Adler-32 %08x, computed %08x", ErrChecksum, seg.name, off, le.Uint32(b[72:]), sum)
	}
	typ := b[:16]
	if i := bytes.IndexByte(typ, 0); i >= 0 {
		typ = typ[:i]
	}
	for _, c := range typ {
		if c < 0x20 || c > 0x7e {
			return descriptor{}, fmt.Errorf("%w: %s: section descriptor at %d: type is not ASCII text", ErrFormat, seg.name, off)
		}
	}
	next, size := le.Uint64(b[16:]), le.Uint64(b[24:])
	if next > 1<<62 || size > 1<<62 {
		return descriptor{}, fmt.Errorf("%w: %s: section descriptor at %d: absurd offset or size", ErrFormat, seg.name, off)
	}
	return descriptor{typ: string(typ), off: off, next: int64(next), size: int64(size)}, nil
}

// readData reads the section data (after the descriptor) up to end.
func readData(seg *segment, d descriptor, end int64) ([]byte, error) {
	start := d.off + descriptorSize
	if end < start || end > seg.size {
		return nil, fmt.Errorf("%w: %s: %q section at %d: bad extent", ErrFormat, seg.name, d.typ, d.off)
	}
	b := make([]byte, end-start) // bounded by the file size
	if _, err := seg.r.ReadAt(b, start); err != nil && !(errors.Is(err, io.EOF) && len(b) == 0) {
		return nil, fmt.Errorf("ewf: %s: reading %q section at %d: %w", seg.name, d.typ, d.off, err)
	}
	return b, nil
}

func (p *parser) section(si int, d descriptor, end int64) error {
	im := p.im
	seg := &im.segs[si]
	where := func() string { return fmt.Sprintf("%s: %q section at %d", seg.name, d.typ, d.off) }
	if d.typ != "table2" {
		p.commit()
	}
	switch d.typ {
	case "header2", "header":
		if d.typ == "header" && p.header2 || im.header.Values != nil && si > 0 {
			return nil
		}
		data, err := readData(seg, d, end)
		if err != nil {
			return err
		}
		h, err := parseHeaderSection(data, d.typ == "header2")
		if err != nil {
			im.problem("ewf: %s: %v", where(), err)
			return nil
		}
		if d.typ == "header2" {
			p.header2 = true
		}
		im.header = h
	case "volume", "disk", "data":
		if p.haveVolume {
			return nil // the data section of later segments repeats the volume section
		}
		if d.typ == "data" {
			return nil
		}
		if end-d.off-descriptorSize > 1<<20 {
			return fmt.Errorf("%w: %s: implausibly large", ErrFormat, where())
		}
		data, err := readData(seg, d, end)
		if err != nil {
			return err
		}
		if err := im.parseVolume(data); err != nil {
			return fmt.Errorf("%s: %w", where(), err)
		}
		p.haveVolume = true
	case "sectors":
		p.sectorsStart, p.sectorsEnd = d.off+descriptorSize, end
	case "table", "table2":
		if !p.haveVolume {
			return fmt.Errorf("%w: %s: table before the volume section", ErrFormat, where())
		}
		t, err := p.readTable(si, d, end)
		if err != nil {
			return err
		}
		if d.typ == "table" || p.pending == nil {
			p.commit()
			p.pending = t
			return nil
		}
		p.reconcile(t)
	case "hash":
		data, err := readData(seg, d, min(end, d.off+descriptorSize+36))
		if err != nil {
			return err
		}
		if len(data) < 36 {
			im.problem("ewf: %s: too short", where())
			return nil
		}
		if adlerSum(data[:32]) != le.Uint32(data[32:]) {
			im.problem("ewf: %s: %v; stored MD5 ignored", where(), ErrChecksum)
			return nil
		}
		im.setMD5(data[:16], where())
	case "digest":
		data, err := readData(seg, d, min(end, d.off+descriptorSize+80))
		if err != nil {
			return err
		}
		if len(data) < 80 {
			im.problem("ewf: %s: too short", where())
			return nil
		}
		if adlerSum(data[:76]) != le.Uint32(data[76:]) {
			im.problem("ewf: %s: %v; stored MD5 and SHA-1 ignored", where(), ErrChecksum)
			return nil
		}
		im.setMD5(data[:16], where())
		if !allZero(data[16:36]) {
			if im.sha1 != nil && !bytes.Equal(im.sha1, data[16:36]) {
				im.hashClash = true
				im.problem("ewf: %s: SHA-1 differs from an earlier stored SHA-1", where())
			}
			im.sha1 = clone(data[16:36])
		}
	case "error2":
		if !p.haveVolume {
			return nil
		}
		data, err := readData(seg, d, end)
		if err != nil {
			return err
		}
		if err := im.parseError2(data); err != nil {
			im.problem("ewf: %s: %v; the list of acquisition errors is unreliable", where(), err)
		}
	}
	return nil
}

func (im *Image) setMD5(sum []byte, where string) {
	if allZero(sum) {
		return
	}
	if im.md5 != nil && !bytes.Equal(im.md5, sum) {
		im.hashClash = true
		im.problem("ewf: %s: MD5 differs from an earlier stored MD5", where)
	}
	if im.md5 == nil {
		im.md5 = clone(sum)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (im *Image) parseVolume(b []byte) error {
	var m Media
	switch {
	case len(b) >= 1052:
		if sum := adlerSum(b[:1048]); sum != le.Uint32(b[1048:]) && le.Uint32(b[1048:]) != 0 {
			return fmt.Errorf("%w: volume data: stored Adler-32 %08x, computed %08x", ErrChecksum, le.Uint32(b[1048:]), sum)
		}
		m.Type = b[0]
		m.SectorCount = le.Uint64(b[16:])
		m.Flags = b[36]
		copy(m.GUID[:], b[64:80])
	case len(b) >= 94:
		if sum := adlerSum(b[:90]); sum != le.Uint32(b[90:]) {
			return fmt.Errorf("%w: volume data: stored Adler-32 %08x, computed %08x", ErrChecksum, le.Uint32(b[90:]), sum)
		}
		m.SectorCount = uint64(le.Uint32(b[16:]))
	default:
		return fmt.Errorf("%w: volume data of %d bytes is too short", ErrFormat, len(b))
	}
	m.ChunkCount = le.Uint32(b[4:])
	m.SectorsPerChunk = le.Uint32(b[8:])
	m.BytesPerSector = le.Uint32(b[12:])
	if m.BytesPerSector == 0 || m.BytesPerSector > maxSectorSize || m.SectorsPerChunk == 0 {
		return fmt.Errorf("%w: implausible geometry: %d bytes per sector, %d sectors per chunk", ErrFormat, m.BytesPerSector, m.SectorsPerChunk)
	}
	cs := uint64(m.BytesPerSector) * uint64(m.SectorsPerChunk)
	if cs > maxChunkSize {
		return fmt.Errorf("%w: chunk size %d bytes exceeds the format's maximum", ErrFormat, cs)
	}
	if m.SectorCount > (1<<62)/uint64(m.BytesPerSector) {
		return fmt.Errorf("%w: absurd sector count %d", ErrFormat, m.SectorCount)
	}
	im.media = m
	im.chunkSize = int64(cs)
	im.size = int64(m.SectorCount) * int64(m.BytesPerSector)
	return nil
}

func (im *Image) parseError2(b []byte) error {
	if len(b) < 520 {
		return fmt.Errorf("%w: %d bytes, too short", ErrFormat, len(b))
	}
	if sum := adlerSum(b[:516]); sum != le.Uint32(b[516:]) {
		return fmt.Errorf("%w: error2 header", ErrChecksum)
	}
	n := int64(le.Uint32(b))
	if n > int64(len(b)-520)/8 {
		return fmt.Errorf("%w: %d entries do not fit in the section", ErrFormat, n)
	}
	entries := b[520 : 520+8*n]
	if rest := b[520+8*n:]; len(rest) >= 4 && adlerSum(entries) != le.Uint32(rest) {
		return fmt.Errorf("%w: error2 entries", ErrChecksum)
	}
	bps := int64(im.media.BytesPerSector)
	for i := int64(0); i < n; i++ {
		start, count := int64(le.Uint32(entries[8*i:])), int64(le.Uint32(entries[8*i+4:]))
		im.acqErrors = append(im.acqErrors, Range{Offset: start * bps, Length: count * bps})
	}
	return nil
}

func (p *parser) readTable(si int, d descriptor, end int64) (*pendingTable, error) {
	seg := &p.im.segs[si]
	t := &pendingTable{seg: si, off: d.off, dataStart: d.off + descriptorSize, dataEnd: end,
		sectorsStart: p.sectorsStart, sectorsEnd: p.sectorsEnd}
	if end-t.dataStart < tableHeaderSize {
		return nil, fmt.Errorf("%w: %s: %q section at %d: too short for a table header", ErrFormat, seg.name, d.typ, d.off)
	}
	var hdr [tableHeaderSize]byte
	if _, err := seg.r.ReadAt(hdr[:], t.dataStart); err != nil {
		return nil, fmt.Errorf("ewf: %s: reading %q section at %d: %w", seg.name, d.typ, d.off, err)
	}
	t.headerOK = adlerSum(hdr[:20]) == le.Uint32(hdr[20:])
	if !t.headerOK {
		return t, nil
	}
	n := int64(le.Uint32(hdr[:]))
	t.base = int64(le.Uint64(hdr[8:]))
	if t.base < 0 || t.base > seg.size {
		t.headerOK = false
		return t, nil
	}
	if n*4 > end-t.dataStart-tableHeaderSize {
		// The header checksum is fine, so the section itself is cut short.
		return nil, fmt.Errorf("%w: %s: %q section at %d: %d entries do not fit in %d bytes", ErrFormat, seg.name, d.typ, d.off, n, end-t.dataStart-tableHeaderSize)
	}
	raw := make([]byte, n*4+4)
	m, err := seg.r.ReadAt(raw, t.dataStart+tableHeaderSize)
	if err != nil && !(errors.Is(err, io.EOF) && int64(m) >= n*4) {
		return nil, fmt.Errorf("ewf: %s: reading %q section at %d: %w", seg.name, d.typ, d.off, err)
	}
	t.entries = make([]uint32, n)
	for i := range t.entries {
		t.entries[i] = le.Uint32(raw[4*i:])
	}
	t.entriesOK = true
	// EnCase 2 and later follow the entries with their Adler-32. The old
	// layout keeps chunk data there instead, so only check when the table
	// has a sectors section of its own.
	if int64(m) >= n*4+4 && p.sectorsStart >= 0 {
		t.entriesOK = adlerSum(raw[:4*n]) == le.Uint32(raw[4*n:])
	}
	return t, nil
}

// reconcile compares the pending table with its table2 copy t2 and commits
// the better one.
func (p *parser) reconcile(t2 *pendingTable) {
	im := p.im
	t := p.pending
	name := im.segs[t.seg].name
	switch {
	case t.headerOK && t.entriesOK && t2.headerOK && t2.entriesOK:
		if t.base != t2.base || len(t.entries) != len(t2.entries) {
			im.problem("ewf: %s: table at %d and table2 at %d disagree on base or entry count; their chunks are not trusted", name, t.off, t2.off)
			p.commitAs(t, fmt.Errorf("%w: table and table2 disagree", ErrFormat))
			break
		}
		first := im.nchunks
		p.commitAs(t, nil)
		if im.nchunks == first {
			break // nothing committed
		}
		for i := range t.entries {
			if t.entries[i] != t2.entries[i] {
				im.badChunks[first+int64(i)] = fmt.Errorf("%w: table at %d and table2 at %d disagree on this chunk", ErrFormat, t.off, t2.off)
			}
		}
	case t.headerOK && t.entriesOK:
		im.problem("ewf: %s: table2 at %d fails its checksum; table at %d used", name, t2.off, t.off)
		p.commitAs(t, nil)
	case t2.headerOK && t2.entriesOK:
		im.problem("ewf: %s: table at %d fails its checksum; its copy table2 at %d used", name, t.off, t2.off)
		t2.sectorsStart, t2.sectorsEnd = t.sectorsStart, t.sectorsEnd
		p.commitAs(t2, nil)
	case t.headerOK && t2.headerOK && len(t.entries) == len(t2.entries):
		im.problem("ewf: %s: table at %d and table2 at %d both fail their checksums", name, t.off, t2.off)
		p.commitAs(t, fmt.Errorf("%w: table entries of table at %d and table2 at %d", ErrChecksum, t.off, t2.off))
	default:
		// Without a trustworthy entry count the chunk numbering of the
		// rest of the image is unknown.
		p.pending = nil
		err := fmt.Errorf("%w: %s: table at %d and table2 at %d are both damaged; no further chunk can be placed", ErrChecksum, name, t.off, t2.off)
		if im.missing == nil {
			im.missing = err
			im.problems = append(im.problems, err)
		}
		p.stopChunks = true
	}
	p.pending = nil
}

// commit adds the pending table's chunks, if any.
func (p *parser) commit() {
	if p.pending == nil {
		return
	}
	t := p.pending
	p.pending = nil
	if !t.headerOK || !t.entriesOK {
		name := p.im.segs[t.seg].name
		if !t.headerOK {
			err := fmt.Errorf("%w: %s: table at %d is damaged and has no table2 copy; no further chunk can be placed", ErrChecksum, name, t.off)
			if p.im.missing == nil {
				p.im.missing = err
				p.im.problems = append(p.im.problems, err)
			}
			p.stopChunks = true
			return
		}
		p.commitAs(t, fmt.Errorf("%w: entries of table at %d (no table2 copy)", ErrChecksum, t.off))
		return
	}
	p.commitAs(t, nil)
}

// commitAs appends t's chunks; if bad is set every one of them is marked
// unreadable with that error.
func (p *parser) commitAs(t *pendingTable, bad error) {
	im := p.im
	if p.stopChunks || im.missing != nil || len(t.entries) == 0 {
		return
	}
	seg := &im.segs[t.seg]
	first := im.nchunks
	ct := chunkTable{first: first, entries: t.entries, base: t.base, seg: uint16(t.seg), bad: bad}
	last := t.base + int64(t.entries[len(t.entries)-1]&0x7fffffff)
	switch {
	case t.sectorsStart >= 0 && last >= t.sectorsStart && last < t.sectorsEnd:
		ct.lastEnd = t.sectorsEnd
	case last >= t.dataStart:
		ct.lastEnd = t.dataEnd // old layout: the chunks follow the entries
	default:
		ct.lastEnd = t.off // old layout: the chunks precede the table section
	}
	maxStored := im.maxStored()
	for i, e := range t.entries {
		start := t.base + int64(e&0x7fffffff)
		end := ct.lastEnd
		if i+1 < len(t.entries) {
			end = t.base + int64(t.entries[i+1]&0x7fffffff)
		}
		switch {
		case start < fileHeaderSize || start >= seg.size || end > seg.size || end <= start:
			im.badChunks[first+int64(i)] = fmt.Errorf("%w: table entry %d of table at %d gives an impossible extent %d-%d", ErrFormat, i, t.off, start, end)
		case end-start > maxStored:
			im.badChunks[first+int64(i)] = fmt.Errorf("%w: table entry %d of table at %d gives an implausible stored size %d", ErrFormat, i, t.off, end-start)
		}
	}
	im.tables = append(im.tables, ct)
	im.nchunks += int64(len(t.entries))
}

// maxStored bounds the stored size of a chunk: zlib never expands data
// this much.
func (im *Image) maxStored() int64 { return im.chunkSize + im.chunkSize/8 + 1024 }

// locate returns where chunk i (< im.nchunks) is stored and its table.
func (im *Image) locate(i int64) (chunkLoc, *chunkTable) {
	k := sort.Search(len(im.tables), func(j int) bool { return im.tables[j].first > i }) - 1
	t := &im.tables[k]
	j := i - t.first
	e := t.entries[j]
	start := t.base + int64(e&0x7fffffff)
	end := t.lastEnd
	if j+1 < int64(len(t.entries)) {
		end = t.base + int64(t.entries[j+1]&0x7fffffff)
	}
	loc := chunkLoc{off: start, seg: t.seg, compressed: e&0x80000000 != 0}
	if end > start && end-start <= im.maxStored() {
		loc.stored = uint32(end - start)
	}
	return loc, t
}
