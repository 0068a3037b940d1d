package ewf_test

import (
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence/ewf"
	"github.com/hashtriage/hashtriage/internal/cputime"
)

// benchImages makes (once, in the temporary directory) a raw medium of
// HASHTRIAGE_EWF_BENCH_MIB MiB and its E01 acquisition with ewfacquire.
func benchImages(b *testing.B, random bool) (raw, e01 string) {
	mib, _ := strconv.Atoi(os.Getenv("HASHTRIAGE_EWF_BENCH_MIB"))
	if mib <= 0 {
		b.Skip("set HASHTRIAGE_EWF_BENCH_MIB (e.g. 256) to run; needs ewfacquire")
	}
	if _, err := exec.LookPath("ewfacquire"); err != nil {
		b.Skip("ewfacquire not installed")
	}
	kind := "mixed"
	if random {
		kind = "random"
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("hashtriage-ewf-bench-%d-%s", mib, kind))
	raw, e01 = filepath.Join(dir, "raw.img"), filepath.Join(dir, "image.E01")
	if _, err := os.Stat(e01); err == nil {
		return raw, e01
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	args := []string{"run", "testdata/genraw.go", "-o", raw, "-size", strconv.Itoa(mib << 20)}
	if random {
		args = append(args, "-random")
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		b.Fatalf("genraw: %v\n%s", err, out)
	}
	cmd := exec.Command("ewfacquire", "-u", "-q", "-f", "encase6", "-c", "deflate:fast", "-S", "4GiB",
		"-t", filepath.Join(dir, "image"), raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ewfacquire: %v\n%s", err, out)
	}
	return raw, e01
}

// readAll reads r sequentially in bufSize pieces, hashing if h is set.
func readAll(b *testing.B, r io.ReaderAt, size int64, bufSize int, hash bool) {
	buf := make([]byte, bufSize)
	h := md5.New()
	for off := int64(0); off < size; off += int64(bufSize) {
		n, err := r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			b.Fatal(err)
		}
		if hash {
			h.Write(buf[:n])
		}
	}
}

// reportCPU adds the CPU time per MiB (all goroutines, user + system):
// on a machine shared with other work it is steadier than wall time.
func reportCPU(b *testing.B, start time.Duration, size int64) {
	if b.N == 0 || size == 0 {
		return
	}
	per := float64(cputime.Process()-start) / float64(b.N) / (float64(size) / (1 << 20))
	b.ReportMetric(per/1e6, "cpu-ms/MiB")
}

// BenchmarkSequentialRead compares reading (and MD5-hashing) an E01 image
// with reading its raw medium; run with -bench and compare the MB/s of the
// raw and e01 rows of the same run.
func BenchmarkSequentialRead(b *testing.B) {
	for _, random := range []bool{false, true} {
		raw, e01 := benchImages(b, random)
		content := "mixed"
		if random {
			content = "random"
		}
		for _, hash := range []bool{false, true} {
			for _, bufSize := range []int{256 << 10} {
				name := fmt.Sprintf("%s/md5=%v/buf=%dK", content, hash, bufSize>>10)
				b.Run(name+"/raw", func(b *testing.B) {
					f, err := os.Open(raw)
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					st, _ := f.Stat()
					b.SetBytes(st.Size())
					cpu := cputime.Process()
					for b.Loop() {
						readAll(b, f, st.Size(), bufSize, hash)
					}
					reportCPU(b, cpu, st.Size())
				})
				b.Run(name+"/e01", func(b *testing.B) {
					b.SetBytes(func() int64 {
						im, err := ewf.Open(e01)
						if err != nil {
							b.Fatal(err)
						}
						defer im.Close()
						return im.Size()
					}())
					cpu := cputime.Process()
					var size int64
					for b.Loop() {
						im, err := ewf.Open(e01) // fresh cache every pass
						if err != nil {
							b.Fatal(err)
						}
						size = im.Size()
						readAll(b, im, size, bufSize, hash)
						im.Close()
					}
					reportCPU(b, cpu, size)
				})
			}
		}
	}
}
