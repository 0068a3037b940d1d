package ewf

import (
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// maxZeroForms bounds how many stored forms of an all-zero chunk are
// remembered (one per compression level in practice).
const maxZeroForms = 8

// maxZeroStored is the largest stored chunk considered as a zero form: a
// zlib stream of a 16 MiB all-zero chunk is about 16 KiB, of the default
// 32 KiB chunk under 100 bytes.
const maxZeroStored = 1 << 10

type cacheEntry struct {
	idx   int64
	data  []byte
	err   error
	ready chan struct{}
	elem  *list.Element
	// refs counts the goroutines using data; evicted is set once the
	// entry has left the cache. The buffer is reused only when both say
	// nobody can read it any more. Both are guarded by chunkCache.mu.
	refs    int
	evicted bool
}

// chunkCache is an LRU cache of decoded chunks. An entry is created by the
// goroutine that will decode the chunk; others wait on ready, so a chunk is
// decoded once however many readers want it.
type chunkCache struct {
	mu      sync.Mutex
	m       map[int64]*cacheEntry
	lru     list.List // front = most recently used
	max     int
	recycle func([]byte) // takes back the buffer of an entry nobody uses
}

func newChunkCache(n int, recycle func([]byte)) *chunkCache {
	return &chunkCache{m: make(map[int64]*cacheEntry, n), max: n, recycle: recycle}
}

// acquire returns the entry for chunk idx, holding a reference that the
// caller gives back with release. If owner is true the caller must fill
// the entry and call finish.
func (c *chunkCache) acquire(idx int64, promote bool) (e *cacheEntry, owner bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[idx]; e != nil {
		if promote {
			c.lru.MoveToFront(e.elem)
		}
		e.refs++
		return e, false
	}
	e = &cacheEntry{idx: idx, ready: make(chan struct{}), refs: 1}
	e.elem = c.lru.PushFront(e)
	c.m[idx] = e
	for c.lru.Len() > c.max {
		c.evict(c.lru.Back().Value.(*cacheEntry))
	}
	return e, true
}

// evict removes e from the cache; c.mu is held.
func (c *chunkCache) evict(e *cacheEntry) {
	c.lru.Remove(e.elem)
	delete(c.m, e.idx)
	e.evicted = true
	if e.refs == 0 && e.data != nil {
		c.recycle(e.data)
		e.data = nil
	}
}

// release gives back a reference taken by acquire.
func (c *chunkCache) release(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refs--
	if e.refs == 0 && e.evicted && e.data != nil {
		c.recycle(e.data)
		e.data = nil
	}
}

func (c *chunkCache) contains(idx int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[idx] != nil
}

// finish publishes e. Failed reads are not kept, so a transient I/O error
// is retried by the next reader.
func (c *chunkCache) finish(e *cacheEntry) {
	close(e.ready)
	if e.err == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[e.idx] == e {
		c.evict(e)
	}
}

// chunk returns the decoded media bytes of chunk i and the cache entry
// that holds them; the caller must not modify the bytes and must call
// im.cache.release(e) when done with them.
func (im *Image) chunk(i int64) ([]byte, *cacheEntry, error) {
	e, owner := im.cache.acquire(i, true)
	if owner {
		e.data, e.err = im.decode(i)
		im.cache.finish(e)
	} else {
		<-e.ready
	}
	return e.data, e, e.err
}

// chunkBuf returns a buffer for a decoded (or uncompressed stored) chunk.
func (im *Image) chunkBuf() []byte {
	if b, ok := im.bufs.Get().(*[]byte); ok {
		return (*b)[:im.chunkSize+4]
	}
	return make([]byte, im.chunkSize+4)
}

// recycleBuf takes back a buffer from chunkBuf; others (the shared zero
// chunk) are left alone.
func (im *Image) recycleBuf(b []byte) {
	if int64(cap(b)) != im.chunkSize+4 {
		return
	}
	b = b[:cap(b)]
	im.bufs.Put(&b)
}

// noteAccess starts decoding ahead of the reader: the other chunks of a
// read that spans several, and when reads move forward chunk by chunk, the
// next few chunks.
func (im *Image) noteAccess(first, last int64) {
	prev := im.lastChunk.Swap(last)
	sequential := first == prev || first == prev+1
	to := last
	if sequential {
		if first == last && last == prev {
			return // still inside the chunk read last time
		}
		to = last + int64(im.readAhead)
	}
	// Never decode further ahead than the cache can hold.
	to = min(to, first+int64(im.cache.max/2), im.chunkCount()-1)
	im.readAheadRange(first+1, to)
}

func (im *Image) chunkCount() int64 {
	return (im.size + im.chunkSize - 1) / im.chunkSize
}

// readAheadRange decodes the chunks from..to that are not cached yet on
// up to GOMAXPROCS goroutines, without waiting for them.
func (im *Image) readAheadRange(from, to int64) {
	if from > to || im.closed.Load() {
		return
	}
	// Uncompressed chunks are not read ahead: a read that covers them whole
	// takes them straight from the file (readStored), and reading them
	// here as well would double the work.
	for from <= to && im.skipAhead(from) {
		from++
	}
	if from > to {
		return
	}
	// At most one launch per worker slot: a loop until the slots are full
	// could spin for as long as the workers finish quickly.
	for range cap(im.sem) {
		select {
		case im.sem <- struct{}{}:
		default:
			return
		}
		im.prefetchWG.Add(1)
		go func() {
			defer im.prefetchWG.Done()
			defer func() { <-im.sem }()
			for k := from; k <= to; k++ {
				if im.closed.Load() {
					return
				}
				if im.skipAhead(k) {
					continue
				}
				e, owner := im.cache.acquire(k, false)
				if owner {
					e.data, e.err = im.decode(k)
					im.cache.finish(e)
				}
				im.cache.release(e)
			}
		}()
	}
}

// skipAhead says whether read-ahead should pass over chunk k: it is cached
// already, or it is stored uncompressed.
func (im *Image) skipAhead(k int64) bool {
	if _, stored := im.directStored(k); stored {
		return true
	}
	return im.cache.contains(k)
}

var inflaters = sync.Pool{New: func() any { return new(inflater) }}

var storedBufs = sync.Pool{New: func() any { return new([]byte) }}

func (im *Image) chunkError(i int64, loc *chunkLoc, err error) *ChunkError {
	off, n := im.chunkRange(i)
	ce := &ChunkError{Chunk: i, Offset: off, Length: n, Stored: -1, Err: err}
	if loc != nil {
		ce.Segment = im.segs[loc.seg].name
		ce.Stored = loc.off
	}
	return ce
}

// decode reads chunk i from its segment file and checks it.
func (im *Image) decode(i int64) ([]byte, error) {
	if i >= im.nchunks {
		err := im.missing
		if err == nil {
			err = ErrMissing
		}
		return nil, im.chunkError(i, nil, err)
	}
	l, t := im.locate(i)
	loc := &l
	if err := im.badChunks[i]; err != nil {
		return nil, im.chunkError(i, loc, err)
	}
	if t.bad != nil {
		return nil, im.chunkError(i, loc, t.bad)
	}
	_, n := im.chunkRange(i)
	seg := &im.segs[loc.seg]
	stored := int64(loc.stored)
	if !loc.compressed {
		if stored < n+4 || stored-4 > im.chunkSize {
			return nil, im.chunkError(i, loc, fmt.Errorf("%w: uncompressed chunk stored in %d bytes, %d expected", ErrFormat, stored, n+4))
		}
		buf := im.chunkBuf()[:stored]
		if err := readFull(seg.r, buf, loc.off); err != nil {
			im.recycleBuf(buf)
			return nil, im.chunkError(i, loc, err)
		}
		data := buf[:stored-4]
		if sum, want := adlerSum(data), le.Uint32(buf[stored-4:]); sum != want {
			im.recycleBuf(buf)
			return nil, im.chunkError(i, loc, fmt.Errorf("%w: stored Adler-32 %08x, computed %08x", ErrChecksum, want, sum))
		}
		return data[:n], nil
	}

	bp := storedBufs.Get().(*[]byte)
	defer storedBufs.Put(bp)
	if int64(cap(*bp)) < stored {
		*bp = make([]byte, stored)
	}
	buf := (*bp)[:stored]
	if err := readFull(seg.r, buf, loc.off); err != nil {
		return nil, im.chunkError(i, loc, err)
	}
	full := n == im.chunkSize
	if full && stored <= maxZeroStored && im.isZeroForm(buf) {
		return im.zeros(), nil
	}
	// Deflate expands at most about 1032:1; a shorter stream cannot hold
	// the chunk, and checking first avoids allocating for it.
	if stored*1032+64 < n {
		return nil, im.chunkError(i, loc, fmt.Errorf("%w: zlib chunk of %d bytes cannot hold %d bytes", ErrFormat, stored, n))
	}
	out, err := im.inflate(buf, n)
	if err != nil {
		return nil, im.chunkError(i, loc, err)
	}
	if full && stored <= maxZeroStored && allZero(out) {
		im.addZeroForm(buf)
		im.recycleBuf(out)
		return im.zeros(), nil
	}
	return out, nil
}

// inflate decompresses a zlib chunk (RFC 1950) of n media bytes and checks
// its Adler-32 trailer. It does the zlib framing itself and inflates with
// inflateInto straight into a chunk buffer (see inflate.go).
func (im *Image) inflate(src []byte, n int64) (out []byte, err error) {
	if len(src) < 6 {
		return nil, fmt.Errorf("%w: zlib chunk of %d bytes", ErrFormat, len(src))
	}
	cmf, flg := src[0], src[1]
	switch {
	case (uint16(cmf)<<8|uint16(flg))%31 != 0:
		return nil, fmt.Errorf("%w: chunk is not a zlib stream (header check)", ErrFormat)
	case cmf&0x0f != 8 || cmf>>4 > 7:
		return nil, fmt.Errorf("%w: zlib chunk does not use deflate", ErrFormat)
	case flg&0x20 != 0:
		return nil, fmt.Errorf("%w: zlib chunk needs a preset dictionary", ErrFormat)
	}
	f := inflaters.Get().(*inflater)
	defer inflaters.Put(f)
	// Room for a whole chunk: some writers may pad the last chunk to a
	// whole chunk; accept that, never more.
	dst := im.chunkBuf()[:im.chunkSize]
	k, used, err := f.inflateInto(dst, src[2:])
	if err != nil {
		im.recycleBuf(dst)
		if errors.Is(err, errOutputFull) {
			return nil, fmt.Errorf("%w: chunk decompresses to more than %d bytes", ErrFormat, im.chunkSize)
		}
		return nil, fmt.Errorf("%w: %w", ErrChecksum, err)
	}
	// The Adler-32 follows the deflate stream, big-endian.
	trailer := src[2+used:]
	if len(trailer) < 4 {
		im.recycleBuf(dst)
		return nil, fmt.Errorf("%w: zlib chunk lacks its Adler-32 trailer", ErrChecksum)
	}
	if sum, want := adlerSum(dst[:k]), binary.BigEndian.Uint32(trailer); sum != want {
		im.recycleBuf(dst)
		return nil, fmt.Errorf("%w: zlib Adler-32 of the decompressed chunk: stored %08x, computed %08x", ErrChecksum, want, sum)
	}
	if int64(k) < n {
		im.recycleBuf(dst)
		return nil, fmt.Errorf("%w: chunk decompresses to %d bytes, %d expected", ErrFormat, k, n)
	}
	return dst[:n], nil
}

func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("reading stored chunk: %w", err)
}

// zeros returns the shared all-zero chunk.
func (im *Image) zeros() []byte {
	im.zeroOnce.Do(func() { im.zeroChunk = make([]byte, im.chunkSize) })
	return im.zeroChunk
}

func (im *Image) isZeroForm(b []byte) bool {
	im.zeroMu.Lock()
	defer im.zeroMu.Unlock()
	for _, z := range im.zeroStored {
		if string(b) == z {
			return true
		}
	}
	return false
}

func (im *Image) addZeroForm(b []byte) {
	im.zeroMu.Lock()
	defer im.zeroMu.Unlock()
	// Read-ahead may inflate several chunks of the same stored form at
	// once, each seeing it unknown: remember it only once.
	if slices.Contains(im.zeroStored, string(b)) {
		return
	}
	if len(im.zeroStored) < maxZeroForms {
		im.zeroStored = append(im.zeroStored, string(b))
	}
}
