// Command pdqbench measures PDQ hashing speed on a folder of images:
// decode and hash time separately, images per second, and optionally a CPU
// profile. CPU time (getrusage) is reported beside wall time because the
// benchmark machine is shared.
//
//	go run ./bench/pdqbench -mode full -rounds 5 ../shared/pdq-vectors/images
//
// If the reference C++ pdq-photo-hasher is on PATH it is timed on the same
// files (-reference=false to skip).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/hashtriage/hashtriage/internal/cputime"
	"github.com/hashtriage/hashtriage/perceptual"
)

func main() {
	modeFlag := flag.String("mode", "full", "PDQ convention: full or 512")
	dihedral := flag.Bool("dihedral", false, "compute the 8 dihedral hashes")
	rounds := flag.Int("rounds", 3, "passes over the files")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	reference := flag.Bool("reference", true, "also time pdq-photo-hasher if it is on PATH")
	magick := flag.String("imagemagick", "", "also time this ImageMagick convert binary decoding each file to PNM, as the reference CLI's read step does")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: pdqbench [flags] DIR")
	}
	mode, err := perceptual.ParsePDQMode(*modeFlag)
	if err != nil {
		log.Fatal(err)
	}
	var names []string
	var files [][]byte
	var totalBytes, totalPixels int64
	err = filepath.WalkDir(flag.Arg(0), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, ok := perceptual.Sniff(data); ok {
			names = append(names, p)
			files = append(files, data)
			totalBytes += int64(len(data))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	sort.Strings(names)
	if len(files) == 0 {
		log.Fatal("no images found")
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	var decWall, hashWall, decCPU, hashCPU time.Duration
	n := 0
	for range *rounds {
		for _, data := range files {
			w0, c0 := time.Now(), cputime.Process()
			img, _, err := perceptual.Decode(bytes.NewReader(data), perceptual.DecodeOptions{})
			w1, c1 := time.Now(), cputime.Process()
			if err != nil {
				log.Fatal(err)
			}
			if n < len(files) {
				totalPixels += int64(img.Bounds().Dx() * img.Bounds().Dy())
			}
			if *dihedral {
				_, err = perceptual.PDQDihedral(img, mode)
			} else {
				_, err = perceptual.PDQ(img, mode)
			}
			w2, c2 := time.Now(), cputime.Process()
			if err != nil {
				log.Fatal(err)
			}
			decWall += w1.Sub(w0)
			hashWall += w2.Sub(w1)
			decCPU += c1 - c0
			hashCPU += c2 - c1
			n++
		}
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d)/float64(n)/1e6) }
	fmt.Printf("%d files (%.1f MB, %.1f Mpixel), %d rounds, mode %s, dihedral %v\n",
		len(files), float64(totalBytes)/1e6, float64(totalPixels)/1e6, *rounds, mode, *dihedral)
	fmt.Printf("decode: wall %s/image, cpu %s/image\n", per(decWall), per(decCPU))
	fmt.Printf("hash:   wall %s/image, cpu %s/image\n", per(hashWall), per(hashCPU))
	total := decCPU + hashCPU
	fmt.Printf("end to end: %.1f images/s (wall), %.1f images/s (cpu); decode is %.0f%% of cpu time\n",
		float64(n)/(decWall+hashWall).Seconds(), float64(n)/total.Seconds(), 100*float64(decCPU)/float64(total))

	if *magick != "" {
		w0, c0 := time.Now(), cputime.Children()
		for _, name := range names {
			if err := exec.Command(*magick, name, "pnm:-").Run(); err != nil {
				log.Fatalf("%s %s: %v", *magick, name, err)
			}
		}
		wall, cpu := time.Since(w0), cputime.Children()-c0
		fmt.Printf("ImageMagick read step (convert FILE pnm:-, one round): %.1f images/s (wall), cpu %.2f ms/image\n",
			float64(len(names))/wall.Seconds(), float64(cpu)/float64(len(names))/1e6)
	}
	if *reference {
		bin, err := exec.LookPath("pdq-photo-hasher")
		if err != nil {
			fmt.Println("reference: pdq-photo-hasher not found on PATH; not compared")
			return
		}
		w0, c0 := time.Now(), cputime.Children()
		cmd := exec.Command(bin, names...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("pdq-photo-hasher: %v", err)
		}
		wall, cpu := time.Since(w0), cputime.Children()-c0
		fmt.Printf("reference pdq-photo-hasher: %.1f images/s (wall), %.1f images/s (cpu incl. children)\n",
			float64(len(names))/wall.Seconds(), float64(len(names))/cpu.Seconds())
	}
}
