package match

// legacyIndex256 is the previous Index256 design (chunks of about log2(n)
// bits, ids only, every candidate's hash fetched), kept in the tests so
// that benchmarks can compare it with the fingerprinted tables in one run.
type legacyIndex256 struct {
	hashes []byte
	mih
}

func newLegacyIndex256(hashes []byte) *legacyIndex256 {
	n := len(hashes) / 32
	ix := &legacyIndex256{hashes: hashes}
	ix.n = n
	ix.build(256, chunkCount(n, 256), func(i int, c chunk) uint32 {
		h := words256(hashes[32*i:])
		return c.key(h[:])
	}, costLinear256, costLinearAny)
	return ix
}

func (ix *legacyIndex256) SearchAny(qs [][32]byte, maxDist int, fn func(i, dist int)) {
	if maxDist < 0 || ix.n == 0 || len(qs) == 0 {
		return
	}
	qw := make([][4]uint64, 0, len(qs))
	for _, q := range qs {
		qw = append(qw, words256(q[:]))
	}
	plans := ix.plans
	if len(qw) > 1 {
		plans = ix.plansMany
	}
	radii := plans[maxDist]
	if radii == nil {
		panic("legacy index: no plan")
	}
	s := ix.getScratch()
	defer ix.putScratch(s)
	cands := s.cands[:0]
	for _, q := range qw {
		for ci, c := range ix.chunks {
			if radii[ci] < 0 {
				continue
			}
			s.keys = probeKeys(s.keys[:0], c.key(q[:]), c.width, int(radii[ci]))
			cands = legacyGather(cands, s.keys, ix.offsets[ci], ix.ids[ci])
		}
	}
	s.cands = cands
	unique := s.firstSeen(cands)
	var block [256][4]uint64
	for len(unique) > 0 {
		ids := unique[:min(len(unique), len(block))]
		unique = unique[len(ids):]
		for j, id := range ids {
			block[j] = words256(ix.hashes[32*int(id):])
		}
		for j, id := range ids {
			if best := minDistance(block[j], qw, maxDist); best <= maxDist {
				fn(int(id), best)
			}
		}
	}
}

func legacyGather(cands, keys, off, ids []uint32) []uint32 {
	var lo, hi [64]uint32
	for len(keys) > 0 {
		block := keys[:min(len(keys), len(lo))]
		keys = keys[len(block):]
		for j, key := range block {
			lo[j], hi[j] = off[key], off[key+1]
		}
		for j := range block {
			cands = append(cands, ids[lo[j]:hi[j]]...)
		}
	}
	return cands
}
