// Command pdqgen writes a seeded synthetic PDQ hash list, one lower-case hex
// hash per line, and optionally a CSV of the near-duplicates it planted
// (base_line,copy_line,distance; 1-based line numbers).
//
//	go run ./bench/pdqgen/cmd/pdqgen -n 1000000 -seed 1 -o haystack.txt -plants plants.csv
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashtriage/hashtriage/bench/pdqgen"
)

func main() {
	n := flag.Int("n", 100000, "number of hashes")
	seed := flag.Uint64("seed", 1, "random seed")
	dists := flag.String("distances", "0,1,2,4,8,16,24,31,32,40", "comma-separated plant distances")
	per := flag.Int("per", 10, "copies planted at each distance")
	outPath := flag.String("o", "-", "output file (- for stdout)")
	plantsPath := flag.String("plants", "", "write the planted pairs to this CSV file")
	flag.Parse()
	if err := run(*n, *seed, *dists, *per, *outPath, *plantsPath); err != nil {
		fmt.Fprintln(os.Stderr, "pdqgen:", err)
		os.Exit(1)
	}
}

func run(n int, seed uint64, dists string, per int, outPath, plantsPath string) error {
	var ds []int
	for _, f := range strings.Split(dists, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("-distances: %w", err)
		}
		ds = append(ds, d)
	}
	hashes, plants, err := pdqgen.Generate(pdqgen.Config{Seed: seed, N: n, Distances: ds, PerDistance: per})
	if err != nil {
		return err
	}
	out := os.Stdout
	if outPath != "-" {
		if out, err = os.Create(outPath); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(out)
	line := make([]byte, 65)
	line[64] = '\n'
	for i := 0; i < n; i++ {
		hex.Encode(line, hashes[32*i:32*i+32])
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if out != os.Stdout {
		if err := out.Close(); err != nil {
			return err
		}
	}
	if plantsPath == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("base_line,copy_line,distance\n")
	for _, p := range plants {
		fmt.Fprintf(&b, "%d,%d,%d\n", p.Base+1, p.Copy+1, p.Distance)
	}
	return os.WriteFile(plantsPath, []byte(b.String()), 0o644)
}
