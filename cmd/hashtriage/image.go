package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/hashtriage/hashtriage/perceptual"
	"github.com/hashtriage/hashtriage/scan"
)

// imageFlags are the perceptual-hashing flags shared by scan and hash.
type imageFlags struct {
	pdqMode    string
	minQuality int
	maxPixels  int64
	dihedral   bool // hash only: print the dihedral PDQ hashes
}

// register adds the flags to fl; matching adds those that only matter
// when hashes are matched (scan), the others those of hash.
func (f *imageFlags) register(fl *pflag.FlagSet, matching bool) {
	fl.StringVar(&f.pdqMode, "pdq-mode", "full", "PDQ convention: full (full resolution, as HMA and python-threatexchange) or 512 (the reference CLI's 512×512 pre-resize)")
	fl.Int64Var(&f.maxPixels, "max-image-pixels", perceptual.DefaultMaxPixels, "refuse to decode images with more pixels than this (an error record)")
	if matching {
		fl.IntVar(&f.minQuality, "pdq-min-quality", perceptual.MinQuality, "PDQ hashes of lower quality (0-100) are not matched (counted in the summary)")
	} else {
		fl.BoolVar(&f.dihedral, "pdq-dihedral", false, "with --algo pdq, add columns pdq_rot90, pdq_rot180, pdq_rot270, pdq_flipx, pdq_flipy, pdq_flipplus1, pdq_flipminus1")
	}
}

// hasher checks the flags and returns the scan's image step.
func (f *imageFlags) hasher() (*scan.ImageHasher, error) {
	mode, err := perceptual.ParsePDQMode(f.pdqMode)
	if err != nil {
		return nil, fmt.Errorf("--pdq-mode: %v", err)
	}
	if f.minQuality < 0 || f.minQuality > 100 {
		return nil, fmt.Errorf("--pdq-min-quality must be 0..100, not %d", f.minQuality)
	}
	if f.maxPixels < 1 {
		return nil, fmt.Errorf("--max-image-pixels must be at least 1, not %d", f.maxPixels)
	}
	q := f.minQuality
	if q == 0 {
		q = -1 // ImageOptions: 0 is the default, negative matches every quality
	}
	return scan.NewImageHasher(scan.ImageOptions{PDQMode: mode, MinQuality: q, MaxPixels: f.maxPixels}), nil
}
