package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/perceptual"
	"github.com/hashtriage/hashtriage/report"
	"github.com/hashtriage/hashtriage/scan"
)

// scanFailed is an error that makes scan exit with status 3.
func scanFailed(format string, args ...any) error {
	return &exitStatus{code: scan.ExitFailed, err: fmt.Errorf(format, args...)}
}

type scanFlags struct {
	db            string
	reportPath    string
	format        string
	jobs          int
	pdqThreshold  int
	hashThreshold int
	image         imageFlags
	unmatched     string
	unmatchedFmt  string
	noProgress    bool
	caseID        string
	examiner      string
	md5Lanes      int
	verifyImage   bool
	maxDepth      int
	maxExpanded   byteSize
	maxRatio      float64
}

func newScanCmd() *cobra.Command {
	lim := evidence.DefaultLimits()
	f := scanFlags{maxDepth: lim.MaxDepth, maxExpanded: byteSize(lim.MaxExpanded), maxRatio: lim.MaxRatio}
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan files and directory trees and report the items that match a loaded set",
		Long: `Scan walks every PATH, reads each file once, computes the digests the loaded
sets need, and reports the items that match an alert set (JSON Lines by default,
or CSV, or a human table). Items that match only known sets are counted, not
reported. The report (--report FILE) is written atomically with FILE.sha256.

Evidence is opened read-only, with O_NOATIME where the kernel allows; symbolic
links are not followed; FIFOs, sockets and devices are skipped and counted.

When a loaded set holds PDQ (or goimagehash aHash/dHash/pHash) hashes, files
whose content is an image (JPEG, PNG, GIF, BMP, TIFF, WebP; never judged by
name) are decoded and hashed too, and all eight rotations and mirrorings are
looked up: a match within --pdq-threshold bits is a similar picture, reported
with algorithm "pdq" and its distance. Images over --max-image-pixels are
refused undecoded and corrupt ones are error records (their exact digests
are still matched); images under 5 pixels a side or with PDQ quality under
--pdq-min-quality are not matched, and the summary counts them.

Exit status: 0 nothing matched an alert set and every item was read; 1 at
least one item matched an alert set; 2 no alert match, but some items could
not be read (or the scan was interrupted); 3 the scan could not run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "set database directory (default $HASHTRIAGE_DB or the user data directory)")
	fl.StringVar(&f.reportPath, "report", "", "write the report to this file (default standard output)")
	fl.StringVar(&f.format, "format", "", "report format: jsonl, csv or text (default jsonl; text on a terminal)")
	fl.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "items read at once (1 for a single spinning disk)")
	fl.IntVar(&f.pdqThreshold, "pdq-threshold", 31, "maximum Hamming distance for PDQ matches")
	fl.IntVar(&f.hashThreshold, "hash-threshold", 10, "maximum Hamming distance for aHash/dHash/pHash matches")
	f.image.register(fl, true)
	fl.StringVar(&f.unmatched, "unmatched", "", "write path and digests of items that matched no set to this file, sorted by path (temporary sort files go beside it)")
	fl.StringVar(&f.unmatchedFmt, "unmatched-format", "csv", "format of --unmatched: csv, jsonl or hashdeep")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fl.StringVar(&f.caseID, "case", "", "case identifier, recorded in the report header")
	fl.StringVar(&f.examiner, "examiner", "", "examiner, recorded in the report header")
	fl.BoolVar(&f.verifyImage, "verify-image", false, "recompute the media MD5 and SHA-1 of every E01 image and check them against the stored ones (report header: verified, mismatch or not verifiable; each bad chunk range is an error record)")
	fl.IntVar(&f.maxDepth, "max-depth", f.maxDepth, "containers (archives, disk images, volumes) nested deeper than this are not expanded: an error record says so")
	fl.Var(&f.maxExpanded, "max-expanded", "bytes expanded per archive at most (64GiB, 500MB, ...); beyond it an error record names the archive")
	fl.Float64Var(&f.maxRatio, "max-ratio", f.maxRatio, "expanded bytes per compressed byte of an archive at most (zip bombs); beyond it an error record names the archive")
	fl.IntVar(&f.md5Lanes, "md5-lanes", 0, "files hashed at once through SIMD MD5 lanes (0: automatic, 16 with AVX2 and --jobs > 1; -1: off)")
	return cmd
}

func runScan(cmd *cobra.Command, f scanFlags, paths []string) error {
	started := time.Now().UTC()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()

	format := report.JSONL
	if f.format != "" {
		var err error
		if format, err = report.ParseFormat(f.format); err != nil {
			return scanFailed("%v", err)
		}
	} else if f.reportPath == "" && isTerminal(stdout) {
		format = report.Text
	}
	var unmatchedFmt report.ListFormat
	if f.unmatched != "" {
		var err error
		if unmatchedFmt, err = report.ParseListFormat(f.unmatchedFmt); err != nil {
			return scanFailed("--unmatched-format: %v", err)
		}
	}
	if f.jobs < 1 {
		return scanFailed("--jobs must be at least 1, not %d", f.jobs)
	}
	if f.maxDepth < 1 {
		return scanFailed("--max-depth must be at least 1, not %d", f.maxDepth)
	}
	if !(f.maxRatio >= 1) || math.IsInf(f.maxRatio, 0) {
		return scanFailed("--max-ratio must be a number of at least 1, not %v", f.maxRatio)
	}
	imageHasher, err := f.image.hasher()
	if err != nil {
		return scanFailed("%v", err)
	}

	// The database: missing or empty means the scan cannot run.
	dbDir := f.db
	if dbDir == "" {
		d, err := hashset.DefaultDir()
		if err != nil {
			return scanFailed("%v", err)
		}
		dbDir = d
	}
	db, err := hashset.Open(dbDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return scanFailed("%v (import a list first: hashtriage sets import --db %s LIST)", err, dbDir)
		}
		return scanFailed("open set database: %v", err)
	}
	defer db.Close()
	if len(db.Sets()) == 0 {
		return scanFailed("set database %s holds no sets: import a list first (hashtriage sets import --db %s LIST)", dbDir, dbDir)
	}
	matcher, err := match.Open(db, match.Options{PDQThreshold: f.pdqThreshold, HashThreshold: f.hashThreshold})
	if err != nil {
		return scanFailed("load sets: %v", err)
	}
	defer matcher.Close()

	// The evidence roots must all be readable before anything is written.
	sources, roots, err := openEvidence(paths)
	if err != nil {
		return err
	}
	for _, out := range []string{f.reportPath, f.unmatched} {
		if out == "" {
			continue
		}
		if root, inside := insideAny(out, roots); inside {
			return scanFailed("%s is inside the evidence %s: nothing may be written under an evidence root", out, root)
		}
	}

	header := scanHeader(cmd, started, db.Dir(), matcher, paths, f)

	// Outputs.
	var out io.Writer = stdout
	var reportFile *report.AtomicFile
	if f.reportPath != "" {
		if reportFile, err = report.CreateAtomic(f.reportPath); err != nil {
			return scanFailed("%v", err)
		}
		defer reportFile.Abort() // no-op after Commit
		out = reportFile
	}
	w, err := report.NewWriter(out, format, header)
	if err != nil {
		return scanFailed("write report: %v", err)
	}
	var unmatchedFile *report.AtomicFile
	var unmatchedList *report.SortedListWriter
	if f.unmatched != "" {
		if unmatchedFile, err = report.CreateAtomic(f.unmatched); err != nil {
			return scanFailed("%v", err)
		}
		defer unmatchedFile.Abort()
		var algs []hashset.Algorithm
		for _, a := range matcher.Algorithms() {
			if a.Exact() || unmatchedFmt != report.ListHashdeep {
				algs = append(algs, a)
			}
		}
		if len(algs) == 0 {
			return scanFailed("--unmatched: the loaded sets hold no digest that format can list")
		}
		wd, _ := os.Getwd()
		// Rows are sorted by path so that the list does not depend on the
		// order items finish; runs that do not fit in memory are spilled
		// beside the list, which is outside every evidence root.
		unmatchedList, err = report.NewSortedListWriter(unmatchedFile, unmatchedFmt, report.ListOptions{Algorithms: algs, WorkingDir: wd, Command: os.Args},
			filepath.Dir(f.unmatched), 0)
		if err != nil {
			return scanFailed("--unmatched: %v", err)
		}
		defer unmatchedList.Abort()
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg := scan.Config{
		Matcher:  matcher,
		Sources:  sources,
		Jobs:     f.jobs,
		MD5Lanes: f.md5Lanes,
		Image:    imageHasher.Hash,

		VerifyImages: f.verifyImage,
		Limits:       evidence.Limits{MaxDepth: f.maxDepth, MaxExpanded: int64(f.maxExpanded), MaxRatio: f.maxRatio},
		OnResult: func(r scan.Result) error {
			w.Add(r)
			if unmatchedList != nil && r.Outcome == scan.Unmatched {
				return unmatchedList.Write(r)
			}
			return nil
		},
	}
	var bar *progressBar
	if !f.noProgress && isTerminal(stderr) {
		bar = newProgressBar(ctx, stderr, sources)
		cfg.Progress = bar.add
	}
	sum, runErr := scan.Run(ctx, cfg)
	if bar != nil {
		bar.finish()
	}
	if runErr != nil {
		return scanFailed("scan: %v", runErr)
	}
	if err := w.Close(sum); err != nil {
		return scanFailed("write report: %v", err)
	}
	if unmatchedList != nil {
		if err := unmatchedList.Close(); err != nil {
			return scanFailed("write %s: %v", f.unmatched, err)
		}
		if _, err := report.CommitWithSidecar(unmatchedFile); err != nil {
			return scanFailed("%v", err)
		}
	}
	if reportFile != nil {
		digest, err := report.CommitWithSidecar(reportFile)
		if err != nil {
			return scanFailed("%v", err)
		}
		fmt.Fprintf(stderr, "report %s sha256 %s\n", f.reportPath, digest)
	}
	if sum.Interrupted {
		fmt.Fprintln(stderr, "hashtriage: scan interrupted: not every item was read; the summary says how far it got")
	}
	if code := sum.ExitCode(); code != 0 {
		return &exitStatus{code: code}
	}
	return nil
}

// openEvidence opens every root named on the command line; any that cannot
// be opened stops the scan before it starts (exit status 3).
func openEvidence(paths []string) ([]evidence.Source, []string, error) {
	var sources []evidence.Source
	var roots []string
	for _, p := range paths {
		src, err := evidence.Open(p, evidence.OpenOptions{})
		if err != nil {
			return nil, nil, scanFailed("unreadable evidence: %v", err)
		}
		sources = append(sources, src)
		if abs, err := filepath.Abs(p); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			roots = append(roots, abs)
		}
	}
	return sources, roots, nil
}

// insideAny reports whether path p (which may not exist yet) lies under
// one of roots.
func insideAny(p string, roots []string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	dir := filepath.Dir(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	for _, r := range roots {
		if abs == r || strings.HasPrefix(abs, r+string(filepath.Separator)) {
			return r, true
		}
	}
	return "", false
}

func scanHeader(cmd *cobra.Command, started time.Time, dbDir string, m *match.Matcher, paths []string, f scanFlags) report.Header {
	bi := readBuildInfo()
	wd, _ := os.Getwd()
	host, _ := os.Hostname()
	h := report.Header{
		Tool: "hashtriage", Version: bi.Version, Commit: bi.commitID(), Command: os.Args, Started: started,
		Database: dbDir, Evidence: paths,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, WorkingDir: wd, Host: host,
		RunID: newRunID(), Mode: "host files read in place, read-only; disk images, volumes and archives parsed directly, never mounted", Jobs: f.jobs,
		AtimeProtection: atimeProtection(), CaseID: f.caseID, Examiner: f.examiner,
		MaxDepth: f.maxDepth, MaxExpanded: int64(f.maxExpanded), MaxRatio: f.maxRatio,
	}
	if abs, err := filepath.Abs(dbDir); err == nil {
		h.Database = abs
	}
	for _, s := range m.Sets() {
		rs := report.Set{Name: s.Name, Kind: string(s.Kind), Format: s.Format, SourceSHA256: s.SourceSHA256,
			Entries: s.TotalEntries(), Source: s.Source, FormatVersion: s.FormatVersion,
			ByAlgorithm: s.Entries}
		if !s.Imported.IsZero() {
			rs.Imported = s.Imported.UTC().Format(time.RFC3339)
		}
		if d := droppedCounts(s.Dropped); len(d) > 0 {
			rs.Dropped = d
		}
		h.Sets = append(h.Sets, rs)
	}
	for _, a := range m.Algorithms() {
		switch {
		case a.Exact():
			h.Algorithms = append(h.Algorithms, a.String())
		case a.Perceptual():
			h.Perceptual = append(h.Perceptual, a.String())
		}
	}
	if len(h.Perceptual) > 0 {
		opts := m.Options()
		h.PDQThreshold, h.HashThreshold = opts.PDQThreshold, opts.HashThreshold
		if mode, err := perceptual.ParsePDQMode(f.image.pdqMode); err == nil {
			h.PDQConvention = mode.String()
		}
		h.PDQMinQuality, h.MaxImagePixels = f.image.minQuality, f.image.maxPixels
	}
	return h
}

func droppedCounts(d hashset.Dropped) map[string]int64 {
	out := map[string]int64{}
	for a, n := range d.EmptyInput {
		out["empty_input_"+a] = n
	}
	for k, n := range map[string]int64{"duplicates": d.Duplicates, "invalid": d.Invalid, "deleted": d.Deleted} {
		if n > 0 {
			out[k] = n
		}
	}
	for a, n := range d.Unmatchable {
		out["unmatchable_"+a] = n
	}
	return out
}

func atimeProtection() string {
	if runtime.GOOS == "linux" {
		return "O_NOATIME, falling back per file to plain O_RDONLY where the kernel refuses it (counted in the summary)"
	}
	return "none: " + runtime.GOOS + " has no O_NOATIME; reading live files may update access times"
}

// newRunID returns a random (version 4) UUID naming this run.
func newRunID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return ""
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// progressBar shows bytes and items done, rate and ETA on standard error.
// Its total comes from a second walk of the sources that runs alongside
// the scan and only sums sizes.
type progressBar struct {
	p      *mpb.Progress
	bar    *mpb.Bar
	items  atomic.Int64
	cancel context.CancelFunc
}

func newProgressBar(ctx context.Context, out io.Writer, sources []evidence.Source) *progressBar {
	ctx, cancel := context.WithCancel(ctx)
	pb := &progressBar{cancel: cancel}
	pb.p = mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
	var counting atomic.Bool
	counting.Store(true)
	pb.bar = pb.p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(
			decor.Counters(decor.SizeB1024(0), "% .1f / % .1f"),
			decor.Any(func(decor.Statistics) string {
				s := fmt.Sprintf("  %d items", pb.items.Load())
				if counting.Load() {
					s += " (counting…)"
				}
				return s
			}),
		),
		mpb.AppendDecorators(
			decor.AverageSpeed(decor.SizeB1024(0), "% .1f"),
			decor.Name("  ETA "),
			decor.AverageETA(decor.ET_STYLE_GO),
		),
	)
	go func() {
		var total int64
		for _, src := range sources {
			src.Walk(ctx, func(it evidence.Item) error {
				if it.Type == evidence.Regular && it.Err == nil {
					total += it.Size
				}
				return nil
			})
		}
		if ctx.Err() == nil {
			pb.bar.SetTotal(total, false)
			counting.Store(false)
		}
	}()
	return pb
}

func (pb *progressBar) add(bytes, items int64) {
	if bytes > 0 {
		pb.bar.IncrInt64(bytes)
	}
	pb.items.Add(items)
}

func (pb *progressBar) finish() {
	pb.bar.SetTotal(-1, true)
	pb.cancel()
	pb.p.Wait()
}
