package match

import (
	"encoding/binary"

	"github.com/hashtriage/hashtriage/hashset"
)

// lookupBatch is how many digests LookupMany filters together per set.
const lookupBatch = 32

// A candidate is a digest of a batch that a set's bloom filter let through,
// with its fence bucket [lo, hi) in that set's table.
type candidate struct {
	j, r   int32  // position in the batch, index into the algorithm's refs
	lo, hi uint32 // a table holds at most 1<<32-1 entries
}

// LookupMany looks up many digests of one algorithm and calls fn(i, ms) once
// for every digests[i], in order, with exactly what Lookup(alg, digests[i])
// returns: nil on a miss, otherwise a new slice the caller may keep.
//
// For an exact algorithm (MD5, SHA-1, SHA-256) it is the faster way to look
// up many digests, most of them absent, as when checking a whole hash list
// against the database. The bloom-filter tests of 32 digests at a time are
// made together (see hashset.Table.MayContainMany), so that their memory
// accesses overlap instead of being waited for one by one; likewise the
// fence-index and first-entry reads of the digests a filter lets through.
// A perceptual digest is looked up alone, as Lookup(alg, digests[i]) does
// (pass a hash's variants to Lookup to match any of them).
//
// fn runs on the calling goroutine; the Matcher may be used from it.
func (m *Matcher) LookupMany(alg hashset.Algorithm, digests [][]byte, fn func(i int, ms []Match)) {
	if int(alg) >= len(m.exact) || !alg.Exact() {
		for i, d := range digests {
			fn(i, m.Lookup(alg, d))
		}
		return
	}
	refs := m.exact[alg]
	// Stack scratch for the common case (few sets; candidates are rare
	// among misses), kept small because it is zeroed on every call.
	var (
		mayBuf  [4 * lookupBatch]bool
		candBuf [lookupBatch]candidate
	)
	may, cands := mayBuf[:], candBuf[:0]
	if len(refs) > 4 {
		may = make([]bool, len(refs)*lookupBatch)
	}
	for base := 0; base < len(digests); base += lookupBatch {
		chunk := digests[base:min(base+lookupBatch, len(digests))]
		for r, ref := range refs {
			ref.t.MayContainMany(chunk, may[r*lookupBatch:])
		}
		cands = cands[:0]
		for j, d := range chunk {
			for r, ref := range refs {
				if may[r*lookupBatch+j] && len(d) == ref.x.w {
					cands = append(cands, candidate{j: int32(j), r: int32(r)})
				}
			}
		}
		// The fence buckets of all candidates, then the first entry of each
		// bucket: loads that do not depend on each other, so they overlap.
		for c := range cands {
			lo, hi := refs[cands[c].r].t.Bucket(chunk[cands[c].j])
			cands[c].lo, cands[c].hi = uint32(lo), uint32(hi)
		}
		for c := range cands {
			// A bucket whose first digest is already greater than d cannot
			// hold it; reading that digest brings it into the cache for
			// searchBucket otherwise.
			x, d, lo := refs[cands[c].r].x, chunk[cands[c].j], cands[c].lo
			if lo < cands[c].hi && x.leadingWord(int(lo)) > binary.BigEndian.Uint64(d) {
				cands[c].hi = lo
			}
		}
		c := 0
		for j := range chunk {
			var out []Match
			for ; c < len(cands) && int(cands[c].j) == j; c++ {
				ref := refs[cands[c].r]
				lo, hi := ref.x.searchBucket(chunk[j], int(cands[c].lo), int(cands[c].hi))
				out = m.appendExact(out, ref, lo, hi)
			}
			fn(base+j, out)
		}
	}
}
