package hashset

import (
	"fmt"
	"strings"
)

// Algorithm identifies the kind of digest an entry carries.
type Algorithm uint8

// The algorithms hashtriage knows. Exact digests are matched byte for byte;
// perceptual hashes by Hamming distance. PhotoDNA values are counted but
// cannot be matched (the algorithm is proprietary).
const (
	Unknown  Algorithm = iota
	MD5                // 16 bytes
	SHA1               // 20 bytes
	SHA256             // 32 bytes
	PDQ                // 32 bytes, perceptual (Hamming)
	AHash              // 8 bytes, goimagehash average hash, perceptual
	DHash              // 8 bytes, goimagehash difference hash, perceptual
	PHash              // 8 bytes, goimagehash perception hash, perceptual
	PhotoDNA           // 144 bytes, counted only
	numAlgorithms
)

var algorithmNames = [numAlgorithms]string{
	Unknown: "unknown", MD5: "md5", SHA1: "sha1", SHA256: "sha256", PDQ: "pdq",
	AHash: "ahash", DHash: "dhash", PHash: "phash", PhotoDNA: "photodna",
}

var algorithmSizes = [numAlgorithms]int{
	MD5: 16, SHA1: 20, SHA256: 32, PDQ: 32, AHash: 8, DHash: 8, PHash: 8, PhotoDNA: 144,
}

// Algorithms lists every known algorithm in a fixed order.
func Algorithms() []Algorithm {
	return []Algorithm{MD5, SHA1, SHA256, PDQ, AHash, DHash, PHash, PhotoDNA}
}

// String returns the lower-case name used on the command line and in reports.
func (a Algorithm) String() string {
	if a < numAlgorithms {
		return algorithmNames[a]
	}
	return fmt.Sprintf("algorithm(%d)", uint8(a))
}

// Size returns the digest length in bytes, or 0 for Unknown.
func (a Algorithm) Size() int {
	if a < numAlgorithms {
		return algorithmSizes[a]
	}
	return 0
}

// Perceptual reports whether digests of a are compared by Hamming distance.
func (a Algorithm) Perceptual() bool { return a == PDQ || a == AHash || a == DHash || a == PHash }

// Exact reports whether digests of a are compared for equality.
func (a Algorithm) Exact() bool { return a == MD5 || a == SHA1 || a == SHA256 }

// Matchable reports whether hashtriage can compute and match a.
func (a Algorithm) Matchable() bool { return a.Exact() || a.Perceptual() }

// ParseAlgorithm parses an algorithm name ("md5", "SHA-1", "sha256", "pdq", ...).
func ParseAlgorithm(s string) (Algorithm, error) {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	for a := MD5; a < numAlgorithms; a++ {
		if algorithmNames[a] == n {
			return a, nil
		}
	}
	return Unknown, fmt.Errorf("unknown hash algorithm %q", s)
}

// ExactBySize returns the exact algorithm whose digests have n bytes
// (16: MD5, 20: SHA-1, 32: SHA-256), or Unknown.
func ExactBySize(n int) Algorithm {
	switch n {
	case 16:
		return MD5
	case 20:
		return SHA1
	case 32:
		return SHA256
	}
	return Unknown
}

// DecodeHex decodes a hex digest of algorithm a, in either case, and checks
// its length. It is what every list reader applies to a digest.
func DecodeHex(a Algorithm, s string) ([]byte, error) {
	return decodeDigest(a, []byte(s))
}

// Empty-input digests: a list that holds them would flag every empty file.
var emptyDigests = map[Algorithm]string{
	MD5:    "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e",
	SHA1:   "\xda\x39\xa3\xee\x5e\x6b\x4b\x0d\x32\x55\xbf\xef\x95\x60\x18\x90\xaf\xd8\x07\x09",
	SHA256: "\xe3\xb0\xc4\x42\x98\xfc\x1c\x14\x9a\xfb\xf4\xc8\x99\x6f\xb9\x24\x27\xae\x41\xe4\x64\x9b\x93\x4c\xa4\x95\x99\x1b\x78\x52\xb8\x55",
}

// IsEmptyInputDigest reports whether d is the digest of zero bytes under a.
func IsEmptyInputDigest(a Algorithm, d []byte) bool {
	e, ok := emptyDigests[a]
	return ok && e == string(d)
}
