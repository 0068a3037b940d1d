// Command hashlimit measures the machine's own limit for hashing: the
// single-core throughput of each hash function (1 MiB writes from memory),
// and from it the best any hasher can do on all cores when every byte goes
// through the chosen algorithms:
//
//	limit = cores / (1/speed_1 + 1/speed_2 + ...)
//
// It does so twice: with the Go standard library's hashes, one stream at a
// time, and with the hashers a scan uses (16 SIMD MD5 lanes, and SHA-1 with
// SHA-256 in one interleaved pass when both are asked for), so that a scan
// can be compared with what its own building blocks allow.
//
//	go run ./bench/hashlimit -algo md5,sha1,sha256 -time 3s
package main

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashtriage/hashtriage/internal/sha1sha256"
	md5simd "github.com/minio/md5-simd"
)

func main() {
	algos := flag.String("algo", "md5,sha1,sha256", "algorithms")
	dur := flag.Duration("time", 3*time.Second, "time per algorithm")
	cores := flag.Int("cores", runtime.NumCPU(), "cores to count in the limit")
	flag.Parse()
	// One core: the SIMD lanes' goroutines must not spread over several.
	runtime.GOMAXPROCS(1)
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	names := strings.Split(*algos, ",")
	var std, own float64 // sums of 1/speed
	stdInv := map[string]float64{}
	for _, a := range names {
		var h hash.Hash
		switch a {
		case "md5":
			h = md5.New()
		case "sha1":
			h = sha1.New()
		case "sha256":
			h = sha256.New()
		default:
			log.Fatalf("unknown algorithm %q", a)
		}
		mbs := speed(*dur, buf, 1, func(int) io.Writer { return h })
		std += 1 / mbs
		stdInv[a] = 1 / mbs
		fmt.Printf("%-12s %8.0f MB/s on one core (standard library)\n", a, mbs)
	}
	fmt.Printf("limit        %8.0f MB/s on %d cores for %s together (standard library)\n", float64(*cores)/std, *cores, *algos)

	pair := slices.Contains(names, "sha1") && slices.Contains(names, "sha256") && sha1sha256.OnePass()
	for _, a := range names {
		switch {
		case a == "md5":
			srv := md5simd.NewServer()
			mbs := speed(*dur, buf, 16, func(int) io.Writer { return srv.NewHash() })
			srv.Close()
			own += 1 / mbs
			fmt.Printf("%-12s %8.0f MB/s on one core (16 SIMD lanes)\n", a, mbs)
		case pair && a == "sha1":
			d := sha1sha256.New()
			mbs := speed(*dur, buf, 1, func(int) io.Writer { return d })
			own += 1 / mbs
			fmt.Printf("%-12s %8.0f MB/s on one core (one pass)\n", "sha1+sha256", mbs)
		case pair && a == "sha256":
			// counted with sha1
		default:
			own += stdInv[a] // no faster hasher: as measured above
		}
	}
	fmt.Printf("limit        %8.0f MB/s on %d cores for %s together (hashtriage's hashers)\n", float64(*cores)/own, *cores, *algos)
}

// speed writes buf for about d to each of streams writers, concurrently,
// and returns the total rate in MB/s.
func speed(d time.Duration, buf []byte, streams int, writer func(int) io.Writer) float64 {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int64
	)
	start := time.Now()
	for i := range streams {
		w := writer(i)
		wg.Go(func() {
			var n int64
			for time.Since(start) < d {
				for range 16 {
					w.Write(buf)
				}
				n += 16 * int64(len(buf))
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return float64(total) / time.Since(start).Seconds() / 1e6
}
