package hashset

import (
	"fmt"

	"github.com/bits-and-blooms/bloom/v3"
)

// filterBatch is how many digests MayContainMany keeps in flight at once:
// enough independent loads to fill the core's outstanding-miss slots, few
// enough that the scratch arrays stay on the stack.
const filterBatch = 32

// minBatchedFilter is the filter size from which MayContainMany batches.
// A smaller filter stays in the CPU caches, where a probe is cheap and the
// batch's bookkeeping (bloom.Locations allocates) would cost more than it
// saves: with a 1.25 MB filter, one Test per digest took 44 ns a miss and
// the batched form 67 ns; with 12.5 MB, 210 ns and 100 ns.
const minBatchedFilter = 4 << 20

// MayContainMany sets out[i] to MayContain(ds[i]) for every digest, and
// answers the same, bit for bit: the same bloom hash, the same k locations
// modulo the filter's size, the same bits. It is faster than MayContain in a
// loop when most digests are absent and the filter is larger than the CPU
// caches: it computes the locations of up to 32 digests first, then loads
// the filter word of every digest's first location with no branch between
// the loads, so that the cache misses overlap instead of being waited for
// one after the other; later locations are probed the same way, only for
// the digests still possibly present. A filter small enough to stay in the
// caches (under 4 MiB) is simply tested digest by digest.
//
// out must be at least as long as ds; MayContainMany panics otherwise.
func (t *Table) MayContainMany(ds [][]byte, out []bool) {
	if len(out) < len(ds) {
		panic(fmt.Sprintf("hashset: MayContainMany: %d results for %d digests", len(out), len(ds)))
	}
	switch {
	case t.filter == nil:
		for i := range ds {
			out[i] = true
		}
	case len(t.filter.BitSet().Words())*8 < minBatchedFilter:
		for i, d := range ds {
			out[i] = t.filter.Test(d)
		}
	default:
		t.mayContainBatched(ds, out)
	}
}

// mayContainBatched is MayContainMany's batched form, for any filter.
func (t *Table) mayContainBatched(ds [][]byte, out []bool) {
	m, k := uint64(t.filter.Cap()), t.filter.K()
	// bloom.FromWithM keeps the words it was given, and setBloom checked
	// m <= 64*len(words), so every location modulo m indexes a word.
	words := t.filter.BitSet().Words()
	var (
		locs [filterBatch][]uint64
		live [filterBatch]uint8 // chunk positions of the digests not yet ruled out
		set  [filterBatch]uint8 // 1 if live[x]'s bit of the current probe is set
	)
	for base := 0; base < len(ds); base += filterBatch {
		chunk := ds[base:min(base+filterBatch, len(ds))]
		for j, d := range chunk {
			locs[j] = bloom.Locations(d, k)
			live[j] = uint8(j)
		}
		n := len(chunk)
		for probe := uint(0); probe < k && n > 0; probe++ {
			for x, j := range live[:n] {
				p := locs[j][probe] % m
				set[x] = uint8(words[p>>6] >> (p & 63) & 1)
			}
			kept := 0
			for x, j := range live[:n] {
				live[kept] = j
				kept += int(set[x])
			}
			n = kept
		}
		for j := range chunk {
			out[base+j] = false
		}
		for _, j := range live[:n] {
			out[base+int(j)] = true
		}
	}
}
