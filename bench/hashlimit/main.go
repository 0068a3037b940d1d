// Command hashlimit measures the machine's own limit for hashing: the
// single-core throughput of each hash function (Go standard library,
// 1 MiB writes from memory), and from it the best any hasher can do on all
// cores when every byte goes through the chosen algorithms:
//
//	limit = cores / (1/speed_1 + 1/speed_2 + ...)
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
	"log"
	"runtime"
	"strings"
	"time"
)

func main() {
	algos := flag.String("algo", "md5,sha1,sha256", "algorithms")
	dur := flag.Duration("time", 3*time.Second, "time per algorithm")
	cores := flag.Int("cores", runtime.NumCPU(), "cores to count in the limit")
	flag.Parse()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	var inv float64
	for _, a := range strings.Split(*algos, ",") {
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
		var n int64
		start := time.Now()
		for time.Since(start) < *dur {
			for i := 0; i < 16; i++ {
				h.Write(buf)
			}
			n += 16 << 20
		}
		mbs := float64(n) / time.Since(start).Seconds() / 1e6
		inv += 1 / mbs
		fmt.Printf("%-7s %8.0f MB/s on one core\n", a, mbs)
	}
	fmt.Printf("limit   %8.0f MB/s on %d cores for %s together\n", float64(*cores)/inv, *cores, *algos)
}
