// Package ewf reads Expert Witness Compression Format (EWF) version 1 disk
// images as written by EnCase 6 and 7 and by libewf's ewfacquire (".E01",
// split into ".E02" … ".E99", ".EAA" … ".ZZZ").
//
// The reader is written from the public libyal "Expert Witness Compression
// Format (EWF)" specification. It is strictly read-only and checks every
// checksum the format has: section descriptors, volume, table, table2,
// hash, digest and error2 sections, and every chunk (the zlib Adler-32 of a
// compressed chunk, the trailing Adler-32 of an uncompressed one). A chunk
// that fails its check is never replaced by zeros: ReadAt returns a
// *ChunkError that names the media byte range it covers.
//
// An Image is an io.ReaderAt over the acquired media, safe for concurrent
// use. Decompressed chunks are kept in a small LRU cache, and sequential
// reading decompresses the next few chunks ahead in parallel. A read that
// covers uncompressed chunks whole gets them straight from the segment
// file, checked in place, without the cache.
package ewf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrFormat is wrapped by errors about data that is not valid EWF.
var ErrFormat = errors.New("ewf: invalid format")

// ErrChecksum is wrapped by errors about data that fails its checksum.
var ErrChecksum = errors.New("ewf: checksum mismatch")

// ErrMissing is wrapped by ChunkErrors for chunks the image does not hold
// (a truncated segment file or a missing segment).
var ErrMissing = errors.New("ewf: chunk not present in the image")

// A ChunkError reports a chunk of the media that could not be read or that
// failed its check. Offset and Length give the media byte range the chunk
// covers; none of those bytes are returned.
type ChunkError struct {
	Chunk   int64  // chunk index
	Offset  int64  // first media byte of the chunk
	Length  int64  // media bytes in the chunk
	Segment string // segment file holding the chunk ("" if unknown)
	Stored  int64  // offset of the stored chunk in Segment (-1 if unknown)
	Err     error
}

func (e *ChunkError) Error() string {
	where := ""
	if e.Segment != "" {
		where = fmt.Sprintf(" (%s offset %d)", e.Segment, e.Stored)
	}
	return fmt.Sprintf("ewf: media bytes %d-%d, chunk %d%s: %v", e.Offset, e.Offset+e.Length-1, e.Chunk, where, e.Err)
}

func (e *ChunkError) Unwrap() error { return e.Err }

// Range is a byte range of the media.
type Range struct {
	Offset int64
	Length int64
}

// Header holds the acquisition metadata of the header2 section (EnCase 4
// and later, UTF-16) or, failing that, the header section (ASCII).
type Header struct {
	Description    string // "a"
	CaseNumber     string // "c"
	EvidenceNumber string // "n"
	Examiner       string // "e"
	Notes          string // "t"
	Model          string // "md"
	SerialNumber   string // "sn"
	DeviceLabel    string // "l"
	Software       string // "av": version of the acquiring software
	Platform       string // "ov": operating system of the acquiring machine
	AcquiredRaw    string // "m" as stored
	SystemRaw      string // "u" as stored
	// Acquired and System are set when the stored value is a POSIX
	// timestamp (header2); the header section's "Y M D h m s" form is in
	// the acquiring machine's unknown time zone and is left in the Raw
	// fields only.
	Acquired time.Time
	System   time.Time
	// Values holds every identifier/value pair of the "main" category.
	Values map[string]string
}

// Media describes the acquired media as the volume section states it.
type Media struct {
	Type            uint8 // 0 removable, 1 fixed, 3 optical, 0x0e logical, 0x10 memory
	Flags           uint8 // 0x01 image, 0x02 physical, 0x04 Fastbloc, 0x08 Tableau
	ChunkCount      uint32
	SectorsPerChunk uint32
	BytesPerSector  uint32
	SectorCount     uint64
	GUID            [16]byte
}

// chunkLoc says where a chunk is stored.
type chunkLoc struct {
	off        int64  // offset of the stored chunk in its segment file
	stored     uint32 // stored bytes, including the Adler-32 of an uncompressed chunk
	seg        uint16 // index into Image.segs
	compressed bool
}

// chunkTable is a committed table section. Its entries stay as they are in
// the file, 4 bytes per chunk: a 2 TB image has 64 million chunks.
type chunkTable struct {
	first   int64 // index of the table's first chunk
	entries []uint32
	base    int64 // the table's base offset
	lastEnd int64 // end of the last chunk's stored data
	seg     uint16
	bad     error // set when none of the table's chunks can be trusted
}

type segment struct {
	r    io.ReaderAt
	size int64
	name string
	raw  syscall.RawConn // r's file, for preadv (nil if r is not a file or there is no preadv)
}

// Image is an open EWF image. Its methods are safe for concurrent use.
type Image struct {
	segs    []segment
	closers []io.Closer

	media     Media
	chunkSize int64
	size      int64

	tables    []chunkTable    // in chunk order
	nchunks   int64           // chunks the tables locate
	badChunks map[int64]error // chunks whose location is known to be bad
	missing   error           // set when chunks from nchunks on are absent

	header     Header
	md5, sha1  []byte
	hashClash  bool // hash and digest sections disagree
	acqErrors  []Range
	problems   []error
	bufs       sync.Pool // of *[]byte of chunkSize+4 bytes, see chunkBuf
	zeroOnce   sync.Once
	zeroChunk  []byte // allocated when the first all-zero chunk is seen
	cache      *chunkCache
	readAhead  int
	sem        chan struct{}
	prefetchWG sync.WaitGroup
	lastChunk  atomic.Int64
	closed     atomic.Bool

	zeroMu     sync.Mutex
	zeroStored []string // stored forms known to inflate to an all-zero chunk
}

// Open opens the EWF image whose first segment file is path and every
// sibling segment that follows it (.E02, …, .E99, .EAA, …), read-only.
func Open(path string) (*Image, error) {
	paths := SegmentPaths(path)
	var (
		readers []io.ReaderAt
		sizes   []int64
		files   []io.Closer
	)
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, p := range paths {
		f, err := os.OpenFile(p, os.O_RDONLY, 0)
		if err != nil {
			closeAll()
			return nil, err
		}
		files = append(files, f)
		st, err := f.Stat()
		if err != nil {
			closeAll()
			return nil, err
		}
		readers = append(readers, f)
		sizes = append(sizes, st.Size())
	}
	im, err := OpenSegments(readers, sizes, paths)
	if err != nil {
		closeAll()
		return nil, err
	}
	im.closers = files
	return im, nil
}

// SegmentPaths returns path followed by the names of the sibling segment
// files that exist after it, in segment order. Names follow the EnCase
// scheme (.E01 … .E99, .EAA … .EZZ, .FAA … .ZZZ), keeping the case of
// path's extension. A path without a "01" extension is a single segment.
func SegmentPaths(path string) []string {
	paths := []string{path}
	if len(path) < 4 || path[len(path)-4] != '.' || path[len(path)-2:] != "01" {
		return paths
	}
	first := path[len(path)-3]
	if !(first >= 'A' && first <= 'Z') && !(first >= 'a' && first <= 'z') {
		return paths
	}
	base := path[:len(path)-3]
	for n := 2; ; n++ {
		ext, ok := SegmentExtension(first, n)
		if !ok {
			break
		}
		p := base + ext
		if _, err := os.Stat(p); err != nil {
			break
		}
		paths = append(paths, p)
	}
	return paths
}

// FirstSegmentPath returns the path of segment 1 of the set to which the
// segment file path, holding segment n, belongs ("x.E07" → "x.E01"). ok is
// false if path is not named like segment n of an EnCase set.
func FirstSegmentPath(path string, n int) (first string, ok bool) {
	if len(path) < 4 || path[len(path)-4] != '.' {
		return "", false
	}
	ext := path[len(path)-3:]
	for _, letter := range []byte{'E', 'e'} {
		if e, ok := SegmentExtension(letter, n); ok && e == ext {
			return path[:len(path)-3] + string(letter) + "01", true
		}
	}
	return "", false
}

// SegmentNumber returns the segment number in the file header of an EWF
// segment file that starts with head (13 bytes or more).
func SegmentNumber(head []byte) (int, bool) {
	if len(head) < fileHeaderSize || string(head[:8]) != string(evfSignature) {
		return 0, false
	}
	return int(le.Uint16(head[9:])), true
}

// SegmentExtension returns the extension (without the dot) of segment n
// (1-based) of a set whose first segment has extension first+"01", e.g.
// ('E', 1) = "E01", ('E', 100) = "EAA", ('E', 776) = "FAA". The letters
// follow the case of first. ok is false past "ZZZ".
func SegmentExtension(first byte, n int) (ext string, ok bool) {
	if n < 1 {
		return "", false
	}
	lower := first >= 'a' && first <= 'z'
	up := first
	if lower {
		up -= 'a' - 'A'
	}
	var b [3]byte
	if n <= 99 {
		b = [3]byte{up, byte('0' + n/10), byte('0' + n%10)}
	} else {
		k := n - 100
		c1 := int(up) + k/(26*26)
		if c1 > 'Z' {
			return "", false
		}
		b = [3]byte{byte(c1), byte('A' + (k/26)%26), byte('A' + k%26)}
	}
	if lower {
		for i := range b {
			if b[i] >= 'A' && b[i] <= 'Z' {
				b[i] += 'a' - 'A'
			}
		}
	}
	return string(b[:]), true
}

// OpenSegments opens an image from its segment files in order, each given
// as a reader, its size and a name used in error messages. The caller keeps
// ownership of the readers; Close does not close them.
func OpenSegments(files []io.ReaderAt, sizes []int64, names []string) (*Image, error) {
	if len(files) == 0 || len(files) != len(sizes) || len(files) != len(names) {
		return nil, errors.New("ewf: OpenSegments needs one size and one name per segment")
	}
	if len(files) > 1<<16-1 {
		return nil, fmt.Errorf("%w: %d segment files (at most 65535)", ErrFormat, len(files))
	}
	im := &Image{badChunks: map[int64]error{}}
	for i := range files {
		im.segs = append(im.segs, segment{r: files[i], size: sizes[i], name: names[i], raw: rawConnOf(files[i])})
	}
	if err := im.parse(); err != nil {
		return nil, err
	}
	// About 32 MiB of decoded chunks (1024 of the default 32 KiB), and at
	// least four even for the largest chunks.
	entries := max(int((32<<20)/im.chunkSize), 4)
	im.readAhead = min(max(2*runtime.GOMAXPROCS(0), 4), 16, entries/2)
	im.cache = newChunkCache(entries, im.recycleBuf)
	im.sem = make(chan struct{}, runtime.GOMAXPROCS(0))
	im.lastChunk.Store(-2)
	return im, nil
}

// Size returns the size of the media in bytes.
func (im *Image) Size() int64 { return im.size }

// ChunkSize returns the number of media bytes per chunk.
func (im *Image) ChunkSize() int { return int(im.chunkSize) }

// Media returns the media description of the volume section.
func (im *Image) Media() Media { return im.media }

// Header returns the acquisition metadata.
func (im *Image) Header() Header {
	h := im.header
	h.Values = make(map[string]string, len(im.header.Values))
	for k, v := range im.header.Values {
		h.Values[k] = v
	}
	return h
}

// StoredHashes returns the MD5 and SHA-1 of the media recorded at
// acquisition (hash and digest sections); either is nil if absent.
func (im *Image) StoredHashes() (md5, sha1 []byte) {
	return clone(im.md5), clone(im.sha1)
}

// AcquisitionErrors returns the media ranges the acquiring tool could not
// read (error2 section). Their content in the image is whatever the tool
// stored instead, usually zeros.
func (im *Image) AcquisitionErrors() []Range {
	return append([]Range(nil), im.acqErrors...)
}

// Problems returns the structural problems found while opening that did
// not stop the image from being read: a damaged table recovered from its
// table2 copy, a truncated or missing segment (its chunks then fail with
// ErrMissing), a damaged error2 or hash section, and the like. Each is
// worth reporting.
func (im *Image) Problems() []error { return append([]error(nil), im.problems...) }

// Close closes the segment files Open opened and waits for read-ahead.
func (im *Image) Close() error {
	if im.closed.Swap(true) {
		return nil
	}
	im.prefetchWG.Wait()
	var first error
	for _, c := range im.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// chunkRange returns the media byte range of chunk i.
func (im *Image) chunkRange(i int64) (off, n int64) {
	off = i * im.chunkSize
	n = min(im.chunkSize, im.size-off)
	return off, n
}

// ReadAt reads media bytes at off. If a chunk in the range cannot be read
// or fails its check, ReadAt returns the bytes before it and a *ChunkError.
func (im *Image) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("ewf: negative offset %d", off)
	}
	if off >= im.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	if int64(len(want)) > im.size-off {
		want = want[:im.size-off]
	}
	if len(want) == 0 {
		return 0, nil
	}
	first := off / im.chunkSize
	last := (off + int64(len(want)) - 1) / im.chunkSize
	im.noteAccess(first, last)
	n := 0
	for i := first; i <= last; {
		cstart := i * im.chunkSize
		from := off + int64(n) - cstart
		if from == 0 {
			// Whole uncompressed chunks go straight into p.
			if k, m := im.readStored(i, last, want[n:]); k > 0 {
				i += k
				n += m
				continue
			}
		}
		data, e, err := im.chunk(i)
		if err != nil {
			im.cache.release(e)
			return n, err
		}
		n += copy(want[n:], data[from:])
		im.cache.release(e)
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
