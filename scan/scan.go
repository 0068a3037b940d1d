// Package scan is the scanning pipeline: it walks evidence sources, reads
// every item once through exactly the hash functions the loaded sets need,
// asks a Matcher which sets hold the digests, and hands one Result per item
// to the caller.
//
// A bounded pool of workers reads and hashes items; a single goroutine
// delivers results to Config.OnResult, so the callback needs no locking.
// Memory is bounded by the number of workers and the queue lengths, not
// by the number of items: results are not kept.
//
// After an item's first block is read, evidence.Sniff decides whether it is
// a container. Disk images and volumes (Container.Disk) are not hashed as
// items, only expanded; archives are hashed and matched as items and then
// expanded. Children of containers go back into the worker pool when there
// is room and are processed inline otherwise, so expansion never deadlocks.
package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/cpuid/v2"
	md5simd "github.com/minio/md5-simd"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
)

// A Matcher answers which loaded sets hold a digest. *match.Matcher
// implements it; tests and library users may pass their own.
type Matcher interface {
	// Algorithms lists the algorithms the loaded sets hold: the scan
	// computes those and no others.
	Algorithms() []hashset.Algorithm
	// Lookup returns the entries that hold any of digests (for perceptual
	// algorithms: within the matcher's threshold of any of them).
	Lookup(alg hashset.Algorithm, digests ...[]byte) []match.Match
}

// A Digest is one computed hash of an item.
type Digest struct {
	Algorithm hashset.Algorithm
	Sum       []byte
	// Quality is PDQ's quality (0..100); -1 for algorithms without one.
	Quality int
	// Variants are further digests to look up but not to report, such as
	// PDQ's dihedral transforms (rotations and mirrors) of the image.
	Variants [][]byte
	// NotMatched, if set, says why this digest is reported but not looked
	// up, such as a PDQ quality under the minimum.
	NotMatched string
}

// ImageFunc computes perceptual hashes of an image for the algorithms
// algs (each one perceptual). f is the open item, readable with ReadAt
// from offset 0; the function must not keep it. A decoding failure is
// returned as an error and becomes an error record for the item.
type ImageFunc func(ctx context.Context, f evidence.File, algs []hashset.Algorithm) ([]Digest, error)

// Outcome is what became of one item.
type Outcome uint8

const (
	Unmatched Outcome = iota // read and hashed; no set holds it
	Matched                  // at least one alert set holds it (known matches, if any, are included)
	Known                    // only known sets hold it: counted, not a hit
	Failed                   // could not be read or examined: Err says why
	Skipped                  // not a regular file (Item.Type says what), never opened
	Expanded                 // a disk image or volume: not hashed itself, its items were scanned
)

func (o Outcome) String() string {
	return [...]string{"unmatched", "matched", "known", "failed", "skipped", "expanded"}[o]
}

// A Result reports one item.
type Result struct {
	Outcome Outcome
	Item    evidence.Item // Item.Open is nil: the item is closed by the time the result is delivered
	Digests []Digest      // in the order of Summary.Algorithms, then perceptual ones
	Matches []match.Match // alert matches first, then known, each in lookup order
	// NoAtime is true when the item was a host file opened with O_NOATIME.
	NoAtime bool
	Err     error // set when Outcome is Failed

	extra       bool   // a second result for an item already counted (e.g. an archive that could not be expanded)
	bytesRead   int64  // bytes read from the item
	hostOpen    bool   // the item was a host file that was opened
	notExamined string // what this item's failure left unexamined
	image       imageStatus
	note        bool                // not an item: only notExamined or diskImage for the summary, not delivered to OnResult
	diskImage   *evidence.ImageInfo // with note: a disk image's description for Summary.DiskImages
}

// Config is what Run needs.
type Config struct {
	// Matcher answers lookups. If nil, nothing is looked up and every item
	// that was read is Unmatched (hashtriage hash uses this).
	Matcher Matcher
	// Sources are walked in order.
	Sources []evidence.Source
	// Algorithms are computed in addition to those the Matcher needs.
	Algorithms []hashset.Algorithm
	// Jobs is the number of items read at once (default runtime.NumCPU();
	// 1 for a single spinning disk, where parallel reads mean seeking).
	Jobs int
	// OnResult receives every result, from one goroutine at a time. An
	// error stops the scan and is returned by Run.
	OnResult func(Result) error
	// Progress, if set, is called from the workers (concurrently) with the
	// bytes read and items finished since the previous call.
	Progress func(bytes, items int64)
	// Limits bound container expansion (zero: evidence.DefaultLimits()).
	Limits evidence.Limits
	// Image computes perceptual hashes; it is called only for items that
	// sniff as images, and only when a perceptual algorithm is wanted.
	Image ImageFunc
	// BufferSize is the read size per item (default 1 MiB).
	BufferSize int
	// MD5Lanes is how many items may be hashed at once through the SIMD
	// MD5 lanes (github.com/minio/md5-simd) when MD5 is computed. MD5 is
	// the slowest common hash and cannot be split within one item; SIMD
	// lanes hash many items at once, which pays only when many items are
	// in flight: the pool then runs max(Jobs, MD5Lanes) workers. Zero
	// picks 16 where the CPU has AVX2 and Jobs > 1 (not for a single
	// spinning disk); a negative value turns the lanes off. Items smaller
	// than 64 KiB always use the standard library's MD5. Turn them off
	// when tracing a scan (runtime/trace, go test -trace) or profiling
	// blocking: md5-simd v1.1.2's scalar routine overwrites the frame
	// pointer, and the tracer, which unwinds stacks by frame pointers,
	// can then crash the process.
	MD5Lanes int
	// VerifyImages recomputes the media hashes of every E01 image scanned
	// and compares them with the stored ones (Summary.DiskImages); each bad
	// chunk range becomes a Failed result naming the image.
	VerifyImages bool
}

// Summary counts what a scan did.
type Summary struct {
	Items     int64 // items seen, container members included; disk images and volumes that were only expanded are counted in Expanded instead
	Bytes     int64 // bytes read and hashed
	Matched   int64 // items that matched an alert set
	Known     int64 // items that matched only known sets
	Unmatched int64 // items read that matched no set
	Errors    int64 // error results (an archive that is read but cannot be expanded counts once more)
	Skipped   int64 // items never opened: symbolic links, FIFOs, sockets, devices
	// SkippedByType counts skipped items by evidence.Type name.
	SkippedByType map[string]int64
	Expanded      int64 // disk images and volumes expanded without being hashed

	// Images counts items that sniffed as images and went through the
	// image step (Config.Image); of those, ImagesTooSmall were under
	// perceptual.MinDimension pixels on a side and ImagesLowQuality had a
	// perceptual hash too featureless to match (PDQ quality under the
	// minimum): neither was matched perceptually. ImagesFailed could not
	// be decoded or hashed (each also an error record).
	Images           int64
	ImagesTooSmall   int64
	ImagesLowQuality int64
	ImagesFailed     int64

	NoAtime   int64 // host files opened with O_NOATIME (access time untouched)
	WithAtime int64 // host files the kernel would not open with O_NOATIME

	// Algorithms are the digests computed for every item read, in order.
	Algorithms []hashset.Algorithm
	// Perceptual are the perceptual kinds computed for images.
	Perceptual []hashset.Algorithm
	// NotExamined says what the scan knowingly did not look at.
	NotExamined []string
	// DiskImages describes every disk image expanded (E01 acquisition header,
	// stored hashes and, with Config.VerifyImages, their check), sorted by
	// locator.
	DiskImages []evidence.ImageInfo

	Interrupted bool // the context was cancelled before every item was read
	Started     time.Time
	Finished    time.Time
}

// Elapsed is Finished - Started.
func (s Summary) Elapsed() time.Duration { return s.Finished.Sub(s.Started) }

// Run scans cfg.Sources. It returns when every item has been reported, when
// ctx is cancelled (then Summary.Interrupted is set and the error is nil:
// an interrupted scan is still a scan whose summary must be written), or
// when OnResult fails (then that error is returned).
func Run(ctx context.Context, cfg Config) (Summary, error) {
	s := &scanner{cfg: cfg}
	if s.cfg.Jobs <= 0 {
		s.cfg.Jobs = runtime.NumCPU()
	}
	if s.cfg.BufferSize <= 0 {
		s.cfg.BufferSize = 1 << 20
	}
	if s.cfg.BufferSize < evidence.SniffSize {
		s.cfg.BufferSize = evidence.SniffSize
	}
	if s.cfg.Limits == (evidence.Limits{}) {
		s.cfg.Limits = evidence.DefaultLimits()
	}
	s.cfg.Limits.VerifyImages = s.cfg.Limits.VerifyImages || cfg.VerifyImages
	s.exact, s.perceptual = s.algorithms()
	workers := s.cfg.Jobs
	if lanes := s.md5Lanes(); lanes > 0 {
		s.md5srv = md5simd.NewServer()
		defer s.md5srv.Close()
		workers = max(workers, lanes)
	}
	s.workers = workers
	s.sum = Summary{Started: time.Now().UTC(), SkippedByType: map[string]int64{}, Algorithms: s.exact, Perceptual: s.perceptual}
	if len(s.perceptual) > 0 && cfg.Image == nil {
		s.sum.NotExamined = append(s.sum.NotExamined, fmt.Sprintf("perceptual hashes (%v) not computed: no image hasher is configured", s.perceptual))
		s.perceptual = nil
		s.sum.Perceptual = nil
	}
	return s.run(ctx)
}

// md5Lanes returns the number of SIMD MD5 lanes to use, 0 for none.
func (s *scanner) md5Lanes() int {
	if !slices.Contains(s.exact, hashset.MD5) || s.cfg.MD5Lanes < 0 {
		return 0
	}
	if s.cfg.MD5Lanes > 0 {
		return s.cfg.MD5Lanes
	}
	if s.cfg.Jobs > 1 && cpuid.CPU.Supports(cpuid.AVX2) {
		return 16
	}
	return 0
}

// algorithms returns the exact and the perceptual algorithms to compute,
// in hashset order, without duplicates.
func (s *scanner) algorithms() (exact, perceptual []hashset.Algorithm) {
	want := map[hashset.Algorithm]bool{}
	for _, a := range s.cfg.Algorithms {
		want[a] = true
	}
	if s.cfg.Matcher != nil {
		for _, a := range s.cfg.Matcher.Algorithms() {
			want[a] = true
		}
	}
	for _, a := range hashset.Algorithms() {
		switch {
		case !want[a]:
		case a.Exact():
			exact = append(exact, a)
		case a.Perceptual():
			perceptual = append(perceptual, a)
		}
	}
	return exact, perceptual
}

type scanner struct {
	cfg        Config
	workers    int
	md5srv     md5simd.Server // nil unless MD5 lanes are in use
	exact      []hashset.Algorithm
	perceptual []hashset.Algorithm

	work    chan task
	results chan Result
	pending sync.WaitGroup // items sent to work and not yet finished

	// emptyKnown are the known matches of the digests of empty input,
	// looked up once (see lookup).
	emptyOnce  sync.Once
	emptyKnown []match.Match

	sum       Summary // touched by the collector only
	sinkErr   error
	cancelled atomic.Bool
}

func (s *scanner) run(parent context.Context) (Summary, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	s.work = make(chan task, 4*s.workers)
	s.results = make(chan Result, 4*s.workers)

	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range s.results {
			s.count(r)
			if r.note {
				continue
			}
			if s.sinkErr == nil && s.cfg.OnResult != nil {
				if err := s.cfg.OnResult(r); err != nil {
					s.sinkErr = err
					cancel()
				}
			}
		}
	}()

	var workers sync.WaitGroup
	for i := 0; i < s.workers; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w := newWorker(s)
			defer w.close()
			for t := range s.work {
				w.run(ctx, t)
			}
		}()
	}

	walkErr := s.walk(ctx)
	s.pending.Wait() // every item, container members included, is finished
	close(s.work)
	workers.Wait()
	close(s.results)
	<-collected

	if ctx.Err() != nil && s.sinkErr == nil {
		s.sum.Interrupted = parent.Err() != nil
	}
	if s.cancelled.Load() {
		s.sum.Interrupted = true
	}
	s.sum.Finished = time.Now().UTC()
	slices.SortStableFunc(s.sum.DiskImages, func(a, b evidence.ImageInfo) int { return strings.Compare(a.Path, b.Path) })
	if s.sinkErr != nil {
		return s.sum, s.sinkErr
	}
	if walkErr != nil && !errors.Is(walkErr, context.Canceled) && !errors.Is(walkErr, context.DeadlineExceeded) {
		return s.sum, walkErr
	}
	return s.sum, nil
}

// walk feeds the items of every source to the workers. Items that need no
// reading (errors, non-regular files) are reported directly.
func (s *scanner) walk(ctx context.Context) error {
	for _, src := range s.cfg.Sources {
		err := src.Walk(ctx, func(it evidence.Item) error {
			if it.Err != nil || it.Type != evidence.Regular || it.Open == nil {
				s.emitDirect(it)
				return nil
			}
			s.pending.Add(1)
			select {
			case s.work <- task{item: it}:
				return nil
			case <-ctx.Done():
				s.pending.Done()
				return ctx.Err()
			}
		})
		if ctx.Err() != nil {
			s.cancelled.Store(true)
			return ctx.Err()
		}
		if err != nil {
			// The source as a whole failed part way: say so and go on
			// with the next one.
			s.emit(Result{Outcome: Failed, Item: evidence.Item{Path: fmt.Sprint(src)}, Err: err})
		}
	}
	return nil
}

// emitDirect reports an item that is not read. The summary item a disk
// walk sends (Unexamined non-nil) is not an item: what it lists goes to
// Summary.NotExamined.
func (s *scanner) emitDirect(it evidence.Item) {
	if it.Image != nil {
		s.emit(Result{Item: evidence.Item{Path: it.Path, Depth: it.Depth}, note: true, diskImage: it.Image})
		return
	}
	if it.Unexamined != nil {
		for _, g := range it.Unexamined {
			where := it.Path
			if g.Volume != "" {
				where += "!" + g.Volume
			}
			note := fmt.Sprintf("%s: %s, %d bytes", where, g.Reason, g.Length)
			if g.Offset >= 0 {
				note += fmt.Sprintf(" at offset %d", g.Offset)
			}
			s.emit(Result{Item: evidence.Item{Path: it.Path, Depth: it.Depth}, note: true, notExamined: note})
		}
		return
	}
	s.emit(directResult(it))
}

// directResult is the result of an item that is not read.
func directResult(it evidence.Item) Result {
	it.Open = nil
	switch {
	case it.Err != nil:
		return Result{Outcome: Failed, Item: it, Err: it.Err}
	case it.Type != evidence.Regular:
		return Result{Outcome: Skipped, Item: it}
	default:
		return Result{Outcome: Failed, Item: it, Err: fmt.Errorf("%s: regular item that cannot be opened", it.Path)}
	}
}

func (s *scanner) emit(r Result) {
	r.Item.Open = nil
	s.results <- r
}

// count updates the summary; only the collector goroutine calls it.
func (s *scanner) count(r Result) {
	if r.note {
		if r.notExamined != "" {
			s.sum.NotExamined = append(s.sum.NotExamined, r.notExamined)
		}
		if r.diskImage != nil {
			s.sum.DiskImages = append(s.sum.DiskImages, *r.diskImage)
		}
		return
	}
	s.sum.Bytes += r.bytesRead
	if r.hostOpen {
		if r.NoAtime {
			s.sum.NoAtime++
		} else {
			s.sum.WithAtime++
		}
	}
	if !r.extra && r.Outcome != Expanded {
		s.sum.Items++
	}
	switch r.Outcome {
	case Unmatched:
		s.sum.Unmatched++
	case Matched:
		s.sum.Matched++
	case Known:
		s.sum.Known++
	case Failed:
		s.sum.Errors++
	case Skipped:
		s.sum.Skipped++
		s.sum.SkippedByType[r.Item.Type.String()]++
	case Expanded:
		s.sum.Expanded++
	}
	s.countImage(r.image)
	if r.notExamined != "" {
		s.sum.NotExamined = append(s.sum.NotExamined, r.notExamined)
	}
}

// Exit codes of hashtriage scan, as docs/DESIGN.md fixes them.
const (
	ExitClean      = 0 // nothing matched an alert set and every item was read
	ExitMatch      = 1 // at least one item matched an alert set
	ExitIncomplete = 2 // no alert match, but some items could not be read (or the scan was interrupted)
	ExitFailed     = 3 // the scan could not run
)

// ExitCode is the exit status a scan with this summary ends with. An
// interrupted scan did not read every item, so without an alert match it
// ends with ExitIncomplete.
func (s Summary) ExitCode() int {
	switch {
	case s.Matched > 0:
		return ExitMatch
	case s.Errors > 0 || s.Interrupted:
		return ExitIncomplete
	}
	return ExitClean
}
