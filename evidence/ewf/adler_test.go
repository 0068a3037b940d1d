package ewf

import (
	"bytes"
	"fmt"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

// adlerInputs returns buffers whose Adler-32 stress the lane bounds: random
// bytes, all 0xff (the largest sums), and zeros.
func adlerInputs(n int) [][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, n)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	return [][]byte{random, bytes.Repeat([]byte{0xff}, n), make([]byte, n)}
}

func TestAdler32(t *testing.T) {
	inputs := adlerInputs(3 << 20)
	lengths := []int{5551, 5552, 5553, 32768, 32772, 100000, adlerBlockMaxTest - 1, adlerBlockMaxTest,
		adlerBlockMaxTest + 1, adlerBlockMaxTest + 64, 2*adlerBlockMaxTest + 63, 3 << 20}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for k, in := range inputs {
			// Unaligned starts, so the vector loads cross cache lines.
			for _, start := range []int{0, 1, 7, 31, 33} {
				if start+n > len(in) {
					continue
				}
				b := in[start : start+n]
				want := adler32.Checksum(b)
				if got := adlerSum(b); got != want {
					t.Errorf("adlerSum of %d bytes (input %d at +%d) = %08x, want %08x", n, k, start, got, want)
				}
				if got := adlerGeneric(b); got != want {
					t.Errorf("adlerGeneric of %d bytes (input %d at +%d) = %08x, want %08x", n, k, start, got, want)
				}
			}
		}
	}
}

// TestAdler32Random checks random lengths and offsets of a large random
// buffer with random byte values biased to the extremes.
func TestAdler32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 2<<20)
	for i := range buf {
		switch rng.IntN(4) {
		case 0:
			buf[i] = 0xff
		case 1:
			buf[i] = 0
		default:
			buf[i] = byte(rng.Uint32())
		}
	}
	for range 200 {
		start := rng.IntN(len(buf))
		n := rng.IntN(len(buf) - start + 1)
		b := buf[start : start+n]
		if got, want := adlerSum(b), adler32.Checksum(b); got != want {
			t.Fatalf("adlerSum of %d bytes at %d = %08x, want %08x", n, start, got, want)
		}
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("Wikipedia"), uint8(0), uint16(1))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint8(3), uint16(100))
	f.Add(bytes.Repeat([]byte("0123456789abcdef"), 40), uint8(5), uint16(5000))
	f.Fuzz(func(t *testing.T, b []byte, start uint8, repeat uint16) {
		// repeat stretches short inputs past the block and modulo limits.
		if repeat > 1 && len(b) > 0 {
			b = bytes.Repeat(b, min(int(repeat), (1<<21)/len(b)+1))
		}
		if int(start) < len(b) {
			b = b[start:]
		}
		want := adler32.Checksum(b)
		if got := adlerSum(b); got != want {
			t.Fatalf("adlerSum of %d bytes = %08x, want %08x", len(b), got, want)
		}
		if got := adlerGeneric(b); got != want {
			t.Fatalf("adlerGeneric of %d bytes = %08x, want %08x", len(b), got, want)
		}
	})
}

func BenchmarkAdler32(b *testing.B) {
	for _, n := range []int{32 << 10, 1 << 20} {
		buf := adlerInputs(n)[0]
		for _, f := range []struct {
			name string
			sum  func([]byte) uint32
		}{
			{"adlerSum", adlerSum},
			{"generic", adlerGeneric},
			{"hash-adler32", adler32.Checksum},
		} {
			b.Run(fmt.Sprintf("%dK/%s", n>>10, f.name), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					f.sum(buf)
				}
			})
		}
	}
}
