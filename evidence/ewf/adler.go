package ewf

// adlerSum returns the Adler-32 checksum of p (RFC 1950). It computes what
// hash/adler32.Checksum does, unrolled further: every chunk of the media
// passes through it, and it is a visible part of the cost of reading an
// image.
func adlerSum(p []byte) uint32 {
	const (
		mod  = 65521
		nmax = 5552 // the most bytes before s2 can overflow 32 bits
	)
	s1, s2 := uint32(1), uint32(0)
	for len(p) > 0 {
		var rest []byte
		if len(p) > nmax {
			p, rest = p[:nmax], p[nmax:]
		}
		for len(p) >= 16 {
			q := p[:16:16]
			s1 += uint32(q[0])
			s2 += s1
			s1 += uint32(q[1])
			s2 += s1
			s1 += uint32(q[2])
			s2 += s1
			s1 += uint32(q[3])
			s2 += s1
			s1 += uint32(q[4])
			s2 += s1
			s1 += uint32(q[5])
			s2 += s1
			s1 += uint32(q[6])
			s2 += s1
			s1 += uint32(q[7])
			s2 += s1
			s1 += uint32(q[8])
			s2 += s1
			s1 += uint32(q[9])
			s2 += s1
			s1 += uint32(q[10])
			s2 += s1
			s1 += uint32(q[11])
			s2 += s1
			s1 += uint32(q[12])
			s2 += s1
			s1 += uint32(q[13])
			s2 += s1
			s1 += uint32(q[14])
			s2 += s1
			s1 += uint32(q[15])
			s2 += s1
			p = p[16:]
		}
		for _, c := range p {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
		p = rest
	}
	return s2<<16 | s1
}
