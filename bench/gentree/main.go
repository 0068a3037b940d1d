// Command gentree writes a seeded, reproducible evidence tree for
// benchmarks: many small files in nested folders and a few large ones, with
// pseudo-random content, plus hash lists naming a sample of the files.
//
//	go run ./bench/gentree -out /tmp/ht-bench/tree -size 1GiB -small 20000 -large 8 \
//	    -hashdeep /tmp/ht-bench/known.hashdeep -md5 /tmp/ht-bench/known.md5
//
// The same flags and seed always give the same tree, byte for byte.
package main

import (
	"bufio"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to create (must not exist)")
	size := flag.String("size", "1GiB", "total bytes (suffixes KiB, MiB, GiB)")
	small := flag.Int("small", 20000, "number of small files (1 B to -max)")
	maxSmall := flag.String("max", "256KiB", "largest small file")
	large := flag.Int("large", 8, "number of large files that share the bytes the small ones leave")
	seed := flag.Uint64("seed", 1, "random seed")
	every := flag.Int("every", 50, "list every N-th file in the hash lists")
	hashdeepList := flag.String("hashdeep", "", "write a hashdeep list (md5,sha1,sha256) of the sampled files here")
	md5List := flag.String("md5", "", "write an md5sum list of the sampled files here")
	flag.Parse()
	if *out == "" {
		log.Fatal("gentree: -out is required")
	}
	total, err := parseSize(*size)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := os.Stat(*out); err == nil {
		log.Fatalf("gentree: %s exists; remove it first", *out)
	}
	smallMax, err := parseSize(*maxSmall)
	if err != nil || smallMax < 1 {
		log.Fatalf("gentree: bad -max %q", *maxSmall)
	}
	bits := 0
	for int64(1)<<(bits+1) <= smallMax {
		bits++
	}
	rng := rand.New(rand.NewPCG(*seed, 0x68617368))
	var hd, m5 *bufio.Writer
	if *hashdeepList != "" {
		hd = create(*hashdeepList)
		fmt.Fprintf(hd, "%%%%%%%% HASHDEEP-1.0\n%%%%%%%% size,md5,sha1,sha256,filename\n## Invoked from: %s\n## $ gentree\n##\n", *out)
	}
	if *md5List != "" {
		m5 = create(*md5List)
	}
	var written int64
	n := 0
	write := func(p string, sz int64) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			log.Fatal(err)
		}
		hm, h1, h2 := md5.New(), sha1.New(), sha256.New()
		var w io.Writer = f
		listed := *every > 0 && n%*every == 0
		if listed {
			w = io.MultiWriter(f, hm, h1, h2)
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		buf := make([]byte, 8)
		for left := sz; left > 0; {
			binary.LittleEndian.PutUint64(buf, rng.Uint64())
			k := min(left, 8)
			bw.Write(buf[:k])
			left -= k
		}
		if err := bw.Flush(); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		if listed && sz > 0 {
			if hd != nil {
				fmt.Fprintf(hd, "%d,%x,%x,%x,%s\n", sz, hm.Sum(nil), h1.Sum(nil), h2.Sum(nil), p)
			}
			if m5 != nil {
				fmt.Fprintf(m5, "%x  %s\n", hm.Sum(nil), filepath.Base(p))
			}
		}
		written += sz
		n++
	}
	for i := 0; i < *small; i++ {
		// Sizes spread evenly over powers of two from 1 B to smallMax.
		sz := int64(1) << rng.IntN(bits+1)
		sz += rng.Int64N(sz)
		sz = min(sz, smallMax)
		p := filepath.Join(*out, "small", fmt.Sprintf("d%02d", i%64), fmt.Sprintf("e%02d", (i/64)%16), fmt.Sprintf("f%06d.bin", i))
		write(p, sz)
	}
	if *large > 0 && written < total {
		each := (total - written) / int64(*large)
		for i := 0; i < *large; i++ {
			write(filepath.Join(*out, "large", fmt.Sprintf("big%02d.bin", i)), each)
		}
	}
	for _, w := range []*bufio.Writer{hd, m5} {
		if w != nil {
			if err := w.Flush(); err != nil {
				log.Fatal(err)
			}
		}
	}
	fmt.Printf("gentree: %d files, %d bytes under %s\n", n, written, *out)
}

var files []*os.File

func create(p string) *bufio.Writer {
	f, err := os.Create(p)
	if err != nil {
		log.Fatal(err)
	}
	files = append(files, f)
	return bufio.NewWriter(f)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			mult, s = m, strings.TrimSuffix(s, suf)
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("gentree: bad size %q", s)
	}
	return v * mult, nil
}
