package perceptual

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// benchFiles loads the vector JPEGs/PNGs (the originals in images/).
func benchFiles(b *testing.B) (names []string, data [][]byte) {
	dir := needVectors(b)
	err := filepath.WalkDir(filepath.Join(dir, "images"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		buf, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, ok := Sniff(buf); ok {
			names = append(names, p)
			data = append(data, buf)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return names, data
}

func decodeAll(b *testing.B, data [][]byte) []image.Image {
	imgs := make([]image.Image, len(data))
	for i, d := range data {
		img, _, err := Decode(bytes.NewReader(d), DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		imgs[i] = img
	}
	return imgs
}

// BenchmarkEndToEnd decodes and hashes every vector file; images/s is the
// figure for the scan.
func BenchmarkEndToEnd(b *testing.B) {
	_, data := benchFiles(b)
	for _, mode := range []PDQMode{PDQFull, PDQ512} {
		b.Run(mode.String(), func(b *testing.B) {
			n := 0
			for b.Loop() {
				for _, d := range data {
					img, _, err := Decode(bytes.NewReader(d), DecodeOptions{})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := PDQ(img, mode); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkDecodeOnly decodes every vector file.
func BenchmarkDecodeOnly(b *testing.B) {
	_, data := benchFiles(b)
	n := 0
	for b.Loop() {
		for _, d := range data {
			if _, _, err := Decode(bytes.NewReader(d), DecodeOptions{}); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkHashOnly hashes already-decoded vector images.
func BenchmarkHashOnly(b *testing.B) {
	_, data := benchFiles(b)
	imgs := decodeAll(b, data)
	for _, c := range []struct {
		name     string
		mode     PDQMode
		dihedral bool
	}{{"full", PDQFull, false}, {"512", PDQ512, false}, {"full-dihedral", PDQFull, true}} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				for _, img := range imgs {
					var err error
					if c.dihedral {
						_, err = PDQDihedral(img, c.mode)
					} else {
						_, err = PDQ(img, c.mode)
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkPDQSizes hashes single decoded images of typical sizes.
func BenchmarkPDQSizes(b *testing.B) {
	dir := needVectors(b)
	for _, c := range []struct{ name, path string }{
		{"1600x1004-ycbcr", "images/bridge-mods/aaa-orig.jpg"},
		{"1432x812-nrgba", "images/misc-images/c.png"},
		{"512x512-ycbcr", "images/bridge-mods/square-512x512.jpg"},
		{"256x256-ycbcr", "images/reg-test-input/labelme-subset/q0291.jpg"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.path))
		if err != nil {
			b.Fatal(err)
		}
		img := decodeAll(b, [][]byte{data})[0]
		for _, mode := range []PDQMode{PDQFull, PDQ512} {
			b.Run(c.name+"/"+mode.String(), func(b *testing.B) {
				for b.Loop() {
					if _, err := PDQ(img, mode); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(c.name+"/decode", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Decode(bytes.NewReader(data), DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
