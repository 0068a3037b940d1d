package match

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// This file holds the Hamming-distance indexes for perceptual hashes: a
// multi-index hashing (MIH) structure after Norouzi, Punjani and Fleet,
// "Fast Search in Hamming Space with Multi-Index Hashing" (CVPR 2012).
//
// The hash is cut into m disjoint chunks. If dist(q, h) ≤ d and radii r_i
// satisfy Σ(r_i+1) ≥ d+1, some chunk i differs in at most r_i bits (otherwise
// the chunk distances would add up to more than d). So probing, for every
// chunk i, every key within r_i bits of the query's chunk finds every hash
// within d. Radii are chosen per query distance by a small dynamic program that
// minimises the expected work, and when that work exceeds a linear scan the
// index scans linearly instead. Candidates found by several chunks (or, in
// SearchAny, several query variants) are verified once, through a bitset.
//
// Each chunk table is a counting sort of hash ids by the chunk's value:
// offsets[v]..offsets[v+1] delimit, in ids, the hashes whose chunk equals v.
// Index64 picks chunks of about log2(n) bits, so that a bucket holds about
// one id. Index256 (PDQ at d = 31) instead uses chunks of about log2(n)-7
// bits, at least 16 (16 at one and at ten million hashes), i.e. fewer,
// larger buckets, and keeps beside each id a 96-bit fingerprint of the hash's other
// bits: a bucket is then screened by a sequential scan (a lower bound on the
// distance, so no match is lost), and only the rare hash whose fingerprint
// is close enough is fetched. This trades memory (16 bytes per hash per
// chunk) for far fewer random reads than the ids-only layout, which fetched
// a hash for every candidate. The screening is software-pipelined with
// prefetches over all probed buckets of a search, and vectorised with
// AVX-512 VPOPCNTQ or AVX2 where the processor has them (hamming_amd64.s).

// ErrHashLength is returned when a flat hash slice is not a whole number of hashes.
var ErrHashLength = errors.New("hash data length is not a multiple of the hash size")

// Work estimates (nanoseconds) used to plan a query; measured on a 2-vCPU
// AMD EPYC VM, they only need to be right within a factor of two or so.
const (
	costProbe     = 12.0  // look up one bucket: offsets miss plus ids miss
	costCandidate = 14.0  // dedupe bit, random fetch of a hash, popcount
	costLinear256 = 2.0   // sequential scan of one 256-bit hash, one query
	costLinearAny = 1.125 // the same per variant when 8 variants share a pass
	costLinear64  = 1.0   // sequential scan of one 64-bit hash

	// Index256 scans its buckets' fingerprints sequentially and fetches a
	// hash only for the entries the fingerprint cannot rule out. Fitted to
	// two layouts at 10 M hashes, d = 31, 8 variants, with the pipelined,
	// vectorised scan: 14 chunks (7,632 probes and 175 k entries a query,
	// ~0.71 ms) and 16 chunks (2,176 probes, 332 k entries, ~0.60 ms).
	costProbeFP = 60.0 // find one bucket: offsets and bucket-start misses, partly overlapped
	costScanFP  = 1.4  // one 12-byte fingerprint in a sequential run
)

// fpBits is the width of the fingerprint kept beside each id in an
// Index256 chunk table: the 96 hash bits that follow the chunk (cyclically).
// A hash within d of the query is within d of it on those bits, so comparing
// fingerprints first never loses a match; a random hash passes at d = 31
// with probability 2·10^-4, so nearly every random fetch is avoided.
const fpBits = 96

// minIndexed is the smallest hash count for which chunk tables are built;
// below it a linear scan is as fast as anything.
const minIndexed = 512

// maxChunkWidth bounds chunk widths, and with them the offset tables, at
// 2^24 entries (64 MiB).
const maxChunkWidth = 24

// chunk describes one chunk: width bits starting at bit shift of 64-bit word
// word, running on into the next word when shift+width > 64.
type chunk struct {
	word  int
	shift uint
	width uint
}

func (c chunk) key(words []uint64) uint32 {
	v := words[c.word] >> c.shift
	if c.shift+c.width > 64 {
		v |= words[c.word+1] << (64 - c.shift)
	}
	return uint32(v) & (1<<c.width - 1)
}

// mih is the chunk-table part shared by Index256 and Index64.
type mih struct {
	n       int
	chunks  []chunk
	offsets [][]uint32 // per chunk, 1<<width + 1 entries
	ids     [][]uint32 // per chunk, n entries

	// plans[d][i] is the radius for chunk i at query distance d, nil for a
	// linear scan; plansMany is the same for searches of several variants,
	// where a linear pass is relatively cheaper per variant.
	plans, plansMany [][]int8
	pool             sync.Pool
	alwaysIndex      bool // tests: use the tables whenever a plan exists, never the cheaper linear scan
	// fingerprinted: the tables keep a fingerprint beside each id (Index256),
	// which changes the planner's costs.
	fingerprinted bool
}

// chunkLayout cuts totalBits bits into m chunks of near-equal width, the
// wider ones first.
func chunkLayout(totalBits, m int) []chunk {
	cs := make([]chunk, 0, m)
	pos := 0
	for j := 0; j < m; j++ {
		width := totalBits / m
		if j < totalBits%m {
			width++
		}
		cs = append(cs, chunk{word: pos / 64, shift: uint(pos % 64), width: uint(width)})
		pos += width
	}
	return cs
}

// chunkCount picks the number of chunks for n hashes of totalBits bits:
// chunks of about log2(n) bits, so that a bucket holds about one id (the
// optimum of Norouzi et al.), but never wider than maxChunkWidth. It returns
// 0 when n is too small for tables to beat a linear scan.
func chunkCount(n, totalBits int) int {
	if n < minIndexed {
		return 0
	}
	b := max(8, min(math.Log2(float64(n)), maxChunkWidth))
	m := int(math.Round(float64(totalBits) / b))
	return max(m, (totalBits+maxChunkWidth-1)/maxChunkWidth)
}

// scratch is the per-search state: a bitset of ids already verified and the
// list of ids set in it, so that clearing costs only what was touched.
type scratch struct {
	seen    []uint64
	touched []uint32 // ids set in seen, each once
	cands   []uint32 // ids gathered from buckets, with repeats
	keys    []uint32
	// Index256 only: the (variant, chunk) pairs and buckets of a search,
	// and the spans to prefetch.
	groups []probeGroup
	probes []probe
	spans  [2 * screenBlock]span
	bounds []uint32 // per probe: its bucket's first and end index
}

// firstSeen adds to s.touched, once each, the ids of cands not seen
// before in this search, and returns s.touched.
func (s *scratch) firstSeen(cands []uint32) []uint32 {
	seen, touched := s.seen, s.touched
	for _, id := range cands {
		bit := uint64(1) << (id & 63)
		if seen[id>>6]&bit == 0 {
			seen[id>>6] |= bit
			touched = append(touched, id)
		}
	}
	s.touched = touched
	return touched
}

func (m *mih) getScratch() *scratch {
	if s, ok := m.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{seen: make([]uint64, (m.n+63)/64)}
}

func (m *mih) putScratch(s *scratch) {
	if len(s.touched) > len(s.seen) {
		clear(s.seen)
	} else {
		for _, id := range s.touched {
			s.seen[id>>6] = 0
		}
	}
	s.touched = s.touched[:0]
	m.pool.Put(s)
}

// build fills the chunk tables with a counting sort per chunk; key(i, c)
// returns chunk c of hash i.
func (m *mih) build(totalBits, nchunks int, keyOf func(i int, c chunk) uint32, linearOne, linearMany float64) {
	if nchunks == 0 {
		return
	}
	// Chunks wider than maxChunkWidth would need oversized offset tables.
	nchunks = max(nchunks, (totalBits+maxChunkWidth-1)/maxChunkWidth)
	m.chunks = chunkLayout(totalBits, nchunks)
	m.offsets = make([][]uint32, len(m.chunks))
	m.ids = make([][]uint32, len(m.chunks))
	// One chunk per worker at a time: each needs 12 bytes of scratch per
	// hash, and the work is memory-bound, so more workers than cores only
	// add scratch.
	var wg sync.WaitGroup
	work := make(chan int, len(m.chunks))
	for ci := range m.chunks {
		work <- ci
	}
	close(work)
	for range min(runtime.GOMAXPROCS(0), len(m.chunks)) {
		wg.Go(func() {
			keys := make([]uint32, m.n)
			tmp := make([]uint64, m.n)
			for ci := range work {
				c := m.chunks[ci]
				for i := range keys {
					keys[i] = keyOf(i, c)
				}
				m.offsets[ci], m.ids[ci] = countingSort(keys, tmp, c.width)
			}
		})
	}
	wg.Wait()
	m.plans = m.plan(linearOne)
	m.plansMany = m.plan(linearMany)
}

// countingSort returns the chunk table for keys (width bits each): ids
// 0..len(keys)-1 ordered by key, ascending within a key, and offsets, where
// the ids with key v are ids[offsets[v]:offsets[v+1]]. tmp is scratch of
// len(keys). It sorts by the high half of the key bits first, into buckets
// small enough for the cache, then each bucket by the low half: a plain
// counting sort over 2^22 keys would miss the cache on nearly every write.
func countingSort(keys []uint32, tmp []uint64, width uint) (offsets, ids []uint32) {
	n := len(keys)
	loBits := (width + 1) / 2
	hiBits := width - loBits
	loMask := uint32(1)<<loBits - 1
	hiStart, next := highBuckets(keys, loBits, hiBits)
	for i, k := range keys {
		b := k >> loBits
		tmp[next[b]] = uint64(k&loMask)<<32 | uint64(i)
		next[b]++
	}
	offsets = make([]uint32, 1<<width+1)
	ids = make([]uint32, n)
	count := make([]uint32, 1<<loBits+1)
	for b := 0; b < 1<<hiBits; b++ {
		lo, hi := hiStart[b], hiStart[b+1]
		lowCounts(count, tmp[lo:hi], offsets[uint32(b)<<loBits:], lo)
		for _, e := range tmp[lo:hi] {
			v := e >> 32
			ids[lo+int(count[v])] = uint32(e)
			count[v]++
		}
	}
	offsets[1<<width] = uint32(n)
	return offsets, ids
}

// highBuckets is the first pass of countingSort: hiStart[b] is where the
// keys whose high bits (those above loBits) are b start in key order, with
// hiStart[1<<hiBits] = len(keys); next is a copy of the starts, to fill by.
func highBuckets(keys []uint32, loBits, hiBits uint) (hiStart, next []int) {
	hiStart = make([]int, 1<<hiBits+1)
	for _, k := range keys {
		hiStart[k>>loBits+1]++
	}
	for b := 1; b < len(hiStart); b++ {
		hiStart[b] += hiStart[b-1]
	}
	return hiStart, slices.Clone(hiStart[:1<<hiBits])
}

// lowCounts is the second pass of countingSort for one high bucket, whose
// entries (low key bits << 32 | id) start at first: it leaves in count[v]
// how many entries have a low key below v, and in offsets[v] where those
// with low key v start, for every v below len(count)-1.
func lowCounts(count []uint32, bucket []uint64, offsets []uint32, first int) {
	clear(count)
	for _, e := range bucket {
		count[e>>32+1]++
	}
	for v := 1; v < len(count); v++ {
		count[v] += count[v-1]
	}
	for v := range count[:len(count)-1] {
		offsets[v] = uint32(first) + count[v]
	}
}

// plan computes, for every query distance d, the chunk radii that minimise
// the expected work subject to Σ(r_i+1) ≥ d+1, or nil when a linear scan of
// all n hashes, at linearCost per hash and query variant, is cheaper.
func (m *mih) plan(linearCost float64) [][]int8 {
	maxD := 0
	for _, c := range m.chunks {
		maxD += int(c.width)
	}
	plans := make([][]int8, maxD+1)
	linear := float64(m.n) * linearCost
	if m.alwaysIndex {
		linear = math.Inf(1)
	}
	if !m.fingerprinted {
		// The work per bucket entry does not depend on d: one table serves all.
		radii, cost := m.solve(maxD+1, costProbe, func(int) float64 { return costCandidate })
		for d := 0; d <= maxD; d++ {
			if cost[d+1] < linear {
				plans[d] = radii(d + 1)
			}
		}
		return plans
	}
	// With fingerprints an entry costs a sequential compare plus, when the
	// fingerprint passes (probability falling fast as d drops), a random
	// fetch of the hash; so the plan is solved per distance.
	// Beyond about d = 80 nearly every fingerprint passes, the price is
	// constant, and one solution serves all those distances.
	allPass, allPassCost := m.solve(maxD+1, costProbeFP, func(int) float64 { return costScanFP + costCandidate })
	for d := 0; d <= maxD; d++ {
		radii, cost := allPass, allPassCost
		if pass := binomialCDF(fpBits, d); pass < 0.999 {
			radii, cost = m.solve(d+1, costProbeFP, func(int) float64 { return costScanFP + pass*costCandidate })
		}
		if cost[d+1] < linear {
			plans[d] = radii(d + 1)
		}
	}
	return plans
}

// solve runs the planner's dynamic program for radius sums up to need:
// cost[s] is the least expected work reaching Σ(r_i+1) ≥ s, and radii(s)
// the radii achieving it (-1: chunk not probed). perEntry(r) prices one
// bucket entry found at chunk radius r.
func (m *mih) solve(need int, probeCost float64, perEntry func(r int) float64) (radii func(s int) []int8, cost []float64) {
	const maxRadius = 6
	// best[i][s]: minimum cost over chunks i.. reaching a radius sum s
	// (capped at need). choice[i][s]: the radius taken at chunk i.
	inf := math.Inf(1)
	nc := len(m.chunks)
	best := make([][]float64, nc+1)
	choice := make([][]int8, nc)
	for i := range best {
		best[i] = make([]float64, need+1)
	}
	for s := 1; s <= need; s++ {
		best[nc][s] = inf
	}
	for i := nc - 1; i >= 0; i-- {
		choice[i] = make([]int8, need+1)
		w := int(m.chunks[i].width)
		bucket := float64(m.n) / math.Ldexp(1, w)
		for s := 0; s <= need; s++ {
			best[i][s], choice[i][s] = best[i+1][s], -1 // chunk not probed
			cost := 0.0
			for r := 0; r <= min(maxRadius, w); r++ {
				k := binomial(w, r)
				cost += k * (probeCost + bucket*perEntry(r))
				rest := max(0, s-(r+1))
				if c := cost + best[i+1][rest]; c < best[i][s] {
					best[i][s], choice[i][s] = c, int8(r)
				}
			}
		}
	}
	radii = func(s int) []int8 {
		out := make([]int8, nc)
		for i := 0; i < nc; i++ {
			r := choice[i][s]
			out[i] = r
			s = max(0, s-(int(r)+1))
		}
		return out
	}
	return radii, best[0]
}

// binomialCDF returns P(X ≤ k) for X ~ Binomial(n, 1/2): the chance that a
// random hash is within k of a query on n bits.
func binomialCDF(n, k int) float64 {
	if k < 0 {
		return 0
	}
	sum := 0.0
	for i := 0; i <= min(k, n); i++ {
		sum += binomial(n, i)
	}
	return min(1, sum/math.Ldexp(1, n))
}

func binomial(n, k int) float64 {
	r := 1.0
	for i := 0; i < k; i++ {
		r = r * float64(n-i) / float64(i+1)
	}
	return r
}

// probeKeys appends to keys every value within radius bits of key (width bits).
func probeKeys(keys []uint32, key uint32, width uint, radius int) []uint32 {
	keys = append(keys, key)
	limit := uint32(1) << width
	for k := 1; k <= radius && k <= int(width); k++ {
		// Gosper's hack: every width-bit mask with exactly k bits set.
		for mask := uint32(1)<<k - 1; mask < limit; {
			keys = append(keys, key^mask)
			c := mask & -mask
			r := mask + c
			mask = (((r ^ mask) >> 2) / c) | r
		}
	}
	return keys
}

// Index256 finds 256-bit hashes (PDQ) within a Hamming distance of a query.
// It never writes to the hash data it was built on, which may therefore be
// a read-only memory-mapped slice. An Index256 is safe for concurrent use.
//
// Each chunk table keeps, beside every id in bucket order, a 96-bit
// fingerprint (the hash bits that follow the chunk), so a bucket is screened
// by a sequential scan and a hash is fetched only when its fingerprint is
// close enough to the query's. Memory: 16 bytes per hash per chunk (4 for
// the id, 12 for the fingerprint) plus 4 bytes per possible chunk value: at
// 10 million hashes, 16 chunks of 16 bits, about 2.56 GB, besides the
// 320 MB of hashes; at one million, also 16 chunks, 260 MB. Each
// concurrent search also holds an n-bit bitset, its candidate lists and
// 16 bytes per probed bucket (35 KB for 8 variants at d = 31).
type Index256 struct {
	hashes []byte
	mih
	// recs[ci] holds the fingerprints of chunk ci's table, 12 bytes per id:
	// the bucket of ids[a:b] owns bytes 12a..12b, which hold first the b-a
	// little-endian uint64s of fingerprint bits fpStart..+63, then the b-a
	// uint32s of bits fpStart+64..+95 (bit positions modulo 256). So a
	// bucket is one contiguous run, and each half a plain vector. The slice
	// has recPad bytes of capacity beyond its length, for vector reads.
	recs [][]byte
	// scan selects the bucket scan: the best the processor has, or (tests,
	// benchmarks) a slower one to compare with.
	scan bucketScan
}

// bucketScan names an implementation of the bucket scan.
type bucketScan int

const (
	scanPortable bucketScan = iota // scanRun, pure Go
	scanAVX2                       // bucketPassAVX2
	scanAVX512                     // bucketPassAVX512
)

// bestBucketScan returns the fastest bucket scan this processor can run.
func bestBucketScan() bucketScan {
	switch {
	case hasAVX512Pass:
		return scanAVX512
	case hasAVX2Pass:
		return scanAVX2
	}
	return scanPortable
}

// recPad is the slack allocated after each fingerprint table, so that the
// vector scan may read a whole group of 8 past a bucket's last entry.
const recPad = 64

// chunkCount256 is the default chunking for n PDQ hashes: chunks of about
// log2(n)-7 bits but at least 16, so that a probed bucket holds some 15
// (one million hashes) to 150 (ten million) fingerprints, streamed and
// screened several at a time, rather than thousands of small buckets being
// probed at random (each probe costs about as much as 40 fingerprints). Measured at d = 31, 8 variants: 16 chunks of
// 16 bits at one million hashes (1.6× faster than 14 chunks) and at
// 10 million (1.2–1.4× faster than 14 chunks of 18–19 bits, for 13% more
// memory; 12 or 13 chunks were slower still). Larger n are extrapolated.
func chunkCount256(n int) int {
	if n < minIndexed {
		return 0
	}
	b := max(16, math.Log2(float64(n))-7)
	return max(int(math.Round(256/b)), (256+maxChunkWidth-1)/maxChunkWidth)
}

// NewIndex256 builds an index over hashes, n*32 bytes: hash i is
// hashes[32*i : 32*i+32], the big-endian bytes of its hex form.
func NewIndex256(hashes []byte) (*Index256, error) {
	n := len(hashes) / 32
	return newIndex256(hashes, chunkCount256(n), false)
}

// newIndex256 builds with nchunks chunks (0: linear scan only); alwaysIndex
// makes every search that can use the tables use them.
func newIndex256(hashes []byte, nchunks int, alwaysIndex bool) (*Index256, error) {
	if len(hashes)%32 != 0 {
		return nil, fmt.Errorf("match: PDQ index: %d bytes: %w", len(hashes), ErrHashLength)
	}
	n := len(hashes) / 32
	if uint64(n) > math.MaxUint32 {
		return nil, fmt.Errorf("match: PDQ index: %d hashes is more than the index can number", n)
	}
	ix := &Index256{hashes: hashes}
	ix.n, ix.alwaysIndex, ix.fingerprinted = n, alwaysIndex, true
	ix.scan = bestBucketScan()
	if nchunks > 0 {
		nchunks = max(nchunks, (256+maxChunkWidth-1)/maxChunkWidth)
		ix.chunks = chunkLayout(256, nchunks)
		nc := len(ix.chunks)
		ix.offsets, ix.ids = make([][]uint32, nc), make([][]uint32, nc)
		ix.recs = make([][]byte, nc)
		var wg sync.WaitGroup
		work := make(chan int, nc)
		for ci := range ix.chunks {
			work <- ci
		}
		close(work)
		// As in mih.build: one chunk per worker, memory-bound work. Each
		// worker holds 36 bytes of scratch per hash.
		for range min(runtime.GOMAXPROCS(0), nc) {
			wg.Go(func() {
				var sc fpSortScratch
				for ci := range work {
					ix.offsets[ci], ix.ids[ci], ix.recs[ci] = sortChunk256(hashes, ix.chunks[ci], &sc)
				}
			})
		}
		wg.Wait()
		ix.plans = ix.plan(costLinear256)
		ix.plansMany = ix.plan(costLinearAny)
	}
	return ix, nil
}

// fpSortScratch is a build worker's reusable scratch for sortChunk256.
type fpSortScratch struct {
	keys []uint32
	hi   []uint64
	lo   []uint32
	tmp  []uint64
	tHi  []uint64
	tLo  []uint32
}

// sortChunk256 builds the table of chunk c: the counting sort of
// countingSort, carrying each hash's fingerprint along, so that hashes are
// read once, in order, and every write lands in a cache-sized region. The
// fingerprints are laid out as Index256.recs describes.
func sortChunk256(hashes []byte, c chunk, sc *fpSortScratch) (offsets, ids []uint32, recs []byte) {
	n := len(hashes) / 32
	if len(sc.keys) != n {
		*sc = fpSortScratch{
			keys: make([]uint32, n), hi: make([]uint64, n), lo: make([]uint32, n),
			tmp: make([]uint64, n), tHi: make([]uint64, n), tLo: make([]uint32, n),
		}
	}
	start := c.fpStart()
	keys, hi, lo := sc.keys, sc.hi, sc.lo
	for i := range keys {
		h := words256(hashes[32*i:])
		keys[i] = c.key(h[:])
		hi[i], lo[i] = bitsAt(&h, start), uint32(bitsAt(&h, start+64))
	}
	width := c.width
	loBits := (width + 1) / 2
	hiBits := width - loBits
	loMask := uint32(1)<<loBits - 1
	hiStart, next := highBuckets(keys, loBits, hiBits)
	tmp, tHi, tLo := sc.tmp, sc.tHi, sc.tLo
	for i, k := range keys {
		b := k >> loBits
		p := next[b]
		tmp[p] = uint64(k&loMask)<<32 | uint64(i)
		tHi[p], tLo[p] = hi[i], lo[i]
		next[b]++
	}
	offsets = make([]uint32, 1<<width+1)
	ids = make([]uint32, n)
	recs = make([]byte, 12*n+recPad)[:12*n]
	count := make([]uint32, 1<<loBits+1)
	for b := 0; b < 1<<hiBits; b++ {
		first, last := hiStart[b], hiStart[b+1]
		offs := offsets[uint32(b)<<loBits:][:1<<loBits]
		lowCounts(count, tmp[first:last], offs, first)
		for j, e := range tmp[first:last] {
			v := e >> 32
			p := first + int(count[v])
			ids[p] = uint32(e)
			count[v]++
			// The bucket of low key v is ids[a:end]; entry p is its k-th.
			a, end := int(offs[v]), last
			if int(v)+1 < len(offs) {
				end = int(offs[v+1])
			}
			k := p - a
			binary.LittleEndian.PutUint64(recs[12*a+8*k:], tHi[first+j])
			binary.LittleEndian.PutUint32(recs[12*a+8*(end-a)+4*k:], tLo[first+j])
		}
	}
	offsets[1<<width] = uint32(n)
	return offsets, ids, recs
}

// tableBytes returns the memory held by the chunk tables.
func (ix *Index256) tableBytes() int {
	total := 0
	for ci := range ix.chunks {
		total += 4*len(ix.offsets[ci]) + 4*len(ix.ids[ci]) + cap(ix.recs[ci])
	}
	return total
}

// fpStart is the first bit of a chunk's fingerprint: the bit after the chunk.
func (c chunk) fpStart() uint {
	return (uint(c.word)*64 + c.shift + c.width) % 256
}

// bitsAt returns the 64 bits of h starting at bit start, wrapping around
// from bit 255 to bit 0.
func bitsAt(h *[4]uint64, start uint) uint64 {
	start %= 256
	w, sh := start/64, start%64
	// A shift by 64 yields 0 in Go, so sh == 0 needs no special case.
	return h[w]>>sh | h[(w+1)%4]<<(64-sh)
}

// Len returns the number of hashes in the index.
func (ix *Index256) Len() int { return ix.n }

// words256 loads a hash as four 64-bit words. The byte order is irrelevant to
// Hamming distance as long as queries and hashes are loaded alike;
// little-endian is a plain load on common hardware.
func words256(h []byte) [4]uint64 {
	_ = h[31]
	return [4]uint64{
		binary.LittleEndian.Uint64(h[0:]),
		binary.LittleEndian.Uint64(h[8:]),
		binary.LittleEndian.Uint64(h[16:]),
		binary.LittleEndian.Uint64(h[24:]),
	}
}

// Distance256 returns the Hamming distance between two 256-bit hashes.
func Distance256(a, b [32]byte) int {
	x, y := words256(a[:]), words256(b[:])
	return bits.OnesCount64(x[0]^y[0]) + bits.OnesCount64(x[1]^y[1]) +
		bits.OnesCount64(x[2]^y[2]) + bits.OnesCount64(x[3]^y[3])
}

// Search calls fn once for every hash i within maxDist of q, with its
// distance. Calls come in no particular order, but the same for the same
// index and query. A negative maxDist matches nothing; maxDist ≥ 256
// matches every hash.
func (ix *Index256) Search(q [32]byte, maxDist int, fn func(i, dist int)) {
	ix.SearchAny([][32]byte{q}, maxDist, fn)
}

// SearchAny calls fn once for every hash i within maxDist of at least one
// of qs (for PDQ, the 8 dihedral variants of an image's hash), with its
// minimum distance to them. Each candidate is verified once against all of
// qs, however many chunks and variants found it.
func (ix *Index256) SearchAny(qs [][32]byte, maxDist int, fn func(i, dist int)) {
	if maxDist < 0 || ix.n == 0 || len(qs) == 0 {
		return
	}
	qw := make([][4]uint64, 0, len(qs))
	for _, q := range qs {
		w := words256(q[:])
		dup := false
		for _, p := range qw {
			if p == w {
				dup = true
				break
			}
		}
		if !dup {
			qw = append(qw, w)
		}
	}
	plans := ix.plans
	if len(qw) > 1 {
		plans = ix.plansMany
	}
	if maxDist >= len(plans) || plans[maxDist] == nil {
		ix.linear(qw, maxDist, fn)
		return
	}
	radii := plans[maxDist]
	s := ix.getScratch()
	defer ix.putScratch(s)
	// Every probed bucket of every variant and chunk goes into one list, so
	// that its cache misses can be overlapped across the whole query; the
	// buckets' fingerprints are then screened in sequential runs, and only
	// ids that pass are gathered, deduplicated through the bitset and
	// verified once against all variants.
	groups, probes := s.groups[:0], s.probes[:0]
	for i := range qw {
		q := &qw[i]
		for ci, c := range ix.chunks {
			if radii[ci] < 0 {
				continue
			}
			key := c.key(q[:])
			start := c.fpStart()
			g := uint32(len(groups))
			groups = append(groups, probeGroup{qHi: bitsAt(q, start), qLo: uint32(bitsAt(q, start+64)), qkey: key, chunk: uint32(ci)})
			s.keys = probeKeys(s.keys[:0], key, c.width, int(radii[ci]))
			for _, k := range s.keys {
				probes = append(probes, probe{key: k, group: g})
			}
		}
	}
	s.groups, s.probes = groups, probes
	cands := ix.screen(s.cands[:0], probes, groups, maxDist, s)
	s.cands = cands
	unique := s.firstSeen(cands)
	hashes := ix.hashes
	if len(qw) == 1 {
		v := qw[0]
		for _, id := range unique {
			h := words256(hashes[32*int(id):])
			d := bits.OnesCount64(h[0]^v[0]) + bits.OnesCount64(h[1]^v[1]) +
				bits.OnesCount64(h[2]^v[2]) + bits.OnesCount64(h[3]^v[3])
			if d <= maxDist {
				fn(int(id), d)
			}
		}
		return
	}
	// Gather a block of hashes in a tight loop first, so that many fetches
	// are in flight at once, then compare the block with every variant.
	var block [256][4]uint64
	for len(unique) > 0 {
		ids := unique[:min(len(unique), len(block))]
		unique = unique[len(ids):]
		for j, id := range ids {
			block[j] = words256(hashes[32*int(id):])
		}
		for j, id := range ids {
			if best := minDistance(block[j], qw, maxDist); best <= maxDist {
				fn(int(id), best)
			}
		}
	}
}

// probeGroup is one (query variant, chunk) pair of a search: the
// variant's fingerprint bits for the chunk and its chunk value.
type probeGroup struct {
	qHi   uint64
	qLo   uint32
	qkey  uint32
	chunk uint32
}

// probe is one bucket to screen: a key of the chunk table of its group.
type probe struct {
	key   uint32
	group uint32
}

// span is a byte range [start, end) to prefetch. Addresses are only ever
// prefetched, which cannot fault, so plain integers are safe here.
type span struct {
	start, end uintptr
}

// The probed buckets are screened in blocks of screenBlock: while block k
// is scanned, the fingerprint runs of block k+1 and the offsets entries of
// block k+2 are being prefetched. (Measured at 10 M hashes: 8 and 16 the
// same within noise, prefetching two blocks of buckets ahead slower.)
const screenBlock = 16

// screen appends the ids in the probed buckets whose fingerprints are
// within maxDist, less the probe's own chunk distance, of the variant's.
// The distance on the fingerprint bits plus the chunk bits is a lower bound
// on the full distance, so no hash within maxDist is dropped.
//
// Every bucket start and every offsets read is a cache miss, so the scan is
// software-pipelined over all probes of the search (every variant and
// chunk): the offsets entries are prefetched two blocks ahead, then read
// one block ahead, when the buckets' fingerprint lines are prefetched. The
// previous design touched the lines with plain loads, which stalled the
// processor until they returned; prefetches retire at once.
func (ix *Index256) screen(cands []uint32, probes []probe, groups []probeGroup, maxDist int, sc *scratch) []uint32 {
	const B = screenBlock
	if cap(sc.bounds) < 2*len(probes) {
		sc.bounds = make([]uint32, 2*len(probes))
	}
	bounds := sc.bounds[:2*len(probes)]
	blocks := (len(probes) + B - 1) / B
	block := func(k int) (first int, block []probe) {
		return k * B, probes[k*B : min(len(probes), k*B+B)]
	}
	spans := sc.spans[:0]
	for k := 0; k < 2 && k < blocks; k++ {
		_, bl := block(k)
		spans = ix.offsetSpans(spans, bl, groups)
	}
	prefetch(spans)
	if blocks > 0 {
		_, bl := block(0)
		prefetch(ix.bounds(sc.spans[:0], bl, groups, bounds))
	}
	for k := 0; k < blocks; k++ {
		spans := sc.spans[:0]
		if k+2 < blocks {
			_, bl := block(k + 2)
			spans = ix.offsetSpans(spans, bl, groups)
		}
		if k+1 < blocks {
			f, bl := block(k + 1)
			spans = ix.bounds(spans, bl, groups, bounds[2*f:])
		}
		prefetch(spans)
		f, bl := block(k)
		for j, p := range bl {
			a, b := bounds[2*(f+j)], bounds[2*(f+j)+1]
			if a == b {
				continue
			}
			g := &groups[p.group]
			limit := maxDist - bits.OnesCount32(p.key^g.qkey)
			if limit < 0 {
				continue
			}
			cands = ix.scanBucket(cands, g.chunk, a, b, g.qHi, g.qLo, limit)
		}
	}
	return cands
}

// maxPrefetchRun bounds the bytes of one bucket prefetched ahead (a bucket
// of 16-bit chunks at 10 M hashes averages 1.8 KB).
const maxPrefetchRun = 4096

// offsetSpans appends the offsets entries (off[key], off[key+1]) of a
// block of probes.
func (ix *Index256) offsetSpans(sp []span, block []probe, groups []probeGroup) []span {
	for _, p := range block {
		off := ix.offsets[groups[p.group].chunk]
		start := uintptr(unsafe.Pointer(unsafe.SliceData(off))) + 4*uintptr(p.key)
		sp = append(sp, span{start: start, end: start + 8})
	}
	return sp
}

// bounds reads the bucket bounds of a block of probes into bnd (first,
// end pairs) and appends the buckets' fingerprint runs to sp.
func (ix *Index256) bounds(sp []span, block []probe, groups []probeGroup, bnd []uint32) []span {
	for j, p := range block {
		ci := groups[p.group].chunk
		off := ix.offsets[ci]
		a, b := off[p.key], off[p.key+1]
		bnd[2*j], bnd[2*j+1] = a, b
		if a < b {
			// The start of a huge bucket (duplicates) is enough: the
			// hardware prefetcher follows a sequential run.
			start := uintptr(unsafe.Pointer(unsafe.SliceData(ix.recs[ci]))) + 12*uintptr(a)
			sp = append(sp, span{start: start, end: start + min(12*uintptr(b-a), maxPrefetchRun)})
		}
	}
	return sp
}

// scanBucket appends the ids of bucket [a, b) of chunk ci whose
// fingerprints are within limit of (qHi, qLo).
func (ix *Index256) scanBucket(cands []uint32, ci uint32, a, b uint32, qHi uint64, qLo uint32, limit int) []uint32 {
	recs, ids := ix.recs[ci], ix.ids[ci]
	n := int(b - a)
	his := recs[12*int(a) : 12*int(a)+8*n]
	los := recs[12*int(a)+8*n : 12*int(b)]
	ids = ids[a:b]
	if ix.scan == scanPortable {
		return scanRun(cands, his, los, ids, qHi, qLo, limit)
	}
	for k0 := 0; k0 < n; k0 += 64 {
		var pass uint64
		if ix.scan == scanAVX512 {
			pass = bucketPassAVX512(unsafe.Pointer(&his[8*k0]), unsafe.Pointer(&los[4*k0]), min(64, n-k0), qHi, uint64(qLo), uint64(limit))
		} else {
			pass = bucketPassAVX2(unsafe.Pointer(&his[8*k0]), unsafe.Pointer(&los[4*k0]), min(64, n-k0), qHi, uint64(qLo), uint64(limit))
		}
		for pass != 0 {
			cands = append(cands, ids[k0+bits.TrailingZeros64(pass)])
			pass &= pass - 1
		}
	}
	return cands
}

// scanRun is the portable bucket scan: it appends ids[k] for every entry k
// of a run of fingerprints (his: their little-endian uint64 halves, los:
// their uint32 halves) within limit of (qHi, qLo).
func scanRun(cands []uint32, his, los []byte, ids []uint32, qHi uint64, qLo uint32, limit int) []uint32 {
	// Indexing rather than re-slicing keeps the slices loop-invariant, so
	// that the popcount's fallback call (amd64 before v2) does not make the
	// compiler spill them on every entry (2.5× slower).
	n := min(len(ids), len(his)/8, len(los)/4)
	for k := 0; k < n; k++ {
		if bits.OnesCount64(binary.LittleEndian.Uint64(his[8*k:])^qHi)+bits.OnesCount32(binary.LittleEndian.Uint32(los[4*k:])^qLo) <= limit {
			cands = append(cands, ids[k])
		}
	}
	return cands
}

// minDistance returns the smallest distance from h to any of qw, or a value
// above maxDist when none is within it. Half a hash usually suffices to rule
// a variant out, which halves the popcounts.
func minDistance(h [4]uint64, qw [][4]uint64, maxDist int) int {
	best := maxDist + 1
	for _, v := range qw {
		d := bits.OnesCount64(h[0]^v[0]) + bits.OnesCount64(h[1]^v[1])
		if d >= best {
			continue
		}
		d += bits.OnesCount64(h[2]^v[2]) + bits.OnesCount64(h[3]^v[3])
		best = min(best, d)
	}
	return best
}

// linear checks every hash against every query variant.
func (ix *Index256) linear(qw [][4]uint64, maxDist int, fn func(i, dist int)) {
	hashes := ix.hashes
	if len(qw) == 1 {
		v := qw[0]
		for i := 0; i < ix.n; i++ {
			h := words256(hashes[32*i:])
			d := bits.OnesCount64(h[0]^v[0]) + bits.OnesCount64(h[1]^v[1]) +
				bits.OnesCount64(h[2]^v[2]) + bits.OnesCount64(h[3]^v[3])
			if d <= maxDist {
				fn(i, d)
			}
		}
		return
	}
	for i := 0; i < ix.n; i++ {
		if best := minDistance(words256(hashes[32*i:]), qw, maxDist); best <= maxDist {
			fn(i, best)
		}
	}
}

// Index64 finds 64-bit hashes (goimagehash aHash, dHash, pHash) within a
// Hamming distance of a query, by multi-index hashing over chunks of the
// 64 bits, or by a linear popcount scan when that is cheaper. It keeps its
// own copy of the hashes (8 bytes each). An Index64 is safe for concurrent use.
type Index64 struct {
	hashes []uint64
	mih
}

// NewIndex64 builds an index over hashes, n*8 bytes, each a big-endian uint64.
func NewIndex64(hashes []byte) (*Index64, error) {
	return newIndex64(hashes, chunkCount(len(hashes)/8, 64), false)
}

func newIndex64(hashes []byte, nchunks int, alwaysIndex bool) (*Index64, error) {
	if len(hashes)%8 != 0 {
		return nil, fmt.Errorf("match: 64-bit hash index: %d bytes: %w", len(hashes), ErrHashLength)
	}
	n := len(hashes) / 8
	if uint64(n) > math.MaxUint32 {
		return nil, fmt.Errorf("match: 64-bit hash index: %d hashes is more than the index can number", n)
	}
	ix := &Index64{hashes: make([]uint64, n)}
	for i := range ix.hashes {
		ix.hashes[i] = binary.BigEndian.Uint64(hashes[8*i:])
	}
	ix.n, ix.alwaysIndex = n, alwaysIndex
	ix.build(64, nchunks, func(i int, c chunk) uint32 {
		return uint32(ix.hashes[i]>>c.shift) & (1<<c.width - 1)
	}, costLinear64, costLinear64)
	return ix, nil
}

// Len returns the number of hashes in the index.
func (ix *Index64) Len() int { return ix.n }

// Search calls fn once for every hash i within maxDist of q, with its
// distance, in no particular order (the same for the same index and query).
// A negative maxDist matches nothing; maxDist ≥ 64 matches every hash.
func (ix *Index64) Search(q uint64, maxDist int, fn func(i, dist int)) {
	if maxDist < 0 || ix.n == 0 {
		return
	}
	if maxDist >= len(ix.plans) || ix.plans[maxDist] == nil {
		for i, h := range ix.hashes {
			if d := bits.OnesCount64(h ^ q); d <= maxDist {
				fn(i, d)
			}
		}
		return
	}
	radii := ix.plans[maxDist]
	s := ix.getScratch()
	defer ix.putScratch(s)
	qw := []uint64{q}
	for ci, c := range ix.chunks {
		if radii[ci] < 0 {
			continue
		}
		s.keys = probeKeys(s.keys[:0], c.key(qw), c.width, int(radii[ci]))
		off, ids := ix.offsets[ci], ix.ids[ci]
		for _, key := range s.keys {
			for _, id := range ids[off[key]:off[key+1]] {
				bit := uint64(1) << (id & 63)
				if s.seen[id>>6]&bit != 0 {
					continue
				}
				s.seen[id>>6] |= bit
				s.touched = append(s.touched, id)
				if d := bits.OnesCount64(ix.hashes[id] ^ q); d <= maxDist {
					fn(int(id), d)
				}
			}
		}
	}
}
