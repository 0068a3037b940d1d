package main

import (
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

func newHashCmd() *cobra.Command {
	var (
		algos  string
		format string
		jobs   int
		output string
		image  imageFlags
	)
	cmd := &cobra.Command{
		Use:   "hash [flags] PATH...",
		Short: "Print the digests of files, in a form that sets import reads back",
		Long: `Hash walks every PATH by the same rules as scan (read-only, O_NOATIME, no
symbolic links followed, FIFOs/sockets/devices skipped) and prints one row per
file, sorted by path: CSV "path,size," then one column per algorithm in the
order given; or JSON Lines; or hashdeep's own format. The CSV output can be
imported as a list with "hashtriage sets import".

Files that cannot be read are reported on standard error and make hash exit
with status 3 after printing the others.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var algs []hashset.Algorithm
			for _, n := range strings.Split(algos, ",") {
				a, err := hashset.ParseAlgorithm(n)
				if err != nil {
					return scanFailed("--algo: %v", err)
				}
				if !a.Matchable() {
					return scanFailed("--algo %s: cannot be computed", a)
				}
				algs = append(algs, a)
			}
			if image.dihedral && !slices.Contains(algs, hashset.PDQ) {
				return scanFailed("--pdq-dihedral needs pdq in --algo")
			}
			imageHasher, err := image.hasher()
			if err != nil {
				return scanFailed("%v", err)
			}
			lf, err := report.ParseListFormat(format)
			if err != nil {
				return scanFailed("--format: %v", err)
			}
			if jobs < 1 {
				return scanFailed("--jobs must be at least 1, not %d", jobs)
			}
			sources, roots, err := openEvidence(args)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var file *report.AtomicFile
			if output != "" {
				if root, inside := insideAny(output, roots); inside {
					return scanFailed("%s is inside the evidence %s: nothing may be written under an evidence root", output, root)
				}
				if file, err = report.CreateAtomic(output); err != nil {
					return scanFailed("%v", err)
				}
				defer file.Abort()
				out = file
			}
			wd, _ := os.Getwd()
			// Rows are printed sorted by path, so that the output does
			// not depend on thread scheduling; rows beyond the memory
			// budget are sorted through temporary files beside the output
			// (or in the temporary directory), never under an evidence
			// root: if that is where the temporary directory lies, every
			// row stays in memory instead.
			tmpDir, memory := os.TempDir(), 0
			if output != "" {
				tmpDir = filepath.Dir(output)
			}
			if _, inside := insideAny(filepath.Join(tmpDir, "sort"), roots); inside {
				memory = math.MaxInt
			}
			lw, err := report.NewSortedListWriter(out, lf, report.ListOptions{Algorithms: algs, WorkingDir: wd, Command: os.Args, PDQDihedral: image.dihedral}, tmpDir, memory)
			if err != nil {
				return scanFailed("%v", err)
			}
			defer lw.Abort()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()

			var failures []scan.Result
			sum, err := scan.Run(ctx, scan.Config{Algorithms: algs, Sources: sources, Jobs: jobs, Image: imageHasher.Hash,
				OnResult: func(r scan.Result) error {
					switch r.Outcome {
					case scan.Failed:
						failures = append(failures, r)
					case scan.Unmatched:
						return lw.Write(r)
					}
					return nil
				}})
			if err != nil {
				return scanFailed("hash: %v", err)
			}
			if err := lw.Close(); err != nil {
				return scanFailed("write: %v", err)
			}
			if file != nil {
				if _, err := report.CommitWithSidecar(file); err != nil {
					return scanFailed("%v", err)
				}
			}
			stderr := cmd.ErrOrStderr()
			sort.Slice(failures, func(i, j int) bool { return failures[i].Item.Path < failures[j].Item.Path })
			for _, r := range failures {
				msg := r.Err.Error()
				if !strings.Contains(msg, r.Item.Path) {
					msg = r.Item.Path + ": " + msg
				}
				fmt.Fprintf(stderr, "hashtriage: error: %s\n", msg)
			}
			if sum.Skipped > 0 {
				var kinds []string
				for k, n := range sum.SkippedByType {
					kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
				}
				sort.Strings(kinds)
				fmt.Fprintf(stderr, "hashtriage: %d items skipped, not files (%s)\n", sum.Skipped, strings.Join(kinds, ", "))
			}
			switch {
			case sum.Interrupted:
				return scanFailed("interrupted: not every file was hashed")
			case len(failures) > 0:
				return scanFailed("%d items could not be read", len(failures))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&algos, "algo", "md5,sha1,sha256", "comma-separated algorithms, in column order: md5, sha1, sha256, pdq (adds pdq_quality), phash, dhash, ahash; perceptual hashes are computed for files that are images (by content) and left empty for others")
	image.register(fl, false)
	fl.StringVar(&format, "format", "csv", "output format: csv, jsonl or hashdeep")
	fl.IntVar(&jobs, "jobs", runtime.NumCPU(), "files read at once (1 for a single spinning disk)")
	fl.StringVarP(&output, "output", "o", "", "write to this file (atomically, with FILE.sha256) instead of standard output")
	return cmd
}
