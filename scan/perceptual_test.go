package scan_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/perceptual"
	"github.com/hashtriage/hashtriage/scan"
)

// scene draws a picture with structure in every direction (so that its
// dihedral variants differ): tiles, a disc and a diagonal band.
func scene(w, h int, shift uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i, j := x*7/w, y*5/h
			c := color.RGBA{uint8(i*37+j*91) + shift, uint8(i*73 + j*29), uint8(i*j*11) ^ shift, 255}
			if dx, dy := x-w/4, y-h/3; dx*dx+dy*dy < h*h/25 {
				c = color.RGBA{250, 240, 200, 255}
			}
			if d := x - 2*y; d > 0 && d < w/8 {
				c = color.RGBA{20, 30, 120, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdqList is a Matcher holding PDQ hashes (and MD5 digests) that matches
// PDQ queries by Hamming distance, as match.Matcher does; it records what
// it was asked.
type pdqList struct {
	threshold int
	pdq       map[string]string // hex hash -> id
	md5       map[string]string
	mu        sync.Mutex
	queries   map[hashset.Algorithm]int // digests per lookup, last seen
}

func (l *pdqList) Algorithms() []hashset.Algorithm {
	return []hashset.Algorithm{hashset.MD5, hashset.PDQ}
}

func (l *pdqList) Lookup(a hashset.Algorithm, digests ...[]byte) []match.Match {
	l.mu.Lock()
	if l.queries == nil {
		l.queries = map[hashset.Algorithm]int{}
	}
	l.queries[a] = len(digests)
	l.mu.Unlock()
	if a == hashset.MD5 {
		if id, ok := l.md5[hex.EncodeToString(digests[0])]; ok {
			return []match.Match{{Set: "list", Kind: hashset.Alert, Algorithm: a, ID: id}}
		}
		return nil
	}
	best := map[string]int{}
	for _, d := range digests {
		for h, id := range l.pdq {
			listed, _ := perceptual.ParsePDQ(h)
			dist := listed.Distance(perceptual.PDQHash(d))
			if b, ok := best[id]; dist <= l.threshold && (!ok || dist < b) {
				best[id] = dist
			}
		}
	}
	var ms []match.Match
	for id, d := range best {
		ms = append(ms, match.Match{Set: "list", Kind: hashset.Alert, Algorithm: a, Distance: d, ID: id})
	}
	return ms
}

func TestImageHasherScan(t *testing.T) {
	orig := scene(200, 150, 0)
	res, err := perceptual.PDQDihedral(orig, perceptual.PDQFull)
	if err != nil {
		t.Fatal(err)
	}
	// Listed: only the hash of the picture turned by 90°; the scan of the
	// upright picture must find it through the dihedral variants.
	rot90 := res.Dihedral[perceptual.DihedralRot90]
	flat := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range flat.Pix {
		flat.Pix[i] = 77
	}
	flatRes, _ := perceptual.PDQ(flat, perceptual.PDQFull)
	corrupt := []byte("\xff\xd8\xff\xe0 this is not really a jpeg")
	var huge bytes.Buffer // a PNG header claiming 60000×60000 pixels
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), 60000)
	ihdr = append(binary.BigEndian.AppendUint32(ihdr, 60000), 8, 2, 0, 0, 0)
	huge.WriteString("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	huge.Write(binary.BigEndian.AppendUint32(ihdr, crc32.ChecksumIEEE(ihdr)))
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, scene(200, 150, 0), &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}

	list := &pdqList{threshold: 31,
		pdq: map[string]string{rot90.String(): "rotated", flatRes.Hash.String(): "flat"},
		md5: map[string]string{hex.EncodeToString(sum(hashset.MD5, corrupt)): "corrupt"}}
	items := memSource{
		regular("a-upright.png", pngBytes(t, orig)),
		regular("b-recompressed.jpg", jpg.Bytes()),
		regular("c-other.png", pngBytes(t, scene(200, 150, 90))),
		regular("d-flat.png", pngBytes(t, flat)),
		regular("e-tiny.png", pngBytes(t, scene(4, 40, 0))),
		regular("f-corrupt.jpg", corrupt),
		regular("g-huge.png", huge.Bytes()),
		regular("h-text.txt", []byte("GIF is not at the start, so this is text")),
	}
	ih := scan.NewImageHasher(scan.ImageOptions{})
	rs, s := runAll(t, scan.Config{Matcher: list, Image: ih.Hash, Jobs: 2, Sources: []evidence.Source{items}})

	got := map[string]string{}
	for _, r := range rs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s", r.Outcome)
		for _, m := range r.Matches {
			fmt.Fprintf(&b, " %s:%s:%d", m.Algorithm, m.ID, m.Distance)
		}
		if r.Err != nil {
			b.WriteString(" err")
		}
		if got[r.Item.Path] != "" {
			got[r.Item.Path] += "; "
		}
		got[r.Item.Path] += b.String()
	}
	for path, want := range map[string]string{
		"a-upright.png": "matched pdq:rotated:0",
		"c-other.png":   "unmatched",
		"d-flat.png":    "unmatched", // listed, but quality 0: not matched
		"e-tiny.png":    "unmatched",
		"f-corrupt.jpg": "matched md5:corrupt:0; failed err",
		"g-huge.png":    "unmatched; failed err",
		"h-text.txt":    "unmatched",
	} {
		if got[path] != want {
			t.Errorf("%s: %q, want %q", path, got[path], want)
		}
	}
	if g := got["b-recompressed.jpg"]; !strings.HasPrefix(g, "matched pdq:rotated:") {
		t.Errorf("recompressed copy: %q", g)
	}
	for _, r := range rs {
		switch {
		case r.Item.Path == "a-upright.png" && r.Err == nil:
			d := r.Digests[len(r.Digests)-1]
			if d.Algorithm != hashset.PDQ || !bytes.Equal(d.Sum, res.Hash[:]) || d.Quality != res.Quality || len(d.Variants) != 7 {
				t.Errorf("upright digest %v quality %d, %d variants; want %s", hex.EncodeToString(d.Sum), d.Quality, len(d.Variants), res.Hash)
			}
		case r.Item.Path == "d-flat.png" && r.Err == nil:
			d := r.Digests[len(r.Digests)-1]
			if d.Quality >= perceptual.MinQuality || d.NotMatched == "" {
				t.Errorf("flat digest quality %d, NotMatched %q", d.Quality, d.NotMatched)
			}
		case r.Item.Path == "g-huge.png" && r.Err != nil:
			if !errors.Is(r.Err, perceptual.ErrTooLarge) {
				t.Errorf("huge: %v", r.Err)
			}
		}
	}
	if list.queries[hashset.PDQ] != 8 {
		t.Errorf("PDQ looked up with %d digests, want the 8 dihedral variants", list.queries[hashset.PDQ])
	}
	if s.Images != 7 || s.ImagesTooSmall != 1 || s.ImagesLowQuality != 1 || s.ImagesFailed != 2 || s.Errors != 2 || s.Matched != 3 {
		t.Errorf("summary: images %d too small %d low quality %d failed %d errors %d matched %d",
			s.Images, s.ImagesTooSmall, s.ImagesLowQuality, s.ImagesFailed, s.Errors, s.Matched)
	}
}

// The options reach the hashers: the 512 convention and the pixel limit.
func TestImageHasherOptions(t *testing.T) {
	img := scene(900, 700, 3)
	data := pngBytes(t, img)
	open := func() evidence.File {
		f, _ := regular("x.png", data).Open()
		return f
	}
	for _, mode := range []perceptual.PDQMode{perceptual.PDQFull, perceptual.PDQ512} {
		want, _ := perceptual.PDQ(img, mode)
		ds, err := scan.NewImageHasher(scan.ImageOptions{PDQMode: mode}).Hash(context.Background(), open(), []hashset.Algorithm{hashset.PDQ})
		if err != nil || len(ds) != 1 || !bytes.Equal(ds[0].Sum, want.Hash[:]) {
			t.Errorf("mode %s: %v %v, want %s", mode, ds, err, want.Hash)
		}
	}
	if _, err := scan.NewImageHasher(scan.ImageOptions{MaxPixels: 900*700 - 1}).Hash(context.Background(), open(), []hashset.Algorithm{hashset.PDQ}); !errors.Is(err, perceptual.ErrTooLarge) {
		t.Errorf("over the pixel limit: %v", err)
	}
	// goimagehash kinds: 8 bytes, the big-endian value of perceptual.ImageHash.
	ds, err := scan.NewImageHasher(scan.ImageOptions{}).Hash(context.Background(), open(), []hashset.Algorithm{hashset.AHash, hashset.DHash, hashset.PHash})
	if err != nil || len(ds) != 3 {
		t.Fatalf("image hashes %v %v", ds, err)
	}
	for i, k := range []perceptual.HashKind{perceptual.AHash, perceptual.DHash, perceptual.PHash} {
		v, _ := perceptual.ImageHash(img, k)
		if binary.BigEndian.Uint64(ds[i].Sum) != v || ds[i].Quality != -1 {
			t.Errorf("%s: %x, want %x", k, ds[i].Sum, v)
		}
	}
	// Low quality matched when the minimum is turned off.
	flat := image.NewGray(image.Rect(0, 0, 30, 30))
	f, _ := regular("f.png", pngBytes(t, flat)).Open()
	ds, err = scan.NewImageHasher(scan.ImageOptions{MinQuality: -1}).Hash(context.Background(), f, []hashset.Algorithm{hashset.PDQ})
	if err != nil || ds[0].NotMatched != "" {
		t.Errorf("MinQuality -1: %+v %v", ds, err)
	}
}

// ExampleImageHasher scans images for PDQ matches: the scan computes PDQ
// only for items whose content is an image, and looks up all eight
// rotations and mirrorings.
func ExampleImageHasher() {
	img := scene(120, 90, 0)
	var b bytes.Buffer
	png.Encode(&b, img)
	res, _ := perceptual.PDQ(img, perceptual.PDQFull)

	list := &pdqList{threshold: perceptual.PDQThreshold, pdq: map[string]string{res.Hash.String(): "listed.png"}}
	images := scan.NewImageHasher(scan.ImageOptions{}) // PDQ full resolution, quality ≥ 50, ≤ 100 MP
	sum, _ := scan.Run(context.Background(), scan.Config{
		Matcher: list,
		Image:   images.Hash,
		Sources: []evidence.Source{memSource{regular("copy.png", b.Bytes()), regular("notes.txt", []byte("text"))}},
		OnResult: func(r scan.Result) error {
			for _, m := range r.Matches {
				fmt.Printf("%s: %s %s distance %d\n", r.Item.Path, m.Algorithm, m.ID, m.Distance)
			}
			return nil
		},
	})
	fmt.Println("items", sum.Items, "images", sum.Images)
	// Output:
	// copy.png: pdq listed.png distance 0
	// items 2 images 1
}
