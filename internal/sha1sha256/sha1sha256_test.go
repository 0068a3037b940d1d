package sha1sha256

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
)

// digests returns what d gives for data written in pieces of at most step
// bytes (0: all at once).
func digests(d *Digest, data []byte, step int) ([20]byte, [32]byte) {
	d.Reset()
	if step == 0 {
		d.Write(data)
	}
	for p := data; step > 0 && len(p) > 0; {
		k := min(step, len(p))
		d.Write(p[:k])
		p = p[k:]
	}
	return d.Sums()
}

// implementations: the one-pass path where the processor has it, and the
// standard-library fallback every other processor uses.
func implementations(t testing.TB) map[string]*Digest {
	fallback := &Digest{h1: sha1.New(), h256: sha256.New()}
	ds := map[string]*Digest{"fallback": fallback}
	if OnePass() {
		ds["one-pass"] = New()
	} else {
		t.Log("no SHA extensions here: only the fallback is tested")
	}
	return ds
}

func TestAgainstStandardLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for name, d := range implementations(t) {
		// Every length around the padding boundaries (55, 56, 64, 119, 120,
		// 128 …), written at once and in awkward pieces.
		for n := 0; n <= 300; n++ {
			for _, step := range []int{0, 1, 7, 63, 64, 65} {
				s1, s256 := digests(d, data[:n], step)
				if s1 != sha1.Sum(data[:n]) || s256 != sha256.Sum256(data[:n]) {
					t.Fatalf("%s: %d bytes in pieces of %d: got %x %x, want %x %x", name, n, step, s1, s256, sha1.Sum(data[:n]), sha256.Sum256(data[:n]))
				}
			}
		}
		s1, s256 := digests(d, data, 1000)
		if s1 != sha1.Sum(data) || s256 != sha256.Sum256(data) {
			t.Fatalf("%s: %d bytes: wrong digests", name, len(data))
		}
	}
}

// FIPS 180-4 example messages (the published digests of "abc" and of the
// 448-bit two-block message), so that a mistake shared with the standard
// library could not pass unnoticed.
func TestKnownAnswers(t *testing.T) {
	tests := []struct{ in, sha1, sha256 string }{
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for name, d := range implementations(t) {
		for _, tt := range tests {
			s1, s256 := digests(d, []byte(tt.in), 0)
			if got := fmt.Sprintf("%x", s1); got != tt.sha1 {
				t.Errorf("%s: SHA-1(%q) = %s, want %s", name, tt.in, got, tt.sha1)
			}
			if got := fmt.Sprintf("%x", s256); got != tt.sha256 {
				t.Errorf("%s: SHA-256(%q) = %s, want %s", name, tt.in, got, tt.sha256)
			}
		}
	}
}

// Sums must not disturb the running state: a scan may sum, write on and
// sum again.
func TestSumsLeavesStateAlone(t *testing.T) {
	for name, d := range implementations(t) {
		d.Reset()
		d.Write([]byte("first part, "))
		d.Sums()
		d.Write(bytes.Repeat([]byte("second part "), 20))
		s1, s256 := d.Sums()
		want := append([]byte("first part, "), bytes.Repeat([]byte("second part "), 20)...)
		if s1 != sha1.Sum(want) || s256 != sha256.Sum256(want) {
			t.Errorf("%s: digests after an intermediate Sums are wrong", name)
		}
	}
}

func FuzzAgainstStandardLibrary(f *testing.F) {
	f.Add([]byte("abc"), 1)
	f.Add(bytes.Repeat([]byte{0xff}, 200), 64)
	f.Fuzz(func(t *testing.T, data []byte, step int) {
		step = max(0, step%130)
		for name, d := range implementations(t) {
			s1, s256 := digests(d, data, step)
			if s1 != sha1.Sum(data) || s256 != sha256.Sum256(data) {
				t.Fatalf("%s: %d bytes in pieces of %d: wrong digests", name, len(data), step)
			}
		}
	})
}

func benchmark(b *testing.B, size int, write func([]byte)) {
	data := make([]byte, size)
	b.SetBytes(int64(size))
	for b.Loop() {
		write(data)
	}
}

// The pair in one pass, against crypto/sha1 and crypto/sha256 in turn.
func BenchmarkPair(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("one-pass/%d", size), func(b *testing.B) {
			d := New()
			benchmark(b, size, func(p []byte) { d.Write(p) })
		})
		b.Run(fmt.Sprintf("stdlib/%d", size), func(b *testing.B) {
			h1, h256 := sha1.New(), sha256.New()
			benchmark(b, size, func(p []byte) { h1.Write(p); h256.Write(p) })
		})
	}
}
