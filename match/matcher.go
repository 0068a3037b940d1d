package match

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/hashtriage/hashtriage/hashset"
)

// A Matcher answers, for a digest, which sets of a database hold it. It
// works over the memory-mapped segments of the sets loaded when it was
// opened and never copies their exact tables. A Matcher is safe for
// concurrent use; it does not own the database, which must stay open
// until the Matcher is closed.
type Matcher struct {
	sets  []hashset.SetInfo // sorted by name
	opts  Options
	algs  []hashset.Algorithm
	exact [16][]exactRef
	perc  [16][]*percRef
}

type exactRef struct {
	set int // index into sets
	t   *hashset.Table
	x   *exactIndex
}

// percRef is one perceptual table; its Hamming index is built on first use
// so that opening stays cheap.
type percRef struct {
	set  int
	t    *hashset.Table
	once sync.Once
	idx  hammingIndex
}

// Open builds a Matcher over every set of db. It maps each set's segment
// (checking its header and layout, not its checksums: see hashset.DB.Verify)
// and fails, naming the set and file, if one is missing or damaged.
//
// The thresholds in opts are used as given (see Options): pass
// DefaultOptions() for the documented defaults. A threshold of 0 asks for
// identical perceptual hashes only; a negative one turns that kind of
// perceptual matching off.
func Open(db *hashset.DB, opts Options) (*Matcher, error) {
	m := &Matcher{sets: db.Sets(), opts: opts}
	var have [16]bool
	for si, info := range m.sets {
		seg, err := db.Segment(info.Name)
		if err != nil {
			return nil, err
		}
		for _, t := range seg.Tables() {
			a := t.Algorithm()
			if int(a) >= len(have) || t.Len() == 0 {
				continue
			}
			switch {
			case a.Exact():
				m.exact[a] = append(m.exact[a], exactRef{set: si, t: t, x: newExactIndex(t)})
			case a.Perceptual():
				m.perc[a] = append(m.perc[a], &percRef{set: si, t: t})
			default:
				continue
			}
			have[a] = true
		}
	}
	for _, a := range hashset.Algorithms() {
		if have[a] {
			m.algs = append(m.algs, a)
		}
	}
	return m, nil
}

// Algorithms returns the algorithms some loaded set holds, in the order of
// hashset.Algorithms: a scan needs to compute only these.
func (m *Matcher) Algorithms() []hashset.Algorithm { return slices.Clone(m.algs) }

// Sets returns the catalog records of the loaded sets, sorted by name.
func (m *Matcher) Sets() []hashset.SetInfo { return slices.Clone(m.sets) }

// Options returns the thresholds in force.
func (m *Matcher) Options() Options { return m.opts }

// Close releases the Matcher's indexes. It does not close the database.
func (m *Matcher) Close() error {
	m.exact = [16][]exactRef{}
	m.perc = [16][]*percRef{}
	return nil
}

// Lookup returns the set entries that match.
//
// For an exact algorithm (MD5, SHA-1, SHA-256) digests[0] is looked up and
// every entry holding it is returned, with distance 0, in set-name order
// and, within a set, in list order. A miss costs a bloom filter test per
// set and allocates nothing.
//
// For a perceptual algorithm every entry within the threshold of any of
// the given digests (e.g. the 8 dihedral variants of a PDQ hash) is
// returned once, with its smallest distance, sorted by distance, then set
// name, then position in the set's table.
//
// Digests of the wrong length match nothing.
func (m *Matcher) Lookup(alg hashset.Algorithm, digests ...[]byte) []Match {
	if len(digests) == 0 || int(alg) >= len(m.exact) {
		return nil
	}
	if alg.Exact() {
		return m.lookupExact(alg, digests[0])
	}
	if alg.Perceptual() {
		return m.lookupPerceptual(alg, digests)
	}
	return nil
}

func (m *Matcher) lookupExact(alg hashset.Algorithm, d []byte) []Match {
	var out []Match
	for _, r := range m.exact[alg] {
		lo, hi := r.x.find(d)
		out = m.appendExact(out, r, lo, hi)
	}
	return out
}

// appendExact appends the matches of r's entries [lo, hi), all holding the
// same digest.
func (m *Matcher) appendExact(out []Match, r exactRef, lo, hi int) []Match {
	for i := lo; i < hi; i++ {
		out = append(out, m.match(r.set, r.t, i, 0))
	}
	return out
}

func (m *Matcher) match(set int, t *hashset.Table, i, dist int) Match {
	e := t.Entry(i)
	info := &m.sets[set]
	return Match{Set: info.Name, Kind: info.Kind, Algorithm: t.Algorithm(), Distance: dist,
		ID: e.Name(), Category: e.Category, Series: e.Series}
}

func (m *Matcher) threshold(alg hashset.Algorithm) int {
	if alg == hashset.PDQ {
		return m.opts.PDQThreshold
	}
	return m.opts.HashThreshold
}

func (m *Matcher) lookupPerceptual(alg hashset.Algorithm, digests [][]byte) []Match {
	maxDist := m.threshold(alg)
	if maxDist < 0 {
		return nil
	}
	qs := make([][]byte, 0, len(digests))
	for _, d := range digests {
		if len(d) == alg.Size() {
			qs = append(qs, d)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	type hit struct {
		set, row, dist int
		t              *hashset.Table
	}
	var hits []hit
	for _, r := range m.perc[alg] {
		r.once.Do(func() { r.idx = newHammingIndex(r.t) })
		best := map[int]int{}
		r.idx.searchAny(qs, maxDist, func(i, dist int) {
			if d, ok := best[i]; !ok || dist < d {
				best[i] = dist
			}
		})
		for i, d := range best {
			hits = append(hits, hit{set: r.set, row: i, dist: d, t: r.t})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.set, b.set), cmp.Compare(a.row, b.row))
	})
	out := make([]Match, 0, len(hits))
	for _, h := range hits {
		out = append(out, m.match(h.set, h.t, h.row, h.dist))
	}
	return out
}

// String describes the Matcher for logs.
func (m *Matcher) String() string {
	return fmt.Sprintf("match.Matcher(%d sets, algorithms %v)", len(m.sets), m.algs)
}
