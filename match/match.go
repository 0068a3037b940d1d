// Package match answers, for a digest, which loaded hash sets hold it: exact
// digests through sorted tables behind bloom pre-filters, perceptual hashes
// (PDQ, aHash/dHash/pHash) through Hamming-distance indexes.
package match

import "github.com/hashtriage/hashtriage/hashset"

// A Match is one set entry that a digest matched.
type Match struct {
	Set       string            `json:"set"`
	Kind      hashset.Kind      `json:"kind"`
	Algorithm hashset.Algorithm `json:"-"`
	Distance  int               `json:"distance"` // 0 for exact algorithms, Hamming distance for perceptual ones
	ID        string            `json:"id"`       // the entry's id in its list, or its 1-based line number
	Category  string            `json:"category,omitempty"`
	Series    string            `json:"series,omitempty"`
}

// Options tune a Matcher. Every value is used as given: start from
// DefaultOptions and change what you need. A threshold of 0 matches
// identical perceptual hashes only; a negative threshold turns that kind of
// perceptual matching off. (The zero Options therefore matches perceptual
// hashes at distance 0 only; it does not mean "the defaults".)
type Options struct {
	PDQThreshold  int // maximum Hamming distance for PDQ matches (default 31)
	HashThreshold int // maximum Hamming distance for aHash/dHash/pHash matches (default 10)
}

// DefaultOptions returns the documented defaults: PDQ within 31 bits (the
// PDQ authors' recommendation, perceptual.PDQThreshold), aHash, dHash and
// pHash within 10 bits.
func DefaultOptions() Options { return Options{PDQThreshold: 31, HashThreshold: 10} }
