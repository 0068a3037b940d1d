package match

import (
	"bytes"
	"encoding/binary"

	"github.com/hashtriage/hashtriage/hashset"
)

// exactIndex finds a digest in one sorted table: the table's bloom filter
// answers most misses alone; a candidate is then looked up in the bucket of
// the table's fence index (entries sharing the digest's leading bits, about
// eight of them) by binary search.
type exactIndex struct {
	t       *hashset.Table
	w       int
	digests []byte
}

func newExactIndex(t *hashset.Table) *exactIndex {
	return &exactIndex{t: t, w: t.Algorithm().Size(), digests: t.Digests()}
}

// find returns the entries [lo, hi) whose digest is d (empty if none).
func (x *exactIndex) find(d []byte) (lo, hi int) {
	if len(d) != x.w || !x.t.MayContain(d) {
		return 0, 0
	}
	return x.search(d)
}

// search is find without the bloom filter test: for a digest of the
// table's width that the filter may hold.
func (x *exactIndex) search(d []byte) (lo, hi int) {
	lo, hi = x.t.Bucket(d)
	return x.searchBucket(d, lo, hi)
}

// leadingWord returns the leading 8 bytes of entry i's digest, big-endian.
func (x *exactIndex) leadingWord(i int) uint64 {
	return binary.BigEndian.Uint64(x.digests[i*x.w:])
}

// searchBucket is search within the bucket [lo, hi) that Table.Bucket gave
// for d.
func (x *exactIndex) searchBucket(d []byte, lo, hi int) (int, int) {
	w := x.w
	key := binary.BigEndian.Uint64(d) // every exact digest has at least 8 bytes
	for lo < hi {                     // first entry >= d, comparing leading words before whole digests
		mid := int(uint(lo+hi) >> 1)
		e := x.digests[mid*w : mid*w+w]
		k := binary.BigEndian.Uint64(e)
		if k < key || k == key && bytes.Compare(e[8:], d[8:]) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	end := lo
	n := len(x.digests) / w
	for end < n && bytes.Equal(x.digests[end*w:end*w+w], d) {
		end++
	}
	return lo, end
}
