//go:build !amd64

package ewf

// fastSymbols is fastSymbolsGeneric: there is no assembly loop for this
// architecture.
func fastSymbols(lit, dist []uint32, dst []byte, out int, src []byte, pos int, bits uint64, n uint) (int, int, uint64, uint, int, int) {
	return fastSymbolsGeneric(lit, dist, dst, out, src, pos, bits, n)
}
