package scan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/cputime"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/scan"
)

// vectorImages is the folder of real photographs the benchmark scans:
// $HASHTRIAGE_PDQ_IMAGES, else the shared PDQ vectors beside the checkout.
func vectorImages(b *testing.B) string {
	dir := os.Getenv("HASHTRIAGE_PDQ_IMAGES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "pdq-vectors", "images")
	}
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no image folder (set HASHTRIAGE_PDQ_IMAGES): %v", err)
	}
	return dir
}

// onlyExact hides a Matcher's perceptual algorithms: the peer run that
// shows what the image step costs.
type onlyExact struct{ *match.Matcher }

func (m onlyExact) Algorithms() []hashset.Algorithm {
	var out []hashset.Algorithm
	for _, a := range m.Matcher.Algorithms() {
		if a.Exact() {
			out = append(out, a)
		}
	}
	return out
}

// BenchmarkScanImages scans a folder of photographs with a set database
// holding an MD5 list and a PDQ list ($HASHTRIAGE_BENCH_PDQ hashes,
// default 100,000, seeded), once computing PDQ (full resolution) and once
// MD5 only, and reports images per second (wall) and CPU milliseconds per
// image.
func BenchmarkScanImages(b *testing.B) {
	dir := vectorImages(b)
	n := 100_000
	if s := os.Getenv("HASHTRIAGE_BENCH_PDQ"); s != "" {
		fmt.Sscan(s, &n)
	}
	tmp := b.TempDir()
	var list strings.Builder
	list.WriteString("pdq,pdq_quality,id\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		fmt.Fprintf(&list, "%016x%016x%016x%016x,100,r%d\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64(), i)
	}
	pdqList := filepath.Join(tmp, "pdq.csv")
	md5List := filepath.Join(tmp, "md5.txt")
	os.WriteFile(pdqList, []byte(list.String()), 0o644)
	os.WriteFile(md5List, []byte("0123456789abcdef0123456789abcdef  x\n"), 0o644)
	db, err := hashset.Create(filepath.Join(tmp, "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, l := range []string{pdqList, md5List} {
		if _, err := db.ImportFile(context.Background(), l, hashset.ImportOptions{Format: map[bool]string{true: "pdq", false: "md5sum"}[l == pdqList]}); err != nil {
			b.Fatal(err)
		}
	}
	m, err := match.Open(db, match.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	src, err := evidence.Open(dir, evidence.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, run := range []struct {
		name    string
		matcher scan.Matcher
	}{{"pdq", m}, {"md5-only", onlyExact{m}}} {
		b.Run(run.name, func(b *testing.B) {
			images := scan.NewImageHasher(scan.ImageOptions{})
			var items int64
			cpu0, wall0 := cputime.Process(), time.Now()
			for b.Loop() {
				sum, err := scan.Run(context.Background(), scan.Config{Matcher: run.matcher, Image: images.Hash, Sources: []evidence.Source{src}})
				if err != nil || sum.Errors > 0 {
					b.Fatalf("scan: %v, %d errors", err, sum.Errors)
				}
				items += sum.Items
			}
			cpu, wall := cputime.Process()-cpu0, time.Since(wall0)
			b.ReportMetric(float64(items)/wall.Seconds(), "images/s")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(items), "cpu-ms/image")
		})
	}
}
