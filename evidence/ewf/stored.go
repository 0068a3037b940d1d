package ewf

import (
	"io"
	"sync"
	"syscall"
)

// maxStoredRun bounds the chunks read by one readStored call: 256 chunks
// make 512 iovecs, below every system's IOV_MAX (1024 on Linux).
const maxStoredRun = 256

// storedRun is one chunk of a run read by readStored.
type storedRun struct {
	loc chunkLoc
	n   int64 // media bytes of the chunk
}

// storedRunBufs holds the per-call slices of readStored.
type storedRunBufs struct {
	chunks   []storedRun
	iovs     [][]byte
	trailers []byte
	scratch  []byte // for readers without preadv
}

var storedRunPool = sync.Pool{New: func() any { return new(storedRunBufs) }}

// directStored says whether chunk i can be read by readStored: it is
// stored uncompressed with exactly its media bytes and their Adler-32, and
// nothing known about it or its table says it is bad.
func (im *Image) directStored(i int64) (chunkLoc, bool) {
	if i >= im.nchunks || im.badChunks[i] != nil {
		return chunkLoc{}, false
	}
	loc, t := im.locate(i)
	if t.bad != nil || loc.compressed {
		return loc, false
	}
	_, n := im.chunkRange(i)
	return loc, int64(loc.stored) == n+4
}

// readStored reads whole uncompressed chunks from chunk i on straight into
// dst, which starts at the first media byte of chunk i, without the chunk
// cache: as many chunks as follow each other in one segment file, lie
// whole within dst and no further than chunk last. The chunks and their
// Adler-32 trailers come in one system call (preadv where the segment is
// an *os.File on a system that has it, else one ReadAt into a scratch
// buffer and a copy), and each chunk's Adler-32 is checked where it lies.
//
// It returns the number of chunks read and checked and their bytes in dst.
// It stops before the first chunk it cannot vouch for (a checksum that
// does not match, a short read, an I/O error) and reports nothing about
// it: the caller reads that chunk through the cache (Image.chunk), which
// reports its failure as a ChunkError.
func (im *Image) readStored(i, last int64, dst []byte) (chunks int64, n int) {
	loc, ok := im.directStored(i)
	if !ok || int64(len(dst)) < int64(loc.stored)-4 {
		return 0, 0
	}
	b := storedRunPool.Get().(*storedRunBufs)
	defer storedRunPool.Put(b)
	run := append(b.chunks[:0], storedRun{loc: loc, n: int64(loc.stored) - 4})
	total := run[0].n
	end := loc.off + int64(loc.stored)
	for j := i + 1; j <= last && len(run) < maxStoredRun; j++ {
		l, ok := im.directStored(j)
		n := int64(l.stored) - 4
		if !ok || l.seg != loc.seg || l.off != end || total+n > int64(len(dst)) {
			break
		}
		run = append(run, storedRun{loc: l, n: n})
		total += n
		end += int64(l.stored)
	}
	b.chunks = run

	seg := &im.segs[loc.seg]
	stored := end - loc.off
	if cap(b.trailers) < 4*len(run) {
		b.trailers = make([]byte, 4*maxStoredRun)
	}
	trailers := b.trailers[:4*len(run)]
	// src holds the chunks as read: dst itself (preadv scatters the
	// trailers into trailers), or a scratch buffer laid out as stored.
	var src []byte
	if seg.raw != nil {
		iovs := b.iovs[:0]
		pos := int64(0)
		for k, c := range run {
			iovs = append(iovs, dst[pos:pos+c.n], trailers[4*k:4*k+4])
			pos += c.n
		}
		got, err := preadv(seg.raw, iovs, loc.off)
		clear(iovs) // keep no reference to dst in the pool
		b.iovs = iovs[:0]
		if err != nil || int64(got) != stored {
			return 0, 0
		}
		src = dst
	} else {
		if int64(cap(b.scratch)) < stored {
			b.scratch = make([]byte, stored)
		}
		src = b.scratch[:stored]
		if got, _ := seg.r.ReadAt(src, loc.off); int64(got) != stored {
			return 0, 0
		}
		pos := int64(0)
		for k, c := range run {
			copy(trailers[4*k:], src[pos+c.n:])
			pos += c.n + 4
		}
	}
	pos := 0
	for k, c := range run {
		d := src[pos : pos+int(c.n)]
		if adlerSum(d) != le.Uint32(trailers[4*k:]) {
			break
		}
		if seg.raw == nil {
			copy(dst[n:], d)
			pos += 4
		}
		pos += int(c.n)
		chunks++
		n += int(c.n)
	}
	return chunks, n
}

// rawConnOf returns the raw connection of r if r is a file readStored can
// use preadv on, else nil.
func rawConnOf(r io.ReaderAt) syscall.RawConn {
	type syscallConner interface {
		SyscallConn() (syscall.RawConn, error)
	}
	if !havePreadv {
		return nil
	}
	f, ok := r.(syscallConner)
	if !ok {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
