package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/hashtriage/hashtriage/perceptual"
)

// photo draws a deterministic photo-like picture: a sky-to-ground
// gradient, soft-edged coloured blobs, a sinusoidal texture and a little
// noise, all from seed. Different seeds give unrelated pictures.
func photo(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	type blob struct{ x, y, rx, ry, r, g, b float64 }
	blobs := make([]blob, 7)
	for i := range blobs {
		blobs[i] = blob{rng.Float64() * float64(w), rng.Float64() * float64(h),
			float64(w) * (0.08 + 0.2*rng.Float64()), float64(h) * (0.08 + 0.2*rng.Float64()),
			255 * rng.Float64(), 255 * rng.Float64(), 255 * rng.Float64()}
	}
	top := [3]float64{255 * rng.Float64(), 255 * rng.Float64(), 255 * rng.Float64()}
	bottom := [3]float64{255 * rng.Float64(), 255 * rng.Float64(), 255 * rng.Float64()}
	fx, fy := 3+rng.Float64()*5, 2+rng.Float64()*5
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		t := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			var c [3]float64
			for k := range c {
				c[k] = top[k]*(1-t) + bottom[k]*t
			}
			for _, b := range blobs {
				dx, dy := (float64(x)-b.x)/b.rx, (float64(y)-b.y)/b.ry
				a := 1 / (1 + math.Exp(8*(dx*dx+dy*dy-1))) // soft edge
				c[0], c[1], c[2] = c[0]*(1-a)+b.r*a, c[1]*(1-a)+b.g*a, c[2]*(1-a)+b.b*a
			}
			tex := 18 * math.Sin(fx*2*math.Pi*float64(x)/float64(w)) * math.Cos(fy*2*math.Pi*float64(y)/float64(h))
			n := rng.NormFloat64() * 4
			px := func(v float64) uint8 { return uint8(max(0, min(255, v+tex+n))) }
			img.SetRGBA(x, y, color.RGBA{px(c[0]), px(c[1]), px(c[2]), 255})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func resize(img image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// transform returns img rotated clockwise by quarter turns, then mirrored
// left to right if mirror is set.
func transform(img image.Image, quarters int, mirror bool) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if quarters%2 == 1 {
		w, h = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			var nx, ny int
			switch quarters % 4 {
			case 0:
				nx, ny = x, y
			case 1:
				nx, ny = b.Dy()-1-y, x
			case 2:
				nx, ny = b.Dx()-1-x, b.Dy()-1-y
			case 3:
				nx, ny = y, b.Dx()-1-x
			}
			if mirror {
				nx = w - 1 - nx
			}
			dst.Set(nx, ny, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonRecords splits a JSON Lines report into its records.
func jsonRecords(t *testing.T, report string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(report))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// The "done when": pictures listed by PDQ (through hash --algo
// md5,pdq and sets import) are found by scan when resized, recompressed,
// rotated or mirrored; an unrelated picture is not; the byte-identical
// copy is reported with its exact MD5 match too; tiny, featureless and
// corrupt images are counted, the corrupt one as an error record while
// its exact digest is still matched.
func TestScanFindsAlteredPictures(t *testing.T) {
	a, b := photo(1, 640, 480), photo(2, 480, 360)
	originals := t.TempDir()
	aPNG, bJPG := encodePNG(t, a), encodeJPEG(t, b, 92)
	writeFiles(t, originals, map[string][]byte{"a.png": aPNG, "b.jpg": bJPG})

	list, errOut, code := cli(t, "hash", "--algo", "md5,pdq", originals)
	if code != 0 {
		t.Fatalf("hash exit %d: %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSpace(list), "\n")
	if rows[0] != "path,size,md5,pdq,pdq_quality" || len(rows) != 3 {
		t.Fatalf("hash output %q", list)
	}
	corrupt := append(append([]byte{}, aPNG[:200]...), bytes.Repeat([]byte{0x5a}, 300)...)
	db := filepath.Join(t.TempDir(), "db")
	for _, l := range []string{writeList(t, "pictures.csv", list), writeList(t, "corrupt.md5", md5Hex(string(corrupt))+"  broken.png\n")} {
		if out, errOut, code := cli(t, "sets", "import", "--db", db, l); code != 0 {
			t.Fatalf("import %s: exit %d %s %s", l, code, out, errOut)
		}
	}

	ev := t.TempDir()
	flat := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	writeFiles(t, ev, map[string][]byte{
		"copy-of-a.png":      aPNG,
		"a-half.png":         encodePNG(t, resize(a, 320, 240)),
		"a-q50.jpg":          encodeJPEG(t, a, 50),
		"a-rot90.png":        encodePNG(t, transform(a, 1, false)),
		"a-mirrored.jpg":     encodeJPEG(t, transform(a, 0, true), 80),
		"b-rot180.png":       encodePNG(t, transform(b, 2, false)),
		"b-small-q50.jpg":    encodeJPEG(t, resize(b, 300, 225), 50),
		"b-rot270-mirrored":  encodePNG(t, transform(b, 3, true)), // no extension: sniffed by content
		"unrelated.png":      encodePNG(t, photo(3, 640, 480)),
		"tiny.png":           encodePNG(t, resize(a, 4, 3)),
		"flat.png":           encodePNG(t, flat),
		"corrupt.png":        corrupt,
		"notes.txt":          []byte("not an image"),
		"a-rot90-jpeg-large": encodeJPEG(t, resize(transform(a, 1, false), 720, 960), 75),
	})
	report, errOut, code := cli(t, "scan", "--no-progress", "--db", db, ev)
	if code != 1 {
		t.Fatalf("scan exit %d, want 1: %s\n%s", code, errOut, report)
	}
	want := map[string]string{ // evidence file: id of the listed original
		"copy-of-a.png": "a.png", "a-half.png": "a.png", "a-q50.jpg": "a.png", "a-rot90.png": "a.png",
		"a-mirrored.jpg": "a.png", "a-rot90-jpeg-large": "a.png",
		"b-rot180.png": "b.jpg", "b-small-q50.jpg": "b.jpg", "b-rot270-mirrored": "b.jpg",
	}
	found := map[string]bool{}
	var header, summary map[string]any
	var errorPaths []string
	for _, r := range jsonRecords(t, report) {
		switch r["type"] {
		case "scan":
			header = r
		case "summary":
			summary = r
		case "error":
			errorPaths = append(errorPaths, filepath.Base(r["path"].(string)))
		case "match":
			name := filepath.Base(r["path"].(string))
			found[name] = true
			matches := r["matches"].([]any)
			if name == "corrupt.png" {
				if len(matches) != 1 || matches[0].(map[string]any)["algorithm"] != "md5" {
					t.Errorf("corrupt.png matches %v, want its md5 only", matches)
				}
				continue
			}
			orig, ok := want[name]
			if !ok {
				t.Errorf("unexpected match %s: %v", name, r)
				continue
			}
			if len(r["pdq"].(string)) != 64 || r["pdq_quality"].(float64) < 50 {
				t.Errorf("%s: pdq %v quality %v", name, r["pdq"], r["pdq_quality"])
			}
			algs := map[string]bool{}
			for _, m := range matches {
				m := m.(map[string]any)
				algs[m["algorithm"].(string)] = true
				if filepath.Base(m["id"].(string)) != orig {
					t.Errorf("%s matched %v, want the entry of %s", name, m["id"], orig)
				}
				d := m["distance"].(float64)
				switch m["algorithm"] {
				case "pdq":
					if d > 31 {
						t.Errorf("%s: pdq distance %v over the threshold", name, d)
					}
					t.Logf("%-20s pdq distance %2v to %s", name, d, orig)
				case "md5":
					if d != 0 {
						t.Errorf("%s: md5 distance %v", name, d)
					}
				}
			}
			if !algs["pdq"] {
				t.Errorf("%s: no pdq match: %v", name, matches)
			}
			if algs["md5"] != (name == "copy-of-a.png") {
				t.Errorf("%s: md5 match %v, want it for the byte-identical copy only", name, algs["md5"])
			}
		}
	}
	for name := range want {
		if !found[name] {
			t.Errorf("%s not reported", name)
		}
	}
	for _, name := range []string{"unrelated.png", "tiny.png", "flat.png", "notes.txt"} {
		if found[name] {
			t.Errorf("%s reported as a match", name)
		}
	}
	if !found["corrupt.png"] || strings.Join(errorPaths, ",") != "corrupt.png" {
		t.Errorf("corrupt.png: match %v, error records for %v", found["corrupt.png"], errorPaths)
	}
	if header["pdq_convention"] != "full" || header["pdq_threshold"] != 31.0 || header["pdq_min_quality"] != 50.0 ||
		header["max_image_pixels"] != 1e8 {
		t.Errorf("header %v", header)
	}
	for k, n := range map[string]float64{"images": 13, "images_too_small": 1, "images_low_quality": 1, "images_failed": 1, "errors": 1, "matched": 10} {
		if summary[k] != n {
			t.Errorf("summary %s = %v, want %v", k, summary[k], n)
		}
	}

	// The human report says how similar a perceptual hit is, and counts images.
	text, _, _ := cli(t, "scan", "--no-progress", "--db", db, "--format", "text", ev)
	for _, want := range []string{"PDQ full convention, similar within 31 bits, quality >= 50",
		"images: 13 (1 too small to match, 1 too featureless to match, 1 not decoded)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}

	// A lower threshold drops the far copies but keeps the identical one;
	// 0 means identical hashes only, not the default 31.
	report, _, _ = cli(t, "scan", "--no-progress", "--db", db, "--pdq-threshold", "0", ev)
	if !strings.Contains(report, "copy-of-a.png") || strings.Contains(report, "a-q50.jpg") || !strings.Contains(report, `"pdq_threshold":0,`) {
		t.Errorf("--pdq-threshold 0 report:\n%s", report)
	}
	// A pixel limit below the pictures' size refuses them: error records,
	// exact matches kept.
	_, _, code = cli(t, "scan", "--no-progress", "--db", db, "--max-image-pixels", "1000", filepath.Join(ev, "copy-of-a.png"))
	if code != 1 {
		t.Errorf("--max-image-pixels 1000: exit %d, want 1 (md5 still matched)", code)
	}
}

// hash --algo pdq --pdq-dihedral prints the eight hashes; sets lookup
// finds a PDQ hash within the threshold and goimagehash strings.
func TestHashPDQDihedralAndLookup(t *testing.T) {
	dir := t.TempDir()
	pic := photo(7, 200, 150)
	writeFiles(t, dir, map[string][]byte{"p.png": encodePNG(t, pic)})
	out, errOut, code := cli(t, "hash", "--algo", "pdq", "--pdq-dihedral", dir)
	if code != 0 {
		t.Fatalf("hash exit %d: %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if rows[0] != "path,size,pdq,pdq_quality,pdq_rot90,pdq_rot180,pdq_rot270,pdq_flipx,pdq_flipy,pdq_flipplus1,pdq_flipminus1" || len(rows) != 2 {
		t.Fatalf("hash --pdq-dihedral output %q", out)
	}
	want, err := perceptual.PDQDihedral(pic, perceptual.PDQFull)
	if err != nil {
		t.Fatal(err)
	}
	cells := strings.Split(rows[1], ",")
	for v := 0; v < 8; v++ {
		col := 2 + v
		if v > 0 {
			col++ // after pdq_quality
		}
		if cells[col] != want.Dihedral[v].String() {
			t.Errorf("%s: %s, want %s", perceptual.DihedralName(v), cells[col], want.Dihedral[v])
		}
	}

	phash, _, code := cli(t, "hash", "--algo", "phash,ahash", dir)
	if code != 0 {
		t.Fatalf("hash --algo phash,ahash exit %d", code)
	}
	db := filepath.Join(t.TempDir(), "db")
	for _, l := range []string{writeList(t, "pdq.csv", out), writeList(t, "phash.csv", phash)} {
		if _, errOut, code := cli(t, "sets", "import", "--db", db, l); code != 0 {
			t.Fatalf("import %s: %s", l, errOut)
		}
	}
	// Flip three bits: found at distance 3 as PDQ, and not as SHA-256.
	near := want.Hash
	near[0] ^= 0x80
	near[17] ^= 0x11
	res, errOut, code := cli(t, "sets", "lookup", "--db", db, "--json", near.String())
	if code != 0 || !strings.Contains(res, `"algorithm":"pdq"`) || !strings.Contains(res, `"distance":3`) {
		t.Errorf("lookup near PDQ: exit %d %s %s", code, res, errOut)
	}
	if _, _, code := cli(t, "sets", "lookup", "--db", db, "--pdq-threshold", "2", near.String()); code != 1 {
		t.Errorf("lookup with --pdq-threshold 2: exit %d, want 1", code)
	}
	pcell := strings.Split(strings.Split(strings.TrimSpace(phash), "\n")[1], ",")[2]
	res, errOut, code = cli(t, "sets", "lookup", "--db", db, "--json", "p:"+pcell)
	if code != 0 || !strings.Contains(res, `"algorithm":"phash"`) || !strings.Contains(res, `"distance":0`) {
		t.Errorf("lookup p:%s: exit %d %s %s", pcell, code, res, errOut)
	}
}
