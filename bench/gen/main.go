// Command gen writes a seeded, reproducible hash list for benchmarks, and
// lookups into it: digests that are in the list (hits) or certainly not
// (misses).
//
//	go run ./bench/gen -n 10000000 -seed 1 > list.txt                      # the list, bare hex
//	go run ./bench/gen -n 10000000 -seed 1 -names > list.md5               # md5sum lines "HEX  file0000001.jpg"
//	go run ./bench/gen -n 10000000 -seed 1 -mode hits -count 1000000 > hits.txt
//	go run ./bench/gen -n 10000000 -seed 1 -mode misses -count 1000000 > misses.txt
//
// Entry i's digest is a function of (seed, i) alone (splitmix64), so hits
// can be drawn without generating the list. Misses come from a disjoint
// stream; a collision with the list would need a 128-bit coincidence.
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/hashtriage/hashtriage/hashset"
)

func main() {
	n := flag.Int("n", 1000000, "entries in the list")
	seed := flag.Uint64("seed", 1, "seed")
	algName := flag.String("alg", "md5", "algorithm: md5, sha1, sha256, pdq, ...")
	mode := flag.String("mode", "list", "list, hits (digests drawn from the list) or misses (digests not in it)")
	count := flag.Int("count", 1000000, "lookups to write (hits and misses modes)")
	names := flag.Bool("names", false, "write md5sum-style lines with a file name")
	flag.Parse()
	alg, err := hashset.ParseAlgorithm(*algName)
	if err != nil || alg.Size() == 0 {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	digest := make([]byte, alg.Size()+7)
	line := make([]byte, 0, 2*alg.Size()+32)
	emit := func(stream uint64, i uint64) {
		fill(digest, *seed, stream, i)
		line = hex.AppendEncode(line[:0], digest[:alg.Size()])
		if *names {
			line = append(line, "  file"...)
			line = strconv.AppendUint(line, i+1, 10)
			line = append(line, ".jpg"...)
		}
		line = append(line, '\n')
		w.Write(line)
	}
	switch *mode {
	case "list":
		for i := 0; i < *n; i++ {
			emit(0, uint64(i))
		}
	case "hits":
		rng := rand.New(rand.NewPCG(*seed, 0x68697473))
		for k := 0; k < *count; k++ {
			emit(0, rng.Uint64N(uint64(*n)))
		}
	case "misses":
		for k := 0; k < *count; k++ {
			emit(1, uint64(k))
		}
	default:
		fmt.Fprintf(os.Stderr, "gen: unknown mode %q\n", *mode)
		os.Exit(2)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// fill writes the digest of entry i of a stream: splitmix64 outputs of
// (seed, stream, i, word).
func fill(d []byte, seed, stream, i uint64) {
	for k := 0; k+8 <= len(d); k += 8 {
		x := splitmix(seed ^ splitmix(stream<<56^i<<4^uint64(k/8)))
		for b := 0; b < 8; b++ {
			d[k+b] = byte(x >> (8 * b))
		}
	}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
