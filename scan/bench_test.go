package scan_test

import (
	"context"
	"os"
	"testing"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/scan"
)

// BenchmarkScanDir scans the directory named by $HT_BENCH_DIR (for example
// a tree made by bench/gentree) computing $HT_BENCH_ALGOS (default md5);
// it is skipped without it. Use it with -cpuprofile to see where a scan's
// time goes:
//
//	HT_BENCH_DIR=/tmp/ht-bench/many go test -run '^$' -bench ScanDir -benchtime 3x -cpuprofile /tmp/cpu.out ./scan
func BenchmarkScanDir(b *testing.B) {
	dir := os.Getenv("HT_BENCH_DIR")
	if dir == "" {
		b.Skip("set HT_BENCH_DIR to a directory to scan")
	}
	algs := []hashset.Algorithm{hashset.MD5}
	if v := os.Getenv("HT_BENCH_ALGOS"); v == "all" {
		algs = []hashset.Algorithm{hashset.MD5, hashset.SHA1, hashset.SHA256}
	}
	for i := 0; i < b.N; i++ {
		src, err := evidence.Open(dir, evidence.OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := scan.Run(context.Background(), scan.Config{Algorithms: algs, Sources: []evidence.Source{src},
			OnResult: func(scan.Result) error { return nil }})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(s.Bytes)
	}
}
