package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/perceptual"
)

func newSetsCmd() *cobra.Command {
	var dbFlag string
	cmd := &cobra.Command{
		Use:   "sets",
		Short: "Manage the set database: import, list, look up, remove and verify hash sets",
		Long: `The set database is a directory: --db DIR, else $HASHTRIAGE_DB, else
"hashtriage" in the user data directory (~/.local/share/hashtriage on Linux).
Each imported list becomes one immutable, checksummed segment file; the
catalog (catalog.json) records where every set came from.`,
	}
	cmd.PersistentFlags().StringVar(&dbFlag, "db", "", "set database directory (default $HASHTRIAGE_DB or the user data directory)")
	dbDir := func() (string, error) {
		if dbFlag != "" {
			return dbFlag, nil
		}
		return hashset.DefaultDir()
	}
	cmd.AddCommand(newSetsImportCmd(dbDir), newSetsListCmd(dbDir), newSetsLookupCmd(dbDir),
		newSetsRemoveCmd(dbDir), newSetsVerifyCmd(dbDir))
	return cmd
}

func warn(cmd *cobra.Command, format string, args ...any) {
	fmt.Fprintf(cmd.ErrOrStderr(), "hashtriage: "+format+"\n", args...)
}

func newSetsImportCmd(dbDir func() (string, error)) *cobra.Command {
	var (
		opts hashset.ImportOptions
		kind string
	)
	cmd := &cobra.Command{
		Use:   "import [--name NAME] [--kind alert|known] [--format auto|FORMAT] [--skip-invalid] FILE...",
		Short: "Import hash lists, each as a new set",
		Long: `Import reads each FILE (its format detected from the content, or named by
--format) and stores it as a new set, named after the file unless --name is
given. A file already imported (same SHA-256) is not imported again.

By default a malformed line stops the import of that file without changing
the database; --skip-invalid imports the rest and reports what was skipped.
Digests of empty input are dropped from alert sets, with a warning.

Formats: ` + formatList(),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			k, err := hashset.ParseKind(kind)
			if err != nil {
				return err
			}
			opts.Kind = k
			if opts.Name != "" && len(files) > 1 {
				return errors.New("--name names one set: give one FILE with it")
			}
			opts.ImportedBy = versionLine()
			dir, err := dbDir()
			if err != nil {
				return err
			}
			db, err := hashset.Create(dir)
			if err != nil {
				return err
			}
			defer db.Close()
			out := cmd.OutOrStdout()
			failed := 0
			for _, file := range files {
				start := time.Now()
				res, err := db.ImportFile(cmd.Context(), file, opts)
				if res != nil {
					for _, w := range res.Warnings {
						warn(cmd, "warning: %s", w)
					}
				}
				if err != nil {
					warn(cmd, "%v", err)
					failed++
					continue
				}
				s := res.Set
				if res.AlreadyImported {
					fmt.Fprintf(out, "%s: already imported as %q (same SHA-256 %s); nothing to do\n", file, s.Name, s.SourceSHA256)
					continue
				}
				fmt.Fprintf(out, "imported %s as %q (%s, %s format): %s in %.1fs\n",
					file, s.Name, s.Kind, s.Format, entryCounts(s), time.Since(start).Seconds())
				if d := dropSummary(s); d != "" {
					fmt.Fprintf(out, "  dropped: %s\n", d)
				}
				if s.PhotoDNA > 0 {
					fmt.Fprintf(out, "  %d PhotoDNA values present but not matchable\n", s.PhotoDNA)
				}
			}
			if failed > 0 {
				return &exitStatus{code: exitFailure, err: fmt.Errorf("%d of %d files not imported", failed, len(files))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Name, "name", "", "set name (default: the file name without extension)")
	f.StringVar(&kind, "kind", string(hashset.Alert), "alert: report matches; known: count and exclude matches (NSRL)")
	f.StringVar(&opts.Format, "format", "auto", "list format, or auto to detect it from the content")
	f.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip malformed lines (counted and reported) instead of refusing the file")
	return cmd
}

func formatList() string {
	var names []string
	for _, f := range hashset.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ") + "."
}

// entryCounts says "10 entries (md5 6, sha1 4)".
func entryCounts(s hashset.SetInfo) string {
	var parts []string
	for _, a := range s.Algorithms() {
		parts = append(parts, fmt.Sprintf("%s %d", a, s.Entries[a.String()]))
	}
	return fmt.Sprintf("%d entries (%s)", s.TotalEntries(), strings.Join(parts, ", "))
}

func dropSummary(s hashset.SetInfo) string {
	d := s.Dropped
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(d.EmptyInput)) {
		parts = append(parts, fmt.Sprintf("%d empty-input %s", d.EmptyInput[a], a))
	}
	if d.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicates", d.Duplicates))
	}
	if d.Invalid > 0 {
		parts = append(parts, fmt.Sprintf("%d malformed lines", d.Invalid))
	}
	if d.Deleted > 0 {
		parts = append(parts, fmt.Sprintf("%d deleted by the list's deletion records", d.Deleted))
	}
	if d.DeletionsUnmatched > 0 {
		parts = append(parts, fmt.Sprintf("%d deletion records naming entries not in this list (earlier sets are immutable: re-import the full list)", d.DeletionsUnmatched))
	}
	for _, a := range slices.Sorted(maps.Keys(d.Unmatchable)) {
		parts = append(parts, fmt.Sprintf("%d unmatchable %s", d.Unmatchable[a], a))
	}
	return strings.Join(parts, ", ")
}

// openDB opens the database for reading; missing means an empty result for
// list, and a failure elsewhere.
func openDB(dbDir func() (string, error)) (*hashset.DB, string, error) {
	dir, err := dbDir()
	if err != nil {
		return nil, "", err
	}
	db, err := hashset.Open(dir)
	return db, dir, err
}

func noteLeftovers(cmd *cobra.Command, db *hashset.DB) {
	for _, p := range db.Leftovers() {
		warn(cmd, "note: %s is left over from an interrupted import or removal; the next import or remove deletes it", p)
	}
}

func newSetsListCmd(dbDir func() (string, error)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the sets in the database with their provenance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			db, dir, err := openDB(dbDir)
			var sets []hashset.SetInfo
			switch {
			case errors.Is(err, fs.ErrNotExist):
				warn(cmd, "no set database at %s", dir)
			case err != nil:
				return err
			default:
				defer db.Close()
				sets = db.Sets()
				noteLeftovers(cmd, db)
			}
			if asJSON {
				if sets == nil {
					sets = []hashset.SetInfo{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(sets)
			}
			if len(sets) == 0 {
				fmt.Fprintf(out, "no sets in %s\n", dir)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tFORMAT\tENTRIES\tALGORITHMS\tIMPORTED (UTC)\tSOURCE\tSOURCE SHA-256")
			for _, s := range sets {
				var algs []string
				for _, a := range s.Algorithms() {
					algs = append(algs, fmt.Sprintf("%s:%d", a, s.Entries[a.String()]))
				}
				format := s.Format
				if s.FormatVersion != "" {
					format += " " + s.FormatVersion
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Name, s.Kind, format, s.TotalEntries(),
					strings.Join(algs, ","), s.Imported.UTC().Format("2006-01-02 15:04:05"), s.Source, s.SourceSHA256)
			}
			tw.Flush()
			for _, s := range sets {
				if d := dropSummary(s); d != "" {
					fmt.Fprintf(out, "%s: dropped %s\n", s.Name, d)
				}
				if s.PhotoDNA > 0 {
					fmt.Fprintf(out, "%s: %d PhotoDNA values present but not matchable\n", s.Name, s.PhotoDNA)
				}
				for _, k := range slices.Sorted(maps.Keys(s.Unsupported)) {
					fmt.Fprintf(out, "%s: %d %s values present but not matchable\n", s.Name, s.Unsupported[k], k)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the catalog records as JSON")
	return cmd
}

// lookupQuery is one HASH argument resolved to the algorithms to try.
type lookupQuery struct {
	arg    string
	algs   []hashset.Algorithm
	digest []byte
}

// parseLookupArg reads "alg:hex" or bare hex, whose length picks the
// algorithm: 32 MD5, 40 SHA-1, 64 SHA-256 and PDQ, 16 aHash, dHash and pHash.
func parseLookupArg(arg string) (lookupQuery, error) {
	q := lookupQuery{arg: arg}
	h := strings.TrimSpace(arg)
	if kind, v, err := perceptual.ParseImageHash(h); err == nil {
		// goimagehash's own form, a:/d:/p: and 16 hex digits.
		a, _ := hashset.ParseAlgorithm(kind.String())
		q.algs, q.digest = []hashset.Algorithm{a}, binary.BigEndian.AppendUint64(nil, v)
		return q, nil
	}
	if name, rest, ok := strings.Cut(h, ":"); ok {
		a, err := hashset.ParseAlgorithm(name)
		if err != nil {
			return q, err
		}
		if !a.Matchable() {
			return q, fmt.Errorf("%s values cannot be matched", a)
		}
		q.algs, h = []hashset.Algorithm{a}, rest
	} else {
		switch len(h) {
		case 32:
			q.algs = []hashset.Algorithm{hashset.MD5}
		case 40:
			q.algs = []hashset.Algorithm{hashset.SHA1}
		case 64:
			q.algs = []hashset.Algorithm{hashset.SHA256, hashset.PDQ}
		case 16:
			q.algs = []hashset.Algorithm{hashset.AHash, hashset.DHash, hashset.PHash}
		default:
			return q, fmt.Errorf("%q: a hash must be 32 (MD5), 40 (SHA-1), 64 (SHA-256 or PDQ) or 16 (aHash/dHash/pHash) hex digits, or ALG:HEX", arg)
		}
	}
	d, err := hashset.DecodeHex(q.algs[0], strings.ToLower(h))
	if err != nil {
		return q, fmt.Errorf("%q: %w", arg, err)
	}
	q.digest = d
	return q, nil
}

func newSetsLookupCmd(dbDir func() (string, error)) *cobra.Command {
	var (
		asJSON bool
		opts   = match.DefaultOptions()
	)
	cmd := &cobra.Command{
		Use:   "lookup HASH...",
		Short: "Say which sets hold each hash (exit status 1 if none does)",
		Long: `Lookup prints, for each HASH, every set entry that holds it. A HASH is hex,
its algorithm given by its length (32 MD5, 40 SHA-1, 64 both SHA-256 and PDQ,
16 aHash, dHash and pHash), or written ALG:HEX (md5:..., pdq:...), or in
goimagehash's form a:HEX, d:HEX, p:HEX.
Perceptual hashes match within --pdq-threshold / --hash-threshold bits.

Exit status: 0 at least one HASH matched; 1 none did; 3 an error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var qs []lookupQuery
			for _, a := range args {
				q, err := parseLookupArg(a)
				if err != nil {
					return err
				}
				qs = append(qs, q)
			}
			db, _, err := openDB(dbDir)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := match.Open(db, opts)
			if err != nil {
				return err
			}
			defer m.Close()
			if len(m.Sets()) == 0 {
				warn(cmd, "the set database %s holds no sets", db.Dir())
			}
			return printLookups(cmd.OutOrStdout(), m, qs, asJSON)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object a line: hash, algorithm, matches")
	f.IntVar(&opts.PDQThreshold, "pdq-threshold", opts.PDQThreshold, "maximum Hamming distance for PDQ matches")
	f.IntVar(&opts.HashThreshold, "hash-threshold", opts.HashThreshold, "maximum Hamming distance for aHash/dHash/pHash matches")
	return cmd
}

type lookupRecord struct {
	Hash      string        `json:"hash"`
	Algorithm string        `json:"algorithm"`
	Matches   []match.Match `json:"matches"`
}

func printLookups(out io.Writer, m *match.Matcher, qs []lookupQuery, asJSON bool) error {
	matched := false
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "HASH\tALGORITHM\tSET\tKIND\tDISTANCE\tID\tCATEGORY\tSERIES")
	}
	enc := json.NewEncoder(out)
	for _, q := range qs {
		hexd := hex.EncodeToString(q.digest)
		hit := false
		for _, a := range q.algs {
			ms := m.Lookup(a, q.digest)
			if len(ms) == 0 && len(q.algs) > 1 {
				continue // a 64-hex miss is one miss, not one per reading
			}
			hit = hit || len(ms) > 0
			if asJSON {
				if ms == nil {
					ms = []match.Match{}
				}
				if err := enc.Encode(lookupRecord{Hash: hexd, Algorithm: a.String(), Matches: ms}); err != nil {
					return err
				}
				continue
			}
			if len(ms) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t\t\t\t\t(no match)\n", hexd, a)
			}
			for _, x := range ms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", hexd, a, x.Set, x.Kind, x.Distance, x.ID, x.Category, x.Series)
			}
		}
		if !hit && len(q.algs) > 1 {
			names := make([]string, len(q.algs))
			for i, a := range q.algs {
				names[i] = a.String()
			}
			if asJSON {
				if err := enc.Encode(lookupRecord{Hash: hexd, Algorithm: strings.Join(names, "|"), Matches: []match.Match{}}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%s\t%s\t-\t\t\t\t\t(no match)\n", hexd, strings.Join(names, "|"))
			}
		}
		matched = matched || hit
	}
	if !asJSON {
		tw.Flush()
	}
	if !matched {
		return &exitStatus{code: exitNoMatch}
	}
	return nil
}

func newSetsRemoveCmd(dbDir func() (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME...",
		Short: "Remove sets and their segment files (all or none)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, names []string) error {
			db, _, err := openDB(dbDir)
			if err != nil {
				return err
			}
			defer db.Close()
			notes, err := db.Remove(names...)
			for _, n := range notes {
				warn(cmd, "note: %s", n)
			}
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintf(cmd.OutOrStdout(), "removed %q\n", n)
			}
			return nil
		},
	}
}

func newSetsVerifyCmd(dbDir func() (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Re-check every segment's checksums against the catalog",
		Long: `Verify reads every segment file in full and checks its SHA-256 against the
catalog and its own trailer, every section's CRC-32C, the sort order of its
digests and every reference between its sections. Exit status 3 if any set
is damaged or missing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, _, err := openDB(dbDir)
			if err != nil {
				return err
			}
			defer db.Close()
			out := cmd.OutOrStdout()
			checks, left := db.Verify(cmd.Context())
			bad := 0
			for _, c := range checks {
				if c.Err != nil {
					bad++
					fmt.Fprintf(out, "FAILED  %s: %v\n", c.Name, c.Err)
				} else {
					fmt.Fprintf(out, "ok      %s (%s)\n", c.Name, c.Segment)
				}
			}
			for _, p := range left {
				fmt.Fprintf(out, "note    %s is left over from an interrupted import or removal (the next import or remove deletes it)\n", p)
			}
			if bad > 0 {
				return &exitStatus{code: exitFailure, err: fmt.Errorf("%d of %d sets failed verification", bad, len(checks))}
			}
			fmt.Fprintf(out, "%d sets verified\n", len(checks))
			return nil
		},
	}
}
