package hashset

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/internal/cputime"
)

// md5sumList builds n md5sum lines "<md5>  dir/file<i>.jpg".
func md5sumList(n int) []byte {
	var buf bytes.Buffer
	buf.Grow(n * 56)
	var d [16]byte
	var h [32]byte
	for i := range n {
		d = md5.Sum(fmt.Appendf(nil, "%d", i))
		hex.Encode(h[:], d[:])
		buf.Write(h[:])
		fmt.Fprintf(&buf, "  dir/file%d.jpg\n", i)
	}
	return buf.Bytes()
}

func benchmarkList(b *testing.B, data []byte, format string, perIteration int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	entries := 0
	for range b.N {
		r, err := NewReader(bytes.NewReader(data), "bench", format)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			entries++
		}
		r.Close()
	}
	if entries != b.N*perIteration {
		b.Fatalf("%d entries, want %d", entries, b.N*perIteration)
	}
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkMD5SumReader reads a 100,000-line md5sum list with names.
func BenchmarkMD5SumReader(b *testing.B) {
	const n = 100_000
	benchmarkList(b, md5sumList(n), "md5sum", n)
}

// BenchmarkBareMD5Reader reads 100,000 bare MD5 lines.
func BenchmarkBareMD5Reader(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	for i := range n {
		d := md5.Sum(fmt.Appendf(nil, "%d", i))
		fmt.Fprintf(&buf, "%x\n", d)
	}
	benchmarkList(b, buf.Bytes(), "md5sum", n)
}

// BenchmarkNSRLReader reads 50,000 NSRL 2.x records (two entries each).
func BenchmarkNSRLReader(b *testing.B) {
	const n = 50_000
	var buf bytes.Buffer
	buf.WriteString(`"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"` + "\r\n")
	for i := range n {
		s := fmt.Sprint(i)
		fmt.Fprintf(&buf, "\"%X\",\"%X\",\"0BADF00D\",\"file%d.dll\",%d,1234,\"362\",\"\"\r\n", sha1Sum(s), md5.Sum([]byte(s)), i, i)
	}
	benchmarkList(b, buf.Bytes(), "nsrl", 2*n)
}

func sha1Sum(s string) []byte { h := sha1.Sum([]byte(s)); return h[:] }

// TestReadLargeList reads the list named by $HASHTRIAGE_BENCH_LIST (format
// from $HASHTRIAGE_BENCH_FORMAT, default auto) and logs entries per second
// of wall time and of CPU time (the machine may be shared). Skipped
// otherwise. bench/README.md ("List formats") has the commands.
func TestReadLargeList(t *testing.T) {
	path := os.Getenv("HASHTRIAGE_BENCH_LIST")
	if path == "" {
		t.Skip("set HASHTRIAGE_BENCH_LIST to a list file")
	}
	cpuBefore := cputime.Process()
	start := time.Now()
	r, err := OpenList(path, os.Getenv("HASHTRIAGE_BENCH_FORMAT"))
	if err != nil {
		t.Fatal(err)
	}
	entries, perrs := 0, 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if IsParseError(err) {
			perrs++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		entries++
	}
	r.Close()
	wall := time.Since(start)
	t.Logf("%s: %d entries, %d parse errors; wall %v (%.0f entries/s)",
		path, entries, perrs, wall.Round(time.Millisecond), float64(entries)/wall.Seconds())
	if cpu := cputime.Process() - cpuBefore; cpuBefore > 0 {
		t.Logf("CPU %v (%.0f entries per CPU-second)", cpu.Round(time.Millisecond), float64(entries)/cpu.Seconds())
	}
}
