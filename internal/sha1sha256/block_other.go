//go:build !amd64 || purego

package sha1sha256

const haveSHANI = false

func block(s *state, p []byte) { panic("sha1sha256: no one-pass block function on this platform") }
