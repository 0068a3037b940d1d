//go:build amd64 && !purego

package sha1sha256

import "github.com/klauspost/cpuid/v2"

// haveSHANI: block needs the SHA extensions and SSSE3 (PSHUFB) / SSE4.1.
var haveSHANI = cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4)

// block hashes p, a whole number of blocks, into both states.
//
//go:noescape
func block(s *state, p []byte)
