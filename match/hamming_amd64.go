package match

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAVX512Pass reports whether bucketPassAVX512 can run here (Ice Lake,
// Zen 4 and later: AVX-512 with VPOPCNTQ; BMI2 for SHLX).
var hasAVX512Pass = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VPOPCNTDQ && cpu.X86.HasBMI2

// hasAVX2Pass reports whether bucketPassAVX2 can run here (Haswell, Zen 1
// and later).
var hasAVX2Pass = cpu.X86.HasAVX2 && cpu.X86.HasBMI2

//go:noescape
func prefetchSpans(spans *span, n int)

//go:noescape
func bucketPassAVX512(hi, lo unsafe.Pointer, n int, qHi, qLo, limit uint64) uint64

//go:noescape
func bucketPassAVX2(hi, lo unsafe.Pointer, n int, qHi, qLo, limit uint64) uint64

// prefetch starts loading every cache line of the spans into the cache.
func prefetch(spans []span) {
	if len(spans) > 0 {
		prefetchSpans(&spans[0], len(spans))
	}
}
