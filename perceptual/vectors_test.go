package perceptual

import (
	"encoding/csv"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// sharedVectors is the shared PDQ test-vector folder (../shared from the
// repository root).
const sharedVectors = "../../shared/pdq-vectors"

func needVectors(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(sharedVectors, "expected")); err != nil {
		t.Skipf("shared PDQ vectors not found at %s (expected beside the repository as ../shared): %v", sharedVectors, err)
	}
	return sharedVectors
}

type vectorRow struct {
	hashes  []string
	quality int
	path    string
}

// readVectorCSV reads an expected-hash CSV: one or more hash columns, then
// quality, then path.
func readVectorCSV(t testing.TB, name string) []vectorRow {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: no rows", name)
	}
	var rows []vectorRow
	for i, r := range recs[1:] {
		n := len(r)
		q, err := strconv.Atoi(r[n-2])
		if err != nil {
			t.Fatalf("%s:%d: quality: %v", name, i+2, err)
		}
		rows = append(rows, vectorRow{hashes: r[:n-2], quality: q, path: r[n-1]})
	}
	return rows
}

func decodePNGFile(t testing.TB, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func checkPDQRows(t *testing.T, dir string, rows []vectorRow, mode PDQMode) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no vectors")
	}
	for _, r := range rows {
		t.Run(filepath.Base(r.path), func(t *testing.T) {
			img := decodePNGFile(t, filepath.Join(dir, r.path))
			got, err := PDQ(img, mode)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ParsePDQ(r.hashes[0])
			if err != nil {
				t.Fatal(err)
			}
			if got.Hash != want || got.Quality != r.quality {
				t.Errorf("%s mode %s: got %s quality %d, want %s quality %d (distance %d)",
					r.path, mode, got.Hash, got.Quality, want, r.quality, got.Hash.Distance(want))
			}
		})
	}
}

// TestPDQPixelExact512 checks the core bit for bit on the pixels the
// reference CLI hashed (docs/pdq.md §5.1).
func TestPDQPixelExact512(t *testing.T) {
	dir := needVectors(t)
	rows := readVectorCSV(t, filepath.Join(dir, "expected/pixel-exact.csv"))
	if len(rows) != 23 {
		t.Errorf("pixel-exact.csv has %d rows, want 23", len(rows))
	}
	checkPDQRows(t, dir, rows, PDQ512)
}

// TestPDQPixelExactFull checks the full-resolution convention bit for bit
// (docs/pdq.md §5.2): large, unequal Jarosz windows and non-square input.
func TestPDQPixelExactFull(t *testing.T) {
	dir := needVectors(t)
	rows := readVectorCSV(t, filepath.Join(dir, "expected/pixel-exact-fullres.csv"))
	if len(rows) != 4 {
		t.Errorf("pixel-exact-fullres.csv has %d rows, want 4", len(rows))
	}
	checkPDQRows(t, dir, rows, PDQFull)
}

// TestPDQ512Resize checks the CLI-512 nearest-neighbour step (§5.3): the
// full-resolution pixels hashed in 512 mode give the CLI's hash of the
// resized pixels.
func TestPDQ512Resize(t *testing.T) {
	dir := needVectors(t)
	want := map[string]vectorRow{}
	for _, r := range readVectorCSV(t, filepath.Join(dir, "expected/pixel-exact.csv")) {
		want[filepath.Base(r.path)] = r
	}
	for _, c := range []struct{ full, resized string }{
		{"pixel-exact-fullres/bridge-mods_aaa-orig.png", "reg-test-input_dih_bridge-1-original.png"},
		{"pixel-exact-fullres/reg-test-input_dih_bridge-2-rotate-90.png", "reg-test-input_dih_bridge-2-rotate-90.png"},
		{"pixel-exact-fullres/misc-images_c.png", "misc-images_c.png"},
		{"images/reg-test-input/pen-and-coaster.png", "reg-test-input_pen-and-coaster.png"},
	} {
		w, ok := want[c.resized]
		if !ok {
			t.Fatalf("no expected row for %s", c.resized)
		}
		got, err := PDQ(decodePNGFile(t, filepath.Join(dir, c.full)), PDQ512)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash.String() != w.hashes[0] || got.Quality != w.quality {
			t.Errorf("%s in 512 mode: got %s/%d, want %s/%d", c.full, got.Hash, got.Quality, w.hashes[0], w.quality)
		}
	}
}

// TestPDQDihedralVectors checks the eight variants against the reference
// CLI's --pdqdih-across output (§5.4).
func TestPDQDihedralVectors(t *testing.T) {
	dir := needVectors(t)
	rows := readVectorCSV(t, filepath.Join(dir, "expected/cpp-cli-512-dihedral.csv"))
	pixels := map[string]string{
		"images/reg-test-input/dih/bridge-1-original.jpg": "pixel-exact/reg-test-input_dih_bridge-1-original.png",
		"images/reg-test-input/labelme-subset/q0004.jpg":  "pixel-exact/reg-test-input_labelme-subset_q0004.png",
	}
	if len(rows) != len(pixels) {
		t.Fatalf("%d dihedral rows, want %d", len(rows), len(pixels))
	}
	for _, r := range rows {
		png, ok := pixels[r.path]
		if !ok {
			t.Fatalf("unexpected row %s", r.path)
		}
		got, err := PDQDihedral(decodePNGFile(t, filepath.Join(dir, png)), PDQ512)
		if err != nil {
			t.Fatal(err)
		}
		if got.Dihedral == nil {
			t.Fatal("no dihedral hashes")
		}
		for v, want := range r.hashes {
			if got.Dihedral[v].String() != want {
				t.Errorf("%s %s: got %s, want %s", r.path, DihedralName(v), got.Dihedral[v], want)
			}
		}
		if got.Quality != r.quality || got.Hash != got.Dihedral[0] {
			t.Errorf("%s: quality %d (want %d), hash %s vs orig %s", r.path, got.Quality, r.quality, got.Hash, got.Dihedral[0])
		}
	}
}

// TestPDQTestdata runs the core check on the small vectors copied into
// testdata/pdq, so that it runs without the shared folder.
func TestPDQTestdata(t *testing.T) {
	rows := readVectorCSV(t, "testdata/pdq/expected.csv")
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	checkPDQRows(t, "testdata/pdq", rows, PDQ512)
	// The same pixels give the same hash in full mode: all are ≤ 512 px.
	checkPDQRows(t, "testdata/pdq", rows, PDQFull)
}

// TestPDQJPEGTolerance hashes the original files (JPEG and PNG) through
// Decode and reports the distance to the reference hashes of the same
// files, in both conventions: decoders differ from libjpeg, so a few bits
// are expected (docs/pdq.md §5.5).
func TestPDQJPEGTolerance(t *testing.T) {
	dir := needVectors(t)
	conventions := []struct {
		csv  string
		mode PDQMode
	}{{"expected/cpp-fullres.csv", PDQFull}, {"expected/cpp-cli-512.csv", PDQ512}}
	want := make([]map[string]vectorRow, len(conventions))
	var paths []string
	for i, c := range conventions {
		want[i] = map[string]vectorRow{}
		for _, r := range readVectorCSV(t, filepath.Join(dir, c.csv)) {
			want[i][r.path] = r
			if i == 0 {
				paths = append(paths, r.path)
			}
		}
	}
	dists := make([][]int, len(conventions))
	var h Hasher
	for _, path := range paths {
		f, err := os.Open(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := Decode(f, DecodeOptions{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i, c := range conventions {
			r, ok := want[i][path]
			if !ok {
				t.Fatalf("%s: no row in %s", path, c.csv)
			}
			got, err := h.PDQ(img, c.mode)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := ParsePDQ(r.hashes[0])
			if err != nil {
				t.Fatal(err)
			}
			d := got.Hash.Distance(ref)
			dists[i] = append(dists[i], d)
			t.Logf("%-4s %-50s %-4s distance %2d quality %3d (reference %3d)", c.mode, path, format, d, got.Quality, r.quality)
			if format == "png" && d != 0 {
				t.Errorf("%s %s: lossless input differs from the reference by %d bits", c.mode, path, d)
			}
			if r.quality >= 80 && d > 10 {
				t.Errorf("%s %s: distance %d > 10 on a quality-%d image (upstream's port criterion)", c.mode, path, d, r.quality)
			}
			if got.Quality != r.quality {
				t.Logf("%s %s: quality %d, reference %d", c.mode, path, got.Quality, r.quality)
			}
		}
	}
	for i, c := range conventions {
		ds := slices.Clone(dists[i])
		slices.Sort(ds)
		median := ds[len(ds)/2]
		t.Logf("%s mode vs %s: %d files, median distance %d, max %d", c.mode, c.csv, len(ds), median, ds[len(ds)-1])
		if median > 2 {
			t.Errorf("%s mode: median distance %d > 2", c.mode, median)
		}
	}
}
