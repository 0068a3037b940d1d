//go:build !amd64

package match

import "unsafe"

// hasAVX512Pass and hasAVX2Pass are false: the vector bucket scans exist
// only on amd64.
const (
	hasAVX512Pass = false
	hasAVX2Pass   = false
)

// prefetch does nothing here: the scan still works, with the cache misses
// exposed.
func prefetch([]span) {}

// bucketPassAVX512 is never called where hasAVX512Pass is false.
func bucketPassAVX512(hi, lo unsafe.Pointer, n int, qHi, qLo, limit uint64) uint64 {
	panic("match: bucketPassAVX512 called without AVX-512")
}

// bucketPassAVX2 is never called where hasAVX2Pass is false.
func bucketPassAVX2(hi, lo unsafe.Pointer, n int, qHi, qLo, limit uint64) uint64 {
	panic("match: bucketPassAVX2 called without AVX2")
}
