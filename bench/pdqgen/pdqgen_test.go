package pdqgen

import (
	"bytes"
	"math/bits"
	"testing"
)

func distance(a, b []byte) int {
	d := 0
	for i := range a {
		d += bits.OnesCount8(a[i] ^ b[i])
	}
	return d
}

func TestGenerate(t *testing.T) {
	cfg := Config{Seed: 7, N: 2000, Distances: []int{0, 1, 5, 31, 256}, PerDistance: 3}
	h, plants, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 32*cfg.N || len(plants) != 15 {
		t.Fatalf("got %d bytes, %d plants", len(h), len(plants))
	}
	for _, p := range plants {
		if d := distance(h[32*p.Base:32*p.Base+32], h[32*p.Copy:32*p.Copy+32]); d != p.Distance {
			t.Errorf("plant %+v: actual distance %d", p, d)
		}
	}
	isCopy := map[int]bool{}
	for _, p := range plants {
		isCopy[p.Copy] = true
	}
	for i := 0; i < cfg.N; i++ {
		if ones := distance(h[32*i:32*i+32], make([]byte, 32)); !isCopy[i] && ones != 128 {
			t.Fatalf("base hash %d has %d bits set, want 128", i, ones)
		}
	}
	h2, _, _ := Generate(cfg)
	if !bytes.Equal(h, h2) {
		t.Error("same seed gave different hashes")
	}
	cfg.Seed++
	if h3, _, _ := Generate(cfg); bytes.Equal(h, h3) {
		t.Error("different seeds gave the same hashes")
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, cfg := range []Config{
		{N: 10, Distances: []int{1, 2}, PerDistance: 3},
		{N: 100, Distances: []int{257}, PerDistance: 1},
		{N: -1},
	} {
		if _, _, err := Generate(cfg); err == nil {
			t.Errorf("Generate(%+v) succeeded", cfg)
		}
	}
}
