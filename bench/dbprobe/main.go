// Command dbprobe measures the query side of a set database: the time to
// open it and answer a first lookup, the heap that costs, and lookups per
// second on one core for digests in the database (hits) and not (misses),
// looked up one at a time (Matcher.Lookup) and in batches
// (Matcher.LookupMany, -batch sizes).
//
//	go run ./bench/dbprobe -db DIR -hits hits.txt -misses misses.txt [-evict] [-batch 8,16,32]
//
// The lookup files hold one hex digest a line (see bench/gen). -evict drops
// the segment files from the page cache first (posix_fadvise DONTNEED), to
// measure a cold open.
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/cputime"
	"github.com/hashtriage/hashtriage/match"
)

func main() {
	dir := flag.String("db", "", "set database directory")
	hitsFile := flag.String("hits", "", "digests in the database, one hex a line")
	missFile := flag.String("misses", "", "digests not in the database, one hex a line")
	algName := flag.String("alg", "md5", "algorithm of the digests")
	evict := flag.Bool("evict", false, "drop the segments from the page cache before opening")
	batchList := flag.String("batch", "8,16,32", "also measure Matcher.LookupMany with slices of these sizes (comma-separated; empty: none)")
	flag.Parse()
	var batches []int
	for _, f := range strings.FieldsFunc(*batchList, func(r rune) bool { return r == ',' }) {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 {
			fail("-batch: %q is not a positive batch size", f)
		}
		batches = append(batches, b)
	}
	alg, err := hashset.ParseAlgorithm(*algName)
	check(err)
	hits := readDigests(*hitsFile, alg)
	misses := readDigests(*missFile, alg)
	if *evict {
		segs, _ := filepath.Glob(filepath.Join(*dir, "*.htseg"))
		for _, s := range segs {
			check(dropFromPageCache(s))
		}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	first := hits[0]
	start := time.Now()
	db, err := hashset.Open(*dir)
	check(err)
	m, err := match.Open(db, match.DefaultOptions())
	check(err)
	got := m.Lookup(alg, first)
	ttfl := time.Since(start)
	if len(got) == 0 {
		fail("the first hit %x was not found", first)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var entries int64
	for _, s := range m.Sets() {
		entries += s.TotalEntries()
	}
	fmt.Printf("database: %d sets, %d entries\n", len(m.Sets()), entries)
	fmt.Printf("open + first lookup: %.2f ms (evicted from page cache: %v)\n", float64(ttfl.Microseconds())/1000, *evict)
	fmt.Printf("heap allocated by open + first lookup: %.2f MB (heap in use %.2f MB)\n",
		float64(after.TotalAlloc-before.TotalAlloc)/1e6, float64(after.HeapInuse)/1e6)

	runtime.GOMAXPROCS(1)
	// Two rounds; in each, every mode runs on the misses and then on the
	// hits, so the modes are compared within the same minute. The second
	// round is the one to quote (the first warms caches and the page table).
	modes := []int{0} // 0: Lookup one digest at a time; b > 0: LookupMany in slices of b
	modes = append(modes, batches...)
	for round := 1; round <= 2; round++ {
		for _, b := range modes {
			for _, c := range []struct {
				name    string
				ds      [][]byte
				wantHit bool
			}{{"miss", misses, false}, {"hit", hits, true}} {
				n := 0
				count := func(_ int, ms []match.Match) {
					if len(ms) > 0 {
						n++
					}
				}
				start, cpu0 := time.Now(), cputime.Process()
				if b == 0 {
					for _, d := range c.ds {
						if len(m.Lookup(alg, d)) > 0 {
							n++
						}
					}
				} else {
					for i := 0; i < len(c.ds); i += b {
						m.LookupMany(alg, c.ds[i:min(i+b, len(c.ds))], count)
					}
				}
				el, cpu := time.Since(start), cputime.Process()-cpu0
				if c.wantHit && n != len(c.ds) || !c.wantHit && n != 0 {
					fail("%s lookups: %d of %d matched", c.name, n, len(c.ds))
				}
				how := "lookups"
				if b > 0 {
					how = fmt.Sprintf("LookupMany(batch %d)", b)
				}
				fmt.Printf("round %d: %s %s, 1 core: %d in %.3f s wall = %.2f M/s; %.3f s CPU = %.2f M/s per CPU-second\n",
					round, c.name, how, len(c.ds), el.Seconds(), float64(len(c.ds))/el.Seconds()/1e6, cpu.Seconds(), float64(len(c.ds))/cpu.Seconds()/1e6)
			}
		}
	}
	m.Close()
	db.Close()
}

func readDigests(path string, alg hashset.Algorithm) [][]byte {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	var ds [][]byte
	flat := []byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h, _, _ := strings.Cut(sc.Text(), " ")
		d, err := hex.DecodeString(h)
		check(err)
		if len(d) != alg.Size() {
			fail("%s: %q is not %s", path, h, alg)
		}
		flat = append(flat, d...)
	}
	check(sc.Err())
	for i := 0; i < len(flat); i += alg.Size() {
		ds = append(ds, flat[i:i+alg.Size()])
	}
	if len(ds) == 0 {
		fail("%s holds no digests", path)
	}
	return ds
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "dbprobe: "+format+"\n", args...)
	os.Exit(1)
}
