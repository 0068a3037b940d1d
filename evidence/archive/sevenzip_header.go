package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// The 7z library allocates what an archive asks for before it decodes a
// byte: the dictionary an LZMA or LZMA2 coder's properties name (up to
// 4 GiB), the model memory of a PPMd coder (up to 4 GiB), the window a
// zstd frame header names (up to 512 MiB), and slices as long as the
// counts of files, streams and digests the header gives (up to 2^32
// entries). It also decodes an encoded (compressed) header inside
// NewReader, before any member is seen. So the header is read here first,
// after the 7z format description (7zFormat.txt of the LZMA SDK): every
// coder of the encoded header and of the main streams is checked against
// Options.MaxDictionary, the encoded header is decoded with its
// dictionary capped at its size, and every count is bounded by the size
// of the header that holds it. Only then is the archive handed to the
// library. The other coders the library has need a fixed amount: BZip2
// (900 kB blocks), Deflate (32 KiB), Brotli (16 MiB window at most), LZ4
// (blocks of 4 MiB at most), BCJ2, Delta and the branch filters;
// Deflate64 it does not decode at all.

const (
	sevenZipSignatureSize = 32
	sevenZipSearchLimit   = 1 << 20 // how far the library looks for an SFX stub's archive
	// Bounds the format leaves open; 7-Zip writes far fewer.
	sevenZipMaxCoders        = 64 // coders in one folder
	sevenZipMaxCoderStreams  = 64 // in or out streams of one coder
	sevenZipMaxFolderStreams = 64 // in or out streams of one folder
	// Counts of files, pack streams, folders and substreams may not exceed
	// the header's size in bytes plus this slack: each costs the library
	// a few hundred bytes at most, so the header bounds the memory.
	sevenZipCountSlack = 1024
	// A header is held in memory to be checked: at most this much, or
	// Options.MemoryLimit if larger.
	sevenZipMinHeaderLimit = 1 << 20
)

// 7z property IDs (7zFormat.txt).
const (
	szEnd                   = 0x00
	szHeader                = 0x01
	szArchiveProperties     = 0x02
	szAdditionalStreamsInfo = 0x03
	szMainStreamsInfo       = 0x04
	szFilesInfo             = 0x05
	szPackInfo              = 0x06
	szUnpackInfo            = 0x07
	szSubStreamsInfo        = 0x08
	szSize                  = 0x09
	szCRC                   = 0x0a
	szFolder                = 0x0b
	szCodersUnpackSize      = 0x0c
	szNumUnpackStream       = 0x0d
	szEncodedHeader         = 0x17
)

var sevenZipMagic = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}

// 7z method IDs of the coders whose memory depends on the archive.
var (
	szMethodCopy  = []byte{0x00}
	szMethodLZMA  = []byte{0x03, 0x01, 0x01}
	szMethodLZMA2 = []byte{0x21}
	szMethodPPMd  = []byte{0x03, 0x04, 0x01}
	szMethodAES   = []byte{0x06, 0xf1, 0x07, 0x01}
	szMethodZstd  = []byte{0x04, 0xf7, 0x11, 0x01}
)

// errSevenZipHeader reports a header this package cannot vouch for; the
// archive is not handed to the library.
var errSevenZipHeader = errors.New("malformed 7z header")

type szCoderInfo struct {
	method  []byte
	props   []byte
	in, out uint64
}

type szFolderInfo struct {
	coders []szCoderInfo
	in     uint64   // total in streams
	out    uint64   // total out streams
	packed []uint64 // in-stream indices fed by pack streams, in pack order
	unpack []uint64 // size of every out stream
	hasCRC bool     // the unpack info gives the folder's CRC
}

type szStreams struct {
	packPos   uint64
	packSizes []uint64
	folders   []szFolderInfo
}

// sevenZipPlan is what the check learnt: the decoder memory of every
// folder of the main streams, in folder order.
type sevenZipPlan struct {
	folderMemory []int64
}

// sevenZipCheck reads the archive's headers and refuses, with a
// *LimitError, one whose decoders would need more than maxDict bytes, or,
// with an error wrapping errSevenZipHeader, one whose header cannot be
// read safely. A nil plan with a nil error means the library is left to
// report the archive's own problem (no signature, encrypted header).
func sevenZipCheck(r io.ReaderAt, size int64, opt Options) (*sevenZipPlan, error) {
	c := &sevenZipChecker{r: r, size: size, maxDict: opt.MaxDictionary, maxRatio: opt.MaxRatio, name: opt.Name}
	c.headerLimit = max(opt.MemoryLimit, sevenZipMinHeaderLimit)
	return c.check()
}

type sevenZipChecker struct {
	r           io.ReaderAt
	size        int64
	maxDict     int64
	headerLimit int64
	maxRatio    float64 // bounds the encoded header's expansion; <= 0 for none
	name        string  // archive name for messages, may be ""
	base        int64   // offset of the end of the signature header
}

func (c *sevenZipChecker) check() (*sevenZipPlan, error) {
	hdr, err := c.header()
	if hdr == nil || err != nil {
		return nil, err
	}
	p := &szParser{b: hdr}
	if err := p.expect(szHeader); err != nil {
		return nil, err
	}
	return c.checkHeader(p)
}

// header returns the archive's Header, decoded if it is encoded, after
// checking the encoded header's coders. A nil header with a nil error
// leaves the archive to the library.
func (c *sevenZipChecker) header() ([]byte, error) {
	sig, ok := c.findSignature()
	if !ok {
		return nil, nil // not a 7z archive, or a damaged start header: the library says which
	}
	c.base = sig + sevenZipSignatureSize
	var start [sevenZipSignatureSize]byte
	if _, err := c.r.ReadAt(start[:], sig); err != nil {
		return nil, nil
	}
	nextOff := binary.LittleEndian.Uint64(start[12:20])
	nextSize := binary.LittleEndian.Uint64(start[20:28])
	if nextSize == 0 {
		return nil, nil // no header: nothing for the library to allocate
	}
	// The library parses as much of a header as the file holds, allocating
	// what it claims, before it checks the header's CRC: a header that is
	// cut short or does not match its CRC is refused here instead.
	avail := uint64(c.size - c.base)
	if nextOff > avail || nextSize > avail-nextOff {
		return nil, c.malformed(0, "%d-byte header at offset %d runs past the end of the archive (%d bytes): truncated", nextSize, c.base+int64(min(nextOff, avail)), c.size)
	}
	if int64(nextSize) > c.headerLimit {
		return nil, c.malformed(0, "%d-byte header exceeds the %d-byte limit for headers held in memory", nextSize, c.headerLimit)
	}
	hdr := make([]byte, nextSize)
	if _, err := c.r.ReadAt(hdr, c.base+int64(nextOff)); err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	if sum, want := crc32.ChecksumIEEE(hdr), binary.LittleEndian.Uint32(start[28:32]); sum != want {
		return nil, c.malformed(0, "header CRC-32 %08x does not match the recorded %08x", sum, want)
	}
	switch hdr[0] {
	case szHeader:
		return hdr, nil
	case szEncodedHeader:
		p := &szParser{b: hdr, off: 1}
		return c.decodeHeader(p)
	}
	return nil, c.malformed(0, "unknown header id %#x", hdr[0])
}

// findSignature returns the offset of the signature header the library
// will use: at the start, or for a self-extracting archive the first one
// in the first MiB whose start-header CRC matches.
func (c *sevenZipChecker) findSignature() (int64, bool) {
	if c.validSignature(0) {
		return 0, true
	}
	head := make([]byte, 6)
	if n, _ := c.r.ReadAt(head, 0); n == len(head) && bytes.Equal(head, sevenZipMagic) {
		return 0, false // at the start but damaged: the library stops there too
	}
	chunk := make([]byte, 64<<10+len(sevenZipMagic))
	for off := int64(0); off < sevenZipSearchLimit && off < c.size; off += 64 << 10 {
		n, _ := c.r.ReadAt(chunk, off)
		for i := 0; i < n; {
			j := bytes.Index(chunk[i:n], sevenZipMagic)
			if j < 0 {
				break
			}
			if c.validSignature(off + int64(i+j)) {
				return off + int64(i+j), true
			}
			i += j + 1
		}
	}
	return 0, false
}

func (c *sevenZipChecker) validSignature(off int64) bool {
	if off < 0 || c.size-off < sevenZipSignatureSize {
		return false
	}
	var b [sevenZipSignatureSize]byte
	if _, err := c.r.ReadAt(b[:], off); err != nil {
		return false
	}
	return bytes.Equal(b[:6], sevenZipMagic) && crc32.ChecksumIEEE(b[12:32]) == binary.LittleEndian.Uint32(b[8:12])
}

func (c *sevenZipChecker) malformed(off int, format string, args ...any) error {
	return fmt.Errorf("%w at header offset %d: %s", errSevenZipHeader, off, fmt.Sprintf(format, args...))
}

// decodeHeader checks the coders of an encoded header and decodes it. A
// nil result with a nil error leaves the archive to the library
// (encrypted header).
func (c *sevenZipChecker) decodeHeader(p *szParser) ([]byte, error) {
	si, err := p.streamsInfo(false)
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	if _, err := c.folderMemory(si, "encoded header"); err != nil {
		return nil, err
	}
	if len(si.folders) != 1 || len(si.packSizes) < 1 {
		return nil, p.fail("encoded header in %d folders", len(si.folders))
	}
	f := si.folders[0]
	for _, cd := range f.coders {
		if bytes.Equal(cd.method, szMethodAES) {
			// Encrypted: it cannot be checked, and the library, given no
			// password, would decrypt it with an empty one and parse
			// whatever comes out, allocating what those bytes claim.
			return nil, ErrEncryptedHeaders
		}
	}
	if len(f.coders) != 1 || f.in != 1 || f.out != 1 || len(f.unpack) != 1 {
		return nil, p.fail("encoded header uses %d coders; only a single Copy, LZMA or LZMA2 coder is supported", len(f.coders))
	}
	cd := f.coders[0]
	unpack := f.unpack[0]
	if unpack > uint64(c.headerLimit) {
		return nil, p.fail("encoded header unpacks to %d bytes, more than the %d-byte limit for headers held in memory", unpack, c.headerLimit)
	}
	packed := si.packSizes[0]
	start := uint64(c.base) + si.packPos
	if si.packPos > uint64(c.size) || start > uint64(c.size) || packed > uint64(c.size)-start {
		return nil, p.fail("encoded header's packed stream lies outside the file")
	}
	if c.maxRatio > 0 {
		if bound := ratioBound(c.maxRatio, int64(packed)); unpack > uint64(bound) {
			return nil, &LimitError{Limit: LimitRatio, Max: bound,
				Detail: fmt.Sprintf("7z encoded header of %d bytes claims to unpack to %d bytes, more than %g:1", packed, unpack, c.maxRatio)}
		}
	}
	src := io.NewSectionReader(c.r, int64(start), int64(packed))
	var dec io.Reader
	// The dictionary never needs to exceed the output: capping it there
	// keeps a small header small whatever its properties claim.
	dictCap := int(max(min(unpack, 1<<31-1), lzma.MinDictCap))
	switch {
	case bytes.Equal(cd.method, szMethodCopy):
		dec = src
	case bytes.Equal(cd.method, szMethodLZMA):
		if len(cd.props) != 5 {
			return nil, p.fail("LZMA coder with %d property bytes", len(cd.props))
		}
		var h [lzma.HeaderLen]byte
		h[0] = cd.props[0]
		binary.LittleEndian.PutUint32(h[1:5], uint32(min(uint64(binary.LittleEndian.Uint32(cd.props[1:5])), uint64(dictCap))))
		binary.LittleEndian.PutUint64(h[5:], unpack)
		lr, err := lzma.ReaderConfig{DictCap: dictCap}.NewReader(io.MultiReader(bytes.NewReader(h[:]), src))
		if err != nil {
			return nil, fmt.Errorf("encoded header: %w", err)
		}
		dec = lr
	case bytes.Equal(cd.method, szMethodLZMA2):
		if len(cd.props) != 1 || cd.props[0] > 40 {
			return nil, p.fail("LZMA2 coder with invalid properties")
		}
		dictCap = int(min(int64(dictCap), lzma2Dictionary(cd.props[0])))
		dictCap = max(dictCap, lzma.MinDictCap)
		lr, err := lzma.Reader2Config{DictCap: dictCap}.NewReader2(src)
		if err != nil {
			return nil, fmt.Errorf("encoded header: %w", err)
		}
		dec = lr
	default:
		return nil, p.fail("encoded header uses method %x; only Copy, LZMA and LZMA2 are supported", cd.method)
	}
	out := make([]byte, unpack)
	if _, err := io.ReadFull(&guardedReader{r: dec, what: "7z header"}, out); err != nil {
		return nil, fmt.Errorf("decoding encoded header: %w", err)
	}
	return out, nil
}

// checkHeader reads a (decoded) Header after its id byte.
func (c *sevenZipChecker) checkHeader(p *szParser) (*sevenZipPlan, error) {
	plan := &sevenZipPlan{}
	id, err := p.byte()
	if err != nil {
		return nil, err
	}
	if id == szArchiveProperties || id == szAdditionalStreamsInfo {
		return nil, p.fail("archive properties and additional streams are not supported")
	}
	if id == szMainStreamsInfo {
		si, err := p.streamsInfo(true)
		if err != nil {
			return nil, err
		}
		if plan.folderMemory, err = c.folderMemory(si, "folder"); err != nil {
			return nil, err
		}
		if id, err = p.byte(); err != nil {
			return nil, err
		}
	}
	if id == szFilesInfo {
		if err := p.filesInfo(); err != nil {
			return nil, err
		}
		if id, err = p.byte(); err != nil {
			return nil, err
		}
	}
	if id != szEnd {
		return nil, p.fail("unexpected id %#x in header", id)
	}
	return plan, nil
}

// folderMemory returns the decoder memory of each folder, refusing a
// folder whose coders together need more than the limit.
func (c *sevenZipChecker) folderMemory(si *szStreams, what string) ([]int64, error) {
	mem := make([]int64, len(si.folders))
	for i, f := range si.folders {
		var worst int64
		worstDesc := ""
		for j, cd := range f.coders {
			// The library gives coder j the unpack size of out stream j
			// (it supports only coders with one out stream).
			var size uint64 = 1<<64 - 1
			if j < len(f.unpack) {
				size = f.unpack[j]
			}
			need, desc := coderMemory(cd, size)
			if bytes.Equal(cd.method, szMethodZstd) {
				var err error
				if need, desc, err = c.zstdMemory(si, i, j); err != nil {
					return nil, err
				}
			}
			mem[i] += need
			if need > worst {
				worst, worstDesc = need, fmt.Sprintf("coder %d (%s)", j, desc)
			}
		}
		if mem[i] > c.maxDict {
			where := "7z archive"
			if c.name != "" {
				where = fmt.Sprintf("7z archive %q", c.name)
			}
			return nil, &LimitError{Limit: LimitDict, Max: c.maxDict,
				Detail: fmt.Sprintf("%s: %s %d needs %d bytes of decoder memory, %s the most, at most %d allowed",
					where, what, i, mem[i], worstDesc, c.maxDict)}
		}
	}
	return mem, nil
}

// zstdMemory returns what the zstd decoder will allocate for coder j of
// folder i: the largest window its frames ask for (its block buffers, a
// few MiB at most, are not counted). The window is in the frame headers inside the packed
// data, not in the coder properties, so every frame header of the packed
// stream is read (blocks are skipped by their sizes, nothing is
// decompressed).
func (c *sevenZipChecker) zstdMemory(si *szStreams, i, j int) (int64, string, error) {
	f := si.folders[i]
	var in uint64
	for _, cd := range f.coders[:j] {
		in += cd.in
	}
	stream := -1
	for k, idx := range f.packed {
		if idx == in {
			stream = k
		}
	}
	if stream < 0 {
		return 0, "", fmt.Errorf("%w: zstd coder %d of folder %d is fed by another coder: its window cannot be checked", errSevenZipHeader, j, i)
	}
	for _, g := range si.folders[:i] {
		stream += len(g.packed)
	}
	if stream >= len(si.packSizes) {
		return 0, "zstd", nil // the library finds no data for it either
	}
	off := uint64(c.base) + si.packPos
	for _, n := range si.packSizes[:stream] {
		if off += n; off < n || off > uint64(c.size) {
			return 0, "zstd", nil // outside the file: nothing to decode
		}
	}
	if off > uint64(c.size) {
		return 0, "zstd", nil
	}
	end := min(off+si.packSizes[stream], uint64(c.size))
	if end < off { // overflow
		end = uint64(c.size)
	}
	window := zstdMaxWindow(io.NewSectionReader(c.r, int64(off), int64(end-off)))
	return window, fmt.Sprintf("zstd, %d-byte window", window), nil
}

// zstdMaxWindow walks the frames of a zstd stream (RFC 8878, section 3.1)
// and returns the largest window size a frame header asks for; a single
// segment frame's window is its content size. It stops quietly where the
// stream stops making sense: the decoder fails there too.
func zstdMaxWindow(r *io.SectionReader) int64 {
	br := &windowReader{r: r}
	var window int64
	for off := int64(0); off < r.Size(); {
		magic, ok := br.uint(off, 4)
		if !ok {
			break
		}
		off += 4
		if magic&0xfffffff0 == 0x184d2a50 { // skippable frame
			n, ok := br.uint(off, 4)
			if !ok {
				break
			}
			off += 4 + int64(n)
			continue
		}
		if magic != 0xfd2fb528 {
			break
		}
		fhd, ok := br.uint(off, 1)
		if !ok {
			break
		}
		off++
		single := fhd&0x20 != 0
		var w int64
		if !single {
			wd, ok := br.uint(off, 1)
			if !ok {
				break
			}
			off++
			base := int64(1) << (10 + wd>>3)
			w = base + base/8*int64(wd&7)
		}
		off += [4]int64{0, 1, 2, 4}[fhd&3] // dictionary ID
		fcsSize := [4]int64{0, 2, 4, 8}[fhd>>6]
		if fcsSize == 0 && single {
			fcsSize = 1
		}
		if single {
			fcs, ok := br.uint(off, int(fcsSize))
			if !ok {
				break
			}
			if fcsSize == 2 {
				fcs += 256
			}
			w = int64(min(fcs, 1<<62))
		}
		off += fcsSize
		window = max(window, w)
		for { // blocks
			bh, ok := br.uint(off, 3)
			if !ok {
				return window
			}
			off += 3
			switch size := int64(bh >> 3); (bh >> 1) & 3 {
			case 0, 2: // raw, compressed
				off += size
			case 1: // RLE
				off++
			default:
				return window
			}
			if bh&1 != 0 {
				break
			}
		}
		if fhd&0x04 != 0 {
			off += 4 // content checksum
		}
	}
	return window
}

// windowReader reads small little-endian fields through a 4 KiB window,
// so that walking many small zstd blocks does not cost a read each.
type windowReader struct {
	r   *io.SectionReader
	buf [4096]byte
	off int64 // offset of buf[0]
	n   int   // valid bytes in buf
}

func (w *windowReader) uint(off int64, size int) (uint64, bool) {
	if off < 0 || off > w.r.Size()-int64(size) {
		return 0, false
	}
	if off < w.off || off+int64(size) > w.off+int64(w.n) {
		n, _ := w.r.ReadAt(w.buf[:], off)
		w.off, w.n = off, n
		if n < size {
			return 0, false
		}
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(w.buf[off-w.off+int64(i)])
	}
	return v, true
}

// coderMemory is what the library's decoder for cd allocates up front,
// given the unpack size the library passes it; desc names the coder and
// its claim. zstd is handled by zstdMemory; the other coders need a fixed
// amount, counted as 0.
func coderMemory(cd szCoderInfo, size uint64) (int64, string) {
	switch {
	case bytes.Equal(cd.method, szMethodLZMA):
		// The decoder reads the 5 property bytes then the 8-byte unpack
		// size as the classic LZMA header; it allocates the dictionary
		// that header names, cut to the unpack size when that is smaller
		// (an all-ones size means unknown).
		var h [13]byte
		n := copy(h[:], cd.props)
		var sb [8]byte
		binary.LittleEndian.PutUint64(sb[:], size)
		copy(h[n:], sb[:])
		dict := int64(binary.LittleEndian.Uint32(h[1:5]))
		claimed := dict
		if s := binary.LittleEndian.Uint64(h[5:13]); s != 1<<64-1 && s < uint64(dict) {
			dict = int64(s)
		}
		return max(dict, lzma.MinDictCap), fmt.Sprintf("LZMA, %d-byte dictionary", claimed)
	case bytes.Equal(cd.method, szMethodLZMA2):
		// Allocated in full whatever the data size.
		if len(cd.props) != 1 {
			return 0, "LZMA2, invalid properties"
		}
		d := lzma2Dictionary(cd.props[0])
		return d, fmt.Sprintf("LZMA2, %d-byte dictionary", d)
	case bytes.Equal(cd.method, szMethodPPMd):
		if len(cd.props) != 5 {
			return 0, "PPMd, invalid properties"
		}
		m := int64(binary.LittleEndian.Uint32(cd.props[1:5]))
		return m, fmt.Sprintf("PPMd order %d, %d-byte model", cd.props[0], m)
	}
	return 0, fmt.Sprintf("method %x", cd.method)
}

// szParser reads 7z header structures from an in-memory header. Every
// count is checked against what the header could hold before anything is
// allocated for it.
type szParser struct {
	b   []byte
	off int
	// Where coder properties and the file count were found (for tests
	// that patch them).
	propsAt []int
	filesAt int
}

func (p *szParser) fail(format string, args ...any) error {
	return fmt.Errorf("%w at header offset %d: %s", errSevenZipHeader, p.off, fmt.Sprintf(format, args...))
}

func (p *szParser) byte() (byte, error) {
	if p.off >= len(p.b) {
		return 0, p.fail("header ends early")
	}
	p.off++
	return p.b[p.off-1], nil
}

// number reads a 7z variable-length integer: the count of leading one
// bits of the first byte is the number of little-endian bytes that follow;
// the first byte's remaining bits are the value's top bits.
func (p *szParser) number() (uint64, error) {
	first, err := p.byte()
	if err != nil {
		return 0, err
	}
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			high := uint64(first) & (uint64(mask) - 1)
			return v | high<<(8*i), nil
		}
		b, err := p.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b) << (8 * i)
		mask >>= 1
	}
	return v, nil
}

// count reads a number that sizes an allocation and bounds it.
func (p *szParser) count(what string, limit uint64) (uint64, error) {
	n, err := p.number()
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, p.fail("%d %s in a %d-byte header", n, what, len(p.b))
	}
	return n, nil
}

// countLimit bounds counts of files, streams and folders.
func (p *szParser) countLimit() uint64 { return uint64(len(p.b)) + sevenZipCountSlack }

func (p *szParser) skip(n uint64) error {
	if n > uint64(len(p.b)-p.off) {
		return p.fail("field of %d bytes runs past the header's end", n)
	}
	p.off += int(n)
	return nil
}

func (p *szParser) end() error {
	if p.off != len(p.b) {
		// The library insists on this too.
		return p.fail("%d bytes after the header's end", len(p.b)-p.off)
	}
	return nil
}

// expect reads an id and checks it.
func (p *szParser) expect(want byte) error {
	id, err := p.byte()
	if err != nil {
		return err
	}
	if id != want {
		return p.fail("id %#x, want %#x", id, want)
	}
	return nil
}

// digests skips a digest list for n items: an all-defined byte, else a
// bit vector, then a CRC for each defined item.
func (p *szParser) digests(n uint64) error {
	all, err := p.byte()
	if err != nil {
		return err
	}
	defined := n
	if all == 0 {
		if defined, err = p.bits(n); err != nil {
			return err
		}
	}
	return p.skip(4 * defined)
}

// bits skips a bit vector of n bits and returns how many are set.
func (p *szParser) bits(n uint64) (uint64, error) {
	nb := (n + 7) / 8
	if nb > uint64(len(p.b)-p.off) {
		return 0, p.fail("bit vector of %d bits runs past the header's end", n)
	}
	var set uint64
	for i := uint64(0); i < n; i++ {
		if p.b[p.off+int(i/8)]&(0x80>>(i%8)) != 0 {
			set++
		}
	}
	p.off += int(nb)
	return set, nil
}

// streamsInfo reads a StreamsInfo after its id byte, through its end id.
func (p *szParser) streamsInfo(main bool) (*szStreams, error) {
	si := &szStreams{}
	id, err := p.byte()
	if err != nil {
		return nil, err
	}
	if id == szPackInfo {
		if err := p.packInfo(si); err != nil {
			return nil, err
		}
		if id, err = p.byte(); err != nil {
			return nil, err
		}
	}
	if id == szUnpackInfo {
		if err := p.unpackInfo(si); err != nil {
			return nil, err
		}
		if id, err = p.byte(); err != nil {
			return nil, err
		}
	}
	if id == szSubStreamsInfo {
		if !main {
			return nil, p.fail("substreams in an encoded header's streams")
		}
		if err := p.subStreamsInfo(si); err != nil {
			return nil, err
		}
		if id, err = p.byte(); err != nil {
			return nil, err
		}
	}
	if id != szEnd {
		return nil, p.fail("unexpected id %#x in streams info", id)
	}
	return si, nil
}

func (p *szParser) packInfo(si *szStreams) error {
	var err error
	if si.packPos, err = p.number(); err != nil {
		return err
	}
	n, err := p.count("pack streams", p.countLimit())
	if err != nil {
		return err
	}
	id, err := p.byte()
	if err != nil {
		return err
	}
	if id == szSize {
		// Each size takes at least a byte: the header bounds the list.
		if n > uint64(len(p.b)-p.off) {
			return p.fail("%d pack sizes in the header's remaining %d bytes", n, len(p.b)-p.off)
		}
		si.packSizes = make([]uint64, n)
		for i := range si.packSizes {
			if si.packSizes[i], err = p.number(); err != nil {
				return err
			}
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	if id == szCRC {
		if err := p.digests(n); err != nil {
			return err
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	if id != szEnd {
		return p.fail("unexpected id %#x in pack info", id)
	}
	return nil
}

func (p *szParser) unpackInfo(si *szStreams) error {
	if err := p.expect(szFolder); err != nil {
		return err
	}
	// A folder takes at least three bytes.
	n, err := p.count("folders", uint64(len(p.b)-p.off)/3+1)
	if err != nil {
		return err
	}
	external, err := p.byte()
	if err != nil {
		return err
	}
	if external != 0 {
		return p.fail("folders stored outside the header are not supported")
	}
	si.folders = make([]szFolderInfo, n)
	for i := range si.folders {
		if err := p.folder(&si.folders[i]); err != nil {
			return err
		}
	}
	if err := p.expect(szCodersUnpackSize); err != nil {
		return err
	}
	for i := range si.folders {
		f := &si.folders[i]
		f.unpack = make([]uint64, f.out)
		for j := range f.unpack {
			if f.unpack[j], err = p.number(); err != nil {
				return err
			}
		}
	}
	id, err := p.byte()
	if err != nil {
		return err
	}
	if id == szCRC {
		all, err := p.byte()
		if err != nil {
			return err
		}
		start := p.off
		if all == 0 {
			if _, err := p.bits(n); err != nil {
				return err
			}
		}
		defined := uint64(0)
		for i := range si.folders {
			si.folders[i].hasCRC = all != 0 || p.b[start+i/8]&(0x80>>(i%8)) != 0
			if si.folders[i].hasCRC {
				defined++
			}
		}
		if err := p.skip(4 * defined); err != nil {
			return err
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	if id != szEnd {
		return p.fail("unexpected id %#x in unpack info", id)
	}
	return nil
}

func (p *szParser) folder(f *szFolderInfo) error {
	n, err := p.count("coders", sevenZipMaxCoders)
	if err != nil {
		return err
	}
	if n == 0 {
		return p.fail("folder without coders")
	}
	f.coders = make([]szCoderInfo, n)
	for i := range f.coders {
		cd := &f.coders[i]
		flags, err := p.byte()
		if err != nil {
			return err
		}
		if flags&0xc0 != 0 {
			return p.fail("coder flags %#x: alternative methods are not part of the format", flags)
		}
		idSize := int(flags & 0x0f)
		if idSize > len(p.b)-p.off {
			return p.fail("method id runs past the header's end")
		}
		cd.method = p.b[p.off : p.off+idSize]
		p.off += idSize
		cd.in, cd.out = 1, 1
		if flags&0x10 != 0 {
			if cd.in, err = p.count("coder in streams", sevenZipMaxCoderStreams); err != nil {
				return err
			}
			if cd.out, err = p.count("coder out streams", sevenZipMaxCoderStreams); err != nil {
				return err
			}
		}
		if flags&0x20 != 0 {
			size, err := p.number()
			if err != nil {
				return err
			}
			start := p.off
			if err := p.skip(size); err != nil {
				return err
			}
			cd.props = p.b[start:p.off]
			p.propsAt = append(p.propsAt, start)
		}
		f.in += cd.in
		f.out += cd.out
	}
	if f.in > sevenZipMaxFolderStreams || f.out > sevenZipMaxFolderStreams || f.out == 0 || f.in < f.out-1 {
		return p.fail("folder with %d in and %d out streams", f.in, f.out)
	}
	bound := make([]bool, f.in)
	for range f.out - 1 {
		in, err := p.count("bind pair in index", f.in-1)
		if err != nil {
			return err
		}
		if _, err := p.count("bind pair out index", f.out-1); err != nil {
			return err
		}
		bound[in] = true
	}
	nPacked := f.in - (f.out - 1)
	if nPacked == 0 {
		return p.fail("folder without packed streams")
	}
	if nPacked == 1 {
		for i, b := range bound {
			if !b {
				f.packed = append(f.packed, uint64(i))
				break
			}
		}
		return nil
	}
	f.packed = make([]uint64, nPacked)
	for i := range f.packed {
		if f.packed[i], err = p.count("packed stream index", f.in-1); err != nil {
			return err
		}
	}
	return nil
}

// subStreamsInfo bounds the number of files the folders hold (the
// library allocates sizes and digests for all of them).
func (p *szParser) subStreamsInfo(si *szStreams) error {
	streams := make([]uint64, len(si.folders))
	for i := range streams {
		streams[i] = 1
	}
	id, err := p.byte()
	if err != nil {
		return err
	}
	var total uint64
	if id == szNumUnpackStream {
		for i := range streams {
			if streams[i], err = p.count("substreams", p.countLimit()); err != nil {
				return err
			}
			if total += streams[i]; total > p.countLimit() {
				return p.fail("%d substreams in a %d-byte header", total, len(p.b))
			}
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	} else {
		total = uint64(len(streams))
	}
	if id == szSize {
		for _, n := range streams {
			for j := uint64(1); j < n; j++ {
				if _, err := p.number(); err != nil {
					return err
				}
			}
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	if id == szCRC {
		// Digests follow for the substreams whose CRC the folder does
		// not already give (a folder with one substream and a CRC). The
		// library reads one for every substream; where the two differ
		// it would read the rest of the header out of step with this
		// check, so such a header is refused.
		unknown := total
		for i, n := range streams {
			if n == 1 && si.folders[i].hasCRC {
				unknown--
			}
		}
		if unknown != total {
			return p.fail("folder CRCs stand in for %d substream digests, which the 7z library would misread", total-unknown)
		}
		if err := p.digests(unknown); err != nil {
			return err
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	if id != szEnd {
		return p.fail("unexpected id %#x in substreams info", id)
	}
	return nil
}

// filesInfo bounds the number of files and skips their properties.
func (p *szParser) filesInfo() error {
	p.filesAt = p.off
	if _, err := p.count("files", p.countLimit()); err != nil {
		return err
	}
	for {
		prop, err := p.byte()
		if err != nil {
			return err
		}
		if prop == szEnd {
			return nil
		}
		size, err := p.number()
		if err != nil {
			return err
		}
		if err := p.skip(size); err != nil {
			return err
		}
	}
}
