//go:build !amd64

package ewf

// adlerSum returns the Adler-32 checksum of p (RFC 1950).
func adlerSum(p []byte) uint32 { return adlerGeneric(p) }
