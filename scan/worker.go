package scan

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/sha1sha256"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/perceptual"
)

// A task is one item for a worker. done, if set, is the parent
// container's count of children still in flight.
type task struct {
	item evidence.Item
	done *sync.WaitGroup
}

// A worker reads and hashes one item at a time. Its buffers and hashers
// are reused from item to item.
type worker struct {
	s    *scanner
	bufs [2][]byte
	// For the current item: sums[i] gives the digest of s.exact[i], and
	// every block read is written to each of feeds once. They differ when
	// one hasher computes two digests (SHA-1 and SHA-256 in one pass).
	sums  []summer
	feeds []io.Writer
	// The standard set, and the SIMD MD5 lane that replaces MD5 in both
	// for large items (nil unless in use).
	stdSums        []summer
	stdFeeds       []io.Writer
	simd           hash.Hash
	md5At, md5Feed int     // index of MD5 in sums and in feeds, -1 if none
	fan            *fanout // nil unless there are several feeds
}

// A summer gives the digest of what was fed to its hasher.
type summer interface {
	Sum(b []byte) []byte
	Reset()
}

// simdMin is the smallest item hashed through a SIMD MD5 lane: for small
// items the hand-off to the lane server costs more than it saves.
const simdMin = 64 << 10

func newWorker(s *scanner) *worker {
	w := &worker{s: s, md5At: -1, md5Feed: -1}
	w.bufs[0] = make([]byte, s.cfg.BufferSize)
	// SHA-1 and SHA-256 share one pass when the processor interleaves them.
	var pair *sha1sha256.Digest
	if sha1sha256.OnePass() && slices.Contains(s.exact, hashset.SHA1) && slices.Contains(s.exact, hashset.SHA256) {
		pair = sha1sha256.New()
		w.stdFeeds = append(w.stdFeeds, pair)
	}
	for i, a := range s.exact {
		if pair != nil && (a == hashset.SHA1 || a == hashset.SHA256) {
			w.stdSums = append(w.stdSums, pairHalf{pair, a})
			continue
		}
		h := newHash(a)
		if a == hashset.MD5 {
			w.md5At, w.md5Feed = i, len(w.stdFeeds)
		}
		w.stdSums = append(w.stdSums, h)
		w.stdFeeds = append(w.stdFeeds, h)
	}
	w.sums, w.feeds = slices.Clone(w.stdSums), slices.Clone(w.stdFeeds)
	if s.md5srv != nil && w.md5At >= 0 {
		w.simd = s.md5srv.NewHash()
	}
	if len(w.feeds) > 1 {
		w.bufs[1] = make([]byte, s.cfg.BufferSize)
		w.fan = newFanout(w)
	}
	return w
}

// pairHalf is one of the two digests of a one-pass SHA-1 and SHA-256 hasher.
type pairHalf struct {
	d   *sha1sha256.Digest
	alg hashset.Algorithm
}

func (h pairHalf) Sum(b []byte) []byte {
	s1, s256 := h.d.Sums()
	if h.alg == hashset.SHA1 {
		return append(b, s1[:]...)
	}
	return append(b, s256[:]...)
}

func (h pairHalf) Reset() { h.d.Reset() }

func (w *worker) close() {
	if w.fan != nil {
		w.fan.close()
	}
	if c, ok := w.simd.(interface{ Close() }); ok {
		c.Close()
	}
}

// pick chooses the hashers for an item of the given size.
func (w *worker) pick(size int64) {
	copy(w.sums, w.stdSums)
	copy(w.feeds, w.stdFeeds)
	if w.simd != nil && size >= simdMin {
		w.sums[w.md5At], w.feeds[w.md5Feed] = w.simd, w.simd
	}
}

func newHash(a hashset.Algorithm) hash.Hash {
	switch a {
	case hashset.MD5:
		return md5.New()
	case hashset.SHA1:
		return sha1.New()
	case hashset.SHA256:
		return sha256.New()
	}
	panic("scan: no stream hash for " + a.String())
}

// run processes one queued task and marks it finished.
func (w *worker) run(ctx context.Context, t task) {
	if ctx.Err() != nil {
		w.s.cancelled.Store(true) // drained unread
	} else {
		w.handle(ctx, t.item)
	}
	if t.done != nil {
		t.done.Done()
	}
	w.s.pending.Done()
}

// handle reads, hashes, looks up and (for containers) expands one item.
func (w *worker) handle(ctx context.Context, it evidence.Item) {
	s := w.s
	defer func() {
		if s.cfg.Progress != nil {
			s.cfg.Progress(0, 1)
		}
	}()
	f, err := it.Open()
	if err != nil {
		s.emit(Result{Outcome: Failed, Item: it, Err: err})
		return
	}
	defer f.Close()
	r := Result{Item: it}
	if na, ok := f.(evidence.NoAtimer); ok {
		r.hostOpen = true
		r.NoAtime = na.NoAtime()
	}

	// readFailed records a read error; an interrupted read is not a
	// failure and gets no record.
	readFailed := func(err error) bool {
		if err == nil {
			return false
		}
		if ctx.Err() != nil {
			s.cancelled.Store(true)
		} else {
			r.Outcome, r.Err = Failed, err
			s.emit(r)
		}
		return true
	}

	w.pick(it.Size)
	c, isImage, n, err := w.read(ctx, it.Path, f)
	r.bytesRead = n
	if readFailed(err) {
		return
	}
	if c.Disk {
		if found, failed := w.expand(ctx, it, f, c); found > 0 || !failed || ctx.Err() != nil {
			r.Outcome = Expanded
			s.emit(r)
			return
		}
		// Nothing could be read from it as a disk image or volume, and
		// trying failed: a damaged one, or a file whose first bytes merely
		// look like one (a two-byte magic number turns up in random data;
		// a later segment of a split E01 yields nothing without failing,
		// its set being read through the first segment). Its bytes are
		// then hashed and matched like any file's, so that it is not left
		// unexamined; the expansion's error records stand.
		w.pick(it.Size)
		c, isImage, n, err = w.readFrom(ctx, it.Path, io.NewSectionReader(f, 0, 1<<62), false)
		r.bytesRead += n
		if readFailed(err) {
			return
		}
		c = evidence.Container{} // already tried
	}
	if n != it.Size {
		r.Outcome = Failed
		r.Err = fmt.Errorf("%s: size changed while read: listed as %d bytes, read %d; digests not valid", it.Path, it.Size, n)
		s.emit(r)
		return
	}
	for i, a := range s.exact {
		r.Digests = append(r.Digests, Digest{Algorithm: a, Sum: w.sums[i].Sum(nil), Quality: -1})
	}
	var imageErr error
	if isImage && len(s.perceptual) > 0 {
		var ds []Digest
		imageErr = safely(func() error {
			var err error
			ds, err = s.cfg.Image(ctx, f, s.perceptual)
			return err
		})
		r.Digests = append(r.Digests, ds...)
		r.image = imageOutcome(r.Digests, imageErr)
		if errors.Is(imageErr, perceptual.ErrTooSmall) {
			imageErr = nil // counted in the summary: too small to match, not a failure
		}
	}
	r.Matches = s.lookup(it.Size, r.Digests)
	r.Outcome = outcome(r.Matches)
	s.emit(r)
	if imageErr != nil && ctx.Err() == nil {
		s.emit(Result{Outcome: Failed, Item: it, Err: fmt.Errorf("%s: image not hashed: %w", it.Path, imageErr), extra: true})
	}
	if c.Name != "" {
		w.expand(ctx, it, f, c)
	}
}

// lookup asks the matcher about every digest. Alert matches come first.
// Items of size zero never match alert sets: a list that holds the digest
// of empty input would flag every empty file. Their digests are the same
// for every empty item, so they are looked up once per scan (see
// emptyMatches), which keeps a known list's verdict on empty files (NSRL
// lists the empty file) without a lookup per empty item.
func (s *scanner) lookup(size int64, ds []Digest) []match.Match {
	if s.cfg.Matcher == nil {
		return nil
	}
	if size == 0 {
		s.emptyOnce.Do(func() { s.emptyKnown = s.lookupDigests(ds, true) })
		return slices.Clone(s.emptyKnown)
	}
	return s.lookupDigests(ds, false)
}

// lookupDigests looks ds up; with knownOnly, alert matches are dropped.
func (s *scanner) lookupDigests(ds []Digest, knownOnly bool) []match.Match {
	var alert, known []match.Match
	for _, d := range ds {
		if d.NotMatched != "" {
			continue
		}
		q := append([][]byte{d.Sum}, d.Variants...)
		for _, m := range s.cfg.Matcher.Lookup(d.Algorithm, q...) {
			if m.Algorithm == hashset.Unknown {
				m.Algorithm = d.Algorithm
			}
			switch {
			case m.Kind == hashset.Known:
				known = append(known, m)
			case knownOnly:
				// an empty item: see lookup
			default:
				alert = append(alert, m)
			}
		}
	}
	return append(alert, known...)
}

func outcome(ms []match.Match) Outcome {
	if len(ms) == 0 {
		return Unmatched
	}
	if ms[0].Kind != hashset.Known {
		return Matched
	}
	return Known
}

// read reads f to the end through the worker's hashers. It sniffs the first
// block for containers and images; for a disk image or volume it stops
// there, since the image itself is not hashed. n is the number of bytes read.
func (w *worker) read(ctx context.Context, path string, f evidence.File) (c evidence.Container, isImage bool, n int64, err error) {
	return w.readFrom(ctx, path, f, true)
}

// readFrom is read; with sniff false, no container is looked for.
func (w *worker) readFrom(ctx context.Context, path string, f io.Reader, sniff bool) (c evidence.Container, isImage bool, n int64, err error) {
	for _, h := range w.sums {
		h.Reset()
	}
	cur := 0
	k, eof, err := readFull(f, w.bufs[cur])
	n += int64(k)
	if err != nil {
		return c, false, n, fmt.Errorf("read %s at offset %d: %w", path, n, err)
	}
	head := w.bufs[cur][:min(k, evidence.SniffSize)]
	if k > 0 {
		if sniff {
			if perr := safely(func() error { c = evidence.Sniff(head); return nil }); perr != nil {
				return c, false, n, fmt.Errorf("sniff %s: %w", path, perr)
			}
		}
		isImage = len(w.s.perceptual) > 0 && looksLikeImage(head)
	}
	if c.Disk {
		return c, isImage, n, nil
	}
	progress := w.s.cfg.Progress
	for {
		if progress != nil {
			progress(int64(k), 0)
		}
		if eof || w.fan == nil {
			for _, h := range w.feeds {
				h.Write(w.bufs[cur][:k])
			}
			if eof {
				return c, isImage, n, nil
			}
		} else {
			// Hash this block on one goroutine per algorithm while the
			// next block is read into the other buffer.
			w.fan.write(w.bufs[cur][:k])
			cur ^= 1
		}
		if err := ctx.Err(); err != nil {
			if w.fan != nil {
				w.fan.wait()
			}
			return c, isImage, n, err
		}
		k, eof, err = readFull(f, w.bufs[cur])
		if w.fan != nil {
			w.fan.wait()
		}
		if err != nil {
			return c, isImage, n + int64(k), fmt.Errorf("read %s at offset %d: %w", path, n+int64(k), err)
		}
		n += int64(k)
	}
}

// readFull fills buf from r. eof reports that r is at its end.
func readFull(r io.Reader, buf []byte) (n int, eof bool, err error) {
	n, err = io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return n, true, nil
	}
	return n, false, err
}

// expand scans the items of a container. Children of random-access
// containers go to the worker pool when it has room (the container stays
// open until they are done, and this worker helps with queued items while
// it waits, so waiting cannot deadlock); children of streaming containers
// are only valid during the walk callback and are processed inline.
//
// It returns the number of readable files found inside (regular items
// without an error), and whether anything failed.
func (w *worker) expand(ctx context.Context, parent evidence.Item, f evidence.File, c evidence.Container) (found int, failed bool) {
	s := w.s
	var children sync.WaitGroup
	inline := streaming(c)
	err := safely(func() error {
		return evidence.ExpandWait(ctx, parent, f, c, s.cfg.Limits, func(child evidence.Item) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if child.Err == nil && child.Type == evidence.Regular {
				found++
			}
			if child.Err != nil {
				failed = true
			}
			if child.Err != nil || child.Type != evidence.Regular || child.Open == nil {
				s.emitDirect(child)
				return nil
			}
			if !inline {
				children.Add(1)
				s.pending.Add(1)
				select {
				case s.work <- task{item: child, done: &children}:
					return nil
				default:
					children.Done()
					s.pending.Done()
				}
			}
			w.handle(ctx, child)
			return nil
		}, func() { w.helpUntil(ctx, &children) })
	})
	w.helpUntil(ctx, &children) // again, in case Expand panicked before its wait
	if err != nil && ctx.Err() == nil {
		s.emit(Result{Outcome: Failed, Item: evidence.Item{Path: parent.Path, Parts: parent.Parts, Size: parent.Size, Type: parent.Type, Meta: parent.Meta, Depth: parent.Depth},
			Err:   fmt.Errorf("%s: %s content not (fully) examined: %w", parent.Path, c.Name, err),
			extra: true, notExamined: fmt.Sprintf("%s (%s): %v", parent.Path, c.Name, err)})
	}
	return found, failed || err != nil
}

// helpUntil processes queued tasks until wg is done.
func (w *worker) helpUntil(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return
		case t := <-w.s.work:
			// The queue cannot be closed here: this container's own
			// task is still pending.
			w.run(ctx, t)
		}
	}
}

// streaming reports whether c's members must be processed during the walk
// callback: those of tar and compressed streams, 7z and RAR are only
// valid until it returns. Children of random-access containers (ZIP, disk
// images, volumes) go to the worker pool, so that the files of a disk are
// hashed on every core; expand waits for them (through ExpandWait) before
// the container is released.
func streaming(c evidence.Container) bool {
	return !evidence.RandomAccess(c)
}

// safely runs fn, turning a panic (in code reading hostile content) into
// an error, so that one bad item never ends a scan.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error (panic): %v", p)
		}
	}()
	return fn()
}

// looksLikeImage recognises the image formats the perceptual hashers
// decode, from content only.
func looksLikeImage(h []byte) bool {
	_, ok := perceptual.Sniff(h)
	return ok
}

// fanout runs one goroutine per hash, so that the hashers of one item use
// several cores: MD5 alone is slower than SHA-1 and SHA-256 together.
type fanout struct {
	in []chan []byte
	wg sync.WaitGroup
}

// newFanout starts a goroutine per entry of w.feeds. Each writes to
// whatever hasher w.feeds holds at its index: the worker changes them only
// between items, when the goroutines are idle (the channel send orders it).
func newFanout(w *worker) *fanout {
	f := &fanout{}
	for i := range w.feeds {
		c := make(chan []byte, 1)
		f.in = append(f.in, c)
		go func() {
			for b := range c {
				w.feeds[i].Write(b)
				f.wg.Done()
			}
		}()
	}
	return f
}

// write hands b to every hasher; b must not change until wait returns.
func (f *fanout) write(b []byte) {
	f.wg.Add(len(f.in))
	for _, c := range f.in {
		c <- b
	}
}

func (f *fanout) wait() { f.wg.Wait() }

func (f *fanout) close() {
	for _, c := range f.in {
		close(c)
	}
}
