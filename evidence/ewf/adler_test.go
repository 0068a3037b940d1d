package ewf

import (
	"bytes"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

func TestAdler32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	ff := bytes.Repeat([]byte{0xff}, 100000)
	for _, n := range []int{0, 1, 15, 16, 17, 5551, 5552, 5553, 32768, 32772, 100000} {
		for _, b := range [][]byte{random[:n], ff[:n], make([]byte, n)} {
			if got, want := adlerSum(b), adler32.Checksum(b); got != want {
				t.Errorf("adlerSum of %d bytes = %08x, want %08x", n, got, want)
			}
		}
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("Wikipedia"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := adlerSum(b), adler32.Checksum(b); got != want {
			t.Fatalf("adlerSum = %08x, want %08x", got, want)
		}
	})
}
