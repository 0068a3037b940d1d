//go:build ignore

// genraw writes the deterministic raw media that make-fixtures.sh
// acquires into EWF fixtures: random, zero and text regions, and a size
// that is a whole number of sectors but not of chunks.
//
//	go run genraw.go -o raw.img [-size N] [-random]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
)

func main() {
	out := flag.String("o", "raw.img", "output file")
	size := flag.Int64("size", 2<<20+1536, "media size in bytes (a multiple of 512)")
	allRandom := flag.Bool("random", false, "fill every region with random bytes (incompressible media)")
	flag.Parse()
	if *size%512 != 0 {
		log.Fatal("size must be a multiple of 512")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(2026, 1128))
	const k = 1024
	// region boundaries in bytes; the pattern repeats for larger sizes
	regions := []struct {
		kind string
		len  int64
	}{
		{"random", 64 * k}, {"zero", 512 * k}, {"text", 1024 * k},
		{"random", 32 * k}, {"text", 256 * k}, {"zero", 160 * k},
	}
	var written, line int64
	for written < *size {
		for _, r := range regions {
			n := min(r.len, *size-written)
			kind := r.kind
			if *allRandom {
				kind = "random"
			}
			switch kind {
			case "random":
				for i := int64(0); i < n; i += 8 {
					v := rng.Uint64()
					for j := int64(0); j < 8 && i+j < n; j++ {
						w.WriteByte(byte(v >> (8 * j)))
					}
				}
			case "zero":
				for i := int64(0); i < n; i++ {
					w.WriteByte(0)
				}
			case "text":
				var buf []byte
				for int64(len(buf)) < n {
					buf = fmt.Appendf(buf, "hashtriage ewf fixture line %08d: the quick brown fox jumps over the lazy dog\n", line)
					line++
				}
				w.Write(buf[:n])
			}
			written += n
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
