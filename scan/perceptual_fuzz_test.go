package scan_test

import (
	"bytes"
	"context"
	"image/gif"
	"image/jpeg"
	"testing"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/scan"
)

// FuzzImageHasher feeds arbitrary content to the scan's image step: it
// must return digests or an error, never panic, and never allocate for
// more pixels than its limit.
func FuzzImageHasher(f *testing.F) {
	img := scene(40, 30, 5)
	f.Add(pngBytes(f, img))
	var j, g bytes.Buffer
	jpeg.Encode(&j, img, &jpeg.Options{Quality: 40})
	gif.Encode(&g, img, nil)
	f.Add(j.Bytes())
	f.Add(g.Bytes())
	f.Add([]byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x18\x00"))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	// A small pixel limit keeps each run short (the fuzzer's minimizer
	// runs an input many times); the limit itself is what is tested.
	h := scan.NewImageHasher(scan.ImageOptions{MaxPixels: 1 << 16, MaxBytes: 1 << 20})
	algs := []hashset.Algorithm{hashset.PDQ, hashset.AHash, hashset.DHash, hashset.PHash}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _ := regular("fuzz", data).Open()
		ds, err := h.Hash(context.Background(), file, algs)
		if err != nil {
			return
		}
		if len(ds) != len(algs) {
			t.Fatalf("%d digests for %d algorithms", len(ds), len(algs))
		}
		for i, d := range ds {
			if d.Algorithm != algs[i] || len(d.Sum) != d.Algorithm.Size() {
				t.Fatalf("digest %d: %s of %d bytes", i, d.Algorithm, len(d.Sum))
			}
		}
		if q := ds[0].Quality; q < 0 || q > 100 || len(ds[0].Variants) < 7 {
			t.Fatalf("pdq quality %d, %d variants", q, len(ds[0].Variants))
		}
	})
}
