package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/scan"
)

// A Writer writes one scan report. NewWriter checks the header; Add keeps
// the match and error results (small, and as many as there are hits and
// failures, not items); Close writes the header, completed with what is
// known only at the end (the disk images expanded and their verification,
// scan.Summary.DiskImages), then the kept records sorted by path, then the
// summary. The header thus stays the first record. Other results (known, unmatched, skipped) are only
// counted in the summary, so memory does not grow with the item count.
type Writer struct {
	bw      *bufio.Writer
	format  Format
	header  Header
	algs    []hashset.Algorithm // digest columns, in order
	records []record
	err     error
}

// record is what a report keeps of a match or error result.
type record struct {
	path    string
	parts   []string // evidence.Item.Parts
	failed  bool
	size    int64
	digests []scan.Digest
	matches []match.Match
	meta    evidence.Metadata
	errText string
}

// NewWriter starts a report in format f on w. Nothing is written before
// Close.
func NewWriter(w io.Writer, f Format, h Header) (*Writer, error) {
	rw := &Writer{bw: bufio.NewWriterSize(w, 64<<10), format: f, header: h}
	for _, n := range append(append([]string{}, h.Algorithms...), h.Perceptual...) {
		a, err := hashset.ParseAlgorithm(n)
		if err != nil {
			return nil, fmt.Errorf("report header: %w", err)
		}
		rw.algs = append(rw.algs, a)
	}
	switch f {
	case JSONL, CSV, Text:
	default:
		return nil, fmt.Errorf("unknown report format %q", f)
	}
	return rw, nil
}

// writeHeader writes the header record (JSON Lines), column names (CSV)
// or heading (text).
func (w *Writer) writeHeader(images []evidence.ImageInfo) {
	switch w.format {
	case JSONL:
		rec := w.header.record()
		for _, im := range images {
			rec.Images = append(rec.Images, imageRecordOf(im))
		}
		w.writeJSON(rec)
	case CSV:
		cols := []string{"type", "path", "size"}
		for _, a := range w.algs {
			cols = append(cols, a.String())
			if a == hashset.PDQ {
				cols = append(cols, "pdq_quality")
			}
		}
		cols = append(cols, csvMatchColumns...)
		cols = append(cols, csvMetaColumns...)
		w.writeCSV(cols)
	case Text:
		w.writeText(w.header, images)
	}
}

// Add records r if it belongs in the report: Matched results (alert hits,
// with any known matches of the same item) and Failed results.
func (w *Writer) Add(r scan.Result) {
	switch r.Outcome {
	case scan.Matched:
		w.records = append(w.records, record{path: r.Item.Path, parts: r.Item.Parts, size: r.Item.Size, digests: r.Digests, matches: r.Matches, meta: r.Item.Meta})
	case scan.Failed:
		msg := "unknown error"
		if r.Err != nil {
			msg = r.Err.Error()
		}
		w.records = append(w.records, record{path: r.Item.Path, parts: r.Item.Parts, failed: true, size: r.Item.Size, errText: msg, meta: r.Item.Meta})
	}
}

// Close writes the kept records, sorted by path (match records before
// error records of the same path), then the summary, and flushes. It does
// not close the underlying writer.
func (w *Writer) Close(s scan.Summary) error {
	w.writeHeader(s.DiskImages)
	sort.SliceStable(w.records, func(i, j int) bool {
		a, b := w.records[i], w.records[j]
		if a.path != b.path {
			return a.path < b.path
		}
		return !a.failed && b.failed
	})
	switch w.format {
	case JSONL:
		for _, r := range w.records {
			if r.failed {
				w.writeJSON(w.errorRecord(r))
			} else {
				w.writeJSON(w.matchRecord(r))
			}
		}
		w.writeJSON(summaryRecordOf(s))
	case CSV:
		for _, r := range w.records {
			w.csvRows(r)
		}
	case Text:
		w.textBody(s)
	}
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

func (w *Writer) writeJSON(v any) {
	if w.err != nil {
		return
	}
	enc := json.NewEncoder(w.bw)
	enc.SetEscapeHTML(false)
	w.err = enc.Encode(v) // Encode ends each record with a newline
}

type matchEntry struct {
	Set       string `json:"set"`
	Kind      string `json:"kind"`
	Algorithm string `json:"algorithm"`
	Distance  int    `json:"distance"`
	ID        string `json:"id"`
	Category  string `json:"category"`
	Series    string `json:"series,omitempty"`
}

type matchRecord struct {
	Type       string       `json:"type"`
	Path       string       `json:"path"`
	PathHex    string       `json:"path_hex,omitempty"`
	PathParts  []string     `json:"path_parts,omitempty"` // see pathPartsField
	Size       int64        `json:"size"`
	MD5        string       `json:"md5,omitempty"`
	SHA1       string       `json:"sha1,omitempty"`
	SHA256     string       `json:"sha256,omitempty"`
	PDQ        string       `json:"pdq,omitempty"`
	PDQQuality *int         `json:"pdq_quality,omitempty"`
	AHash      string       `json:"ahash,omitempty"`
	DHash      string       `json:"dhash,omitempty"`
	PHash      string       `json:"phash,omitempty"`
	Matches    []matchEntry `json:"matches"`

	metaFields
}

// metaFields is what the file system or container says about an item
// (evidence.Metadata), on match and error records alike: an error inside
// a deleted file says so. Times are UTC RFC 3339; absent when not known.
type metaFields struct {
	FileSystem string `json:"file_system,omitempty"`
	Inode      uint64 `json:"inode,omitempty"`
	Stream     string `json:"stream,omitempty"`
	Deleted    bool   `json:"deleted,omitempty"`
	Modified   string `json:"modified,omitempty"`
	Accessed   string `json:"accessed,omitempty"`
	Changed    string `json:"changed,omitempty"`
	Created    string `json:"created,omitempty"`
}

func metaFieldsOf(m evidence.Metadata) metaFields {
	return metaFields{FileSystem: m.FileSystem, Inode: m.Inode, Stream: m.Stream, Deleted: m.Deleted,
		Modified: utc(m.Modified), Accessed: utc(m.Accessed), Changed: utc(m.Changed), Created: utc(m.Created)}
}

type errorRecord struct {
	Type      string   `json:"type"`
	Path      string   `json:"path"`
	PathHex   string   `json:"path_hex,omitempty"`
	PathParts []string `json:"path_parts,omitempty"` // see pathPartsField
	Error     string   `json:"error"`

	metaFields
}

func (w *Writer) matchRecord(r record) matchRecord {
	m := matchRecord{Type: "match", Size: r.size, Matches: []matchEntry{}}
	m.Path, m.PathHex = pathFields(r.path)
	m.PathParts = pathPartsField(r.path, r.parts)
	m.MD5, _ = digestHex(r.digests, hashset.MD5)
	m.SHA1, _ = digestHex(r.digests, hashset.SHA1)
	m.SHA256, _ = digestHex(r.digests, hashset.SHA256)
	var q int
	if m.PDQ, q = digestHex(r.digests, hashset.PDQ); m.PDQ != "" && q >= 0 {
		m.PDQQuality = &q
	}
	m.AHash, _ = digestHex(r.digests, hashset.AHash)
	m.DHash, _ = digestHex(r.digests, hashset.DHash)
	m.PHash, _ = digestHex(r.digests, hashset.PHash)
	for _, x := range r.matches {
		m.Matches = append(m.Matches, matchEntry{Set: x.Set, Kind: string(x.Kind), Algorithm: x.Algorithm.String(),
			Distance: x.Distance, ID: x.ID, Category: x.Category, Series: x.Series})
	}
	m.metaFields = metaFieldsOf(r.meta)
	return m
}

func (w *Writer) errorRecord(r record) errorRecord {
	e := errorRecord{Type: "error", Error: r.errText, metaFields: metaFieldsOf(r.meta)}
	e.Path, e.PathHex = pathFields(r.path)
	e.PathParts = pathPartsField(r.path, r.parts)
	return e
}

func pathFields(p string) (display, hexBytes string) {
	d, ok := DisplayPath(p)
	if ok {
		return d, ""
	}
	return d, PathHex(p)
}

// pathPartsField returns the "path_parts" of a record: the components of
// the locator p (evidence.Item.Parts), each in the display form of "path"
// (DisplayPath), but only when some component holds "!", which makes p
// ambiguous; nil otherwise, and when the components are not known or do
// not join to p. Joined with "!", the components give "path" exactly,
// since DisplayPath neither adds nor removes a "!". For a path that is not
// UTF-8, each component holds as many "!" as its bytes do, so the exact
// bytes in "path_hex" split into the exact components at the "!" that
// path_parts puts between them.
func pathPartsField(p string, parts []string) []string {
	if len(parts) == 0 || !slices.ContainsFunc(parts, func(s string) bool { return strings.Contains(s, "!") }) ||
		strings.Join(parts, "!") != p {
		return nil
	}
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i], _ = DisplayPath(s)
	}
	return out
}

type summaryRecord struct {
	Type           string  `json:"type"`
	Items          int64   `json:"items"`
	Bytes          int64   `json:"bytes"`
	Matched        int64   `json:"matched"`
	Known          int64   `json:"known"`
	Errors         int64   `json:"errors"`
	Skipped        int64   `json:"skipped"`
	Finished       string  `json:"finished"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`

	Started          string           `json:"started"`
	Unmatched        int64            `json:"unmatched"`
	Expanded         int64            `json:"expanded,omitempty"`
	SkippedByType    map[string]int64 `json:"skipped_by_type,omitempty"`
	NoAtime          int64            `json:"noatime"`
	AtimeUnprotected int64            `json:"atime_unprotected"`
	Interrupted      bool             `json:"interrupted"`
	NotExamined      []string         `json:"not_examined,omitempty"`
	ExitCode         int              `json:"exit_code"`

	// Images that went through the perceptual step; present only when a
	// perceptual kind was computed.
	Images           *int64 `json:"images,omitempty"`
	ImagesTooSmall   *int64 `json:"images_too_small,omitempty"`
	ImagesLowQuality *int64 `json:"images_low_quality,omitempty"`
	ImagesFailed     *int64 `json:"images_failed,omitempty"`
}

func summaryRecordOf(s scan.Summary) summaryRecord {
	byType := s.SkippedByType
	if len(byType) == 0 {
		byType = nil
	}
	rec := summaryRecord{
		Type: "summary", Items: s.Items, Bytes: s.Bytes, Matched: s.Matched, Known: s.Known,
		Errors: s.Errors, Skipped: s.Skipped, Finished: utc(s.Finished),
		ElapsedSeconds: math.Round(s.Elapsed().Seconds()*1000) / 1000,
		Started:        utc(s.Started), Unmatched: s.Unmatched, Expanded: s.Expanded, SkippedByType: byType,
		NoAtime: s.NoAtime, AtimeUnprotected: s.WithAtime, Interrupted: s.Interrupted,
		NotExamined: s.NotExamined, ExitCode: s.ExitCode(),
	}
	if len(s.Perceptual) > 0 {
		rec.Images, rec.ImagesTooSmall = &s.Images, &s.ImagesTooSmall
		rec.ImagesLowQuality, rec.ImagesFailed = &s.ImagesLowQuality, &s.ImagesFailed
	}
	return rec
}

// CSV

func (w *Writer) writeCSV(row []string) {
	if w.err != nil {
		return
	}
	cw := csv.NewWriter(w.bw)
	if err := cw.Write(row); err != nil {
		w.err = err
		return
	}
	cw.Flush()
	w.err = cw.Error()
}

func (w *Writer) csvRows(r record) {
	p, _ := DisplayPath(r.path)
	base := []string{"match", cell(p), strconv.FormatInt(r.size, 10)}
	if r.failed {
		base[0], base[2] = "error", ""
	}
	for _, a := range w.algs {
		h, q := digestHex(r.digests, a)
		base = append(base, h)
		if a == hashset.PDQ {
			if q >= 0 && h != "" {
				base = append(base, strconv.Itoa(q))
			} else {
				base = append(base, "")
			}
		}
	}
	meta := metaCells(r.meta)
	if r.failed {
		w.writeCSV(append(append(base, "", "", "", "", "", "", "", cell(r.errText)), meta...))
		return
	}
	for _, g := range groupBySet(r.matches) {
		row := append(append([]string{}, base...), cell(g.set), g.kind, strings.Join(g.algorithms, ";"),
			strconv.Itoa(g.distance), cell(strings.Join(g.ids, ";")), cell(strings.Join(g.categories, ";")), cell(strings.Join(g.series, ";")), "")
		w.writeCSV(append(row, meta...))
	}
}

// csvMetaColumns follow csvMatchColumns (added after them, so that scripts
// reading the earlier columns by position keep working): the item's
// file-system metadata, as the JSON Lines fields of the same names give
// it, on every row of the item. A cell is empty when the value is not
// known; "deleted" is "true" for an entry the file system marks deleted
// and empty otherwise, as the JSON field is present only then.
var csvMetaColumns = []string{"file_system", "inode", "stream", "deleted", "modified", "accessed", "changed", "created"}

// metaCells returns the csvMetaColumns cells of m.
func metaCells(m evidence.Metadata) []string {
	f := metaFieldsOf(m)
	inode, deleted := "", ""
	if f.Inode != 0 {
		inode = strconv.FormatUint(f.Inode, 10)
	}
	if f.Deleted {
		deleted = "true"
	}
	return []string{cell(f.FileSystem), inode, cell(f.Stream), deleted, f.Modified, f.Accessed, f.Changed, f.Created}
}

// csvMatchColumns follow the digest columns of a CSV report: one row per
// file and matched set, the set's matching algorithms, entry ids,
// categories and series each joined with ";" (in match order, without
// repeats), and the best (smallest) distance.
var csvMatchColumns = []string{"set", "kind", "algorithms", "distance", "ids", "categories", "series", "error"}

// setMatches is what one set says about one file.
type setMatches struct {
	set, kind                           string
	algorithms, ids, categories, series []string
	distance                            int
}

// groupBySet folds the matches of one file into one entry per set, in
// the order the sets first appear (alert sets before known ones).
func groupBySet(ms []match.Match) []setMatches {
	var out []setMatches
	index := map[string]int{}
	addOnce := func(list []string, v string) []string {
		if v == "" || slices.Contains(list, v) {
			return list
		}
		return append(list, v)
	}
	for _, m := range ms {
		key := string(m.Kind) + "\x00" + m.Set
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, setMatches{set: m.Set, kind: string(m.Kind), distance: m.Distance})
		}
		g := &out[i]
		g.algorithms = addOnce(g.algorithms, m.Algorithm.String())
		g.ids = addOnce(g.ids, m.ID)
		g.categories = addOnce(g.categories, m.Category)
		g.series = addOnce(g.series, m.Series)
		g.distance = min(g.distance, m.Distance)
	}
	return out
}

// cell defuses text that a spreadsheet would run as a formula (a file
// name like "=HYPERLINK(...)" planted on seized media): such cells get a
// leading apostrophe, which spreadsheets hide. Text that is not UTF-8 (an
// error naming such a path, an id from a list) is written as DisplayPath
// writes paths, since CSV text must be UTF-8.
func cell(s string) string {
	s, _ = DisplayPath(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Text

func (w *Writer) writeText(h Header, images []evidence.ImageInfo) {
	if w.err != nil {
		return
	}
	fmt.Fprintf(w.bw, "%s %s scan, started %s\n", h.Tool, h.Version, utc(h.Started))
	fmt.Fprintf(w.bw, "evidence: %s\n", strings.Join(displayAll(h.Evidence), ", "))
	fmt.Fprintf(w.bw, "database: %s (%d sets)\n", h.Database, len(h.Sets))
	for _, s := range h.Sets {
		fmt.Fprintf(w.bw, "  %-5s  %s (%s, %d entries, source sha256 %s)\n", s.Kind, s.Name, s.Format, s.Entries, s.SourceSHA256)
	}
	if len(h.Perceptual) > 0 {
		// Perceptual hits are similar pictures, not identical files: say how similar.
		fmt.Fprintf(w.bw, "perceptual: %s; PDQ %s convention, similar within %d bits, quality >= %d; other kinds within %d bits\n",
			strings.Join(h.Perceptual, ", "), h.PDQConvention, h.PDQThreshold, h.PDQMinQuality, h.HashThreshold)
	}
	for _, im := range images {
		p, _ := DisplayPath(im.Path)
		fmt.Fprintf(w.bw, "image: %s (%s, %d bytes): case %q, evidence %q, examiner %q, acquired %s\n", p, im.Format, im.Size, im.CaseNumber, im.EvidenceNumber, im.Examiner, im.Acquired)
		if im.Verification != "" {
			fmt.Fprintf(w.bw, "  verification: %s (stored md5 %s sha1 %s; computed md5 %s sha1 %s)", im.Verification, orNone(im.StoredMD5), orNone(im.StoredSHA1), orNone(im.ComputedMD5), orNone(im.ComputedSHA1))
			for _, r := range im.BadRanges {
				fmt.Fprintf(w.bw, "; bad bytes %d-%d", r.Offset, r.Offset+r.Length-1)
			}
			if im.VerifyError != "" {
				fmt.Fprintf(w.bw, "; %s", im.VerifyError)
			}
			fmt.Fprintln(w.bw)
		}
	}
	fmt.Fprintln(w.bw)
}

func displayAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i], _ = DisplayPath(p)
	}
	return out
}

func (w *Writer) textBody(s scan.Summary) {
	if w.err != nil {
		return
	}
	var matches, failures []record
	for _, r := range w.records {
		if r.failed {
			failures = append(failures, r)
		} else {
			matches = append(matches, r)
		}
	}
	tw := tabwriter.NewWriter(w.bw, 0, 8, 2, ' ', 0)
	if len(matches) == 0 {
		fmt.Fprintln(tw, "No item matched an alert set.")
	} else {
		fmt.Fprintf(tw, "MATCHES (%d)\n", len(matches))
		fmt.Fprintln(tw, "PATH\tSIZE\tSET\tKIND\tALGORITHM\tDISTANCE\tID\tCATEGORY\tNOTE")
		for _, r := range matches {
			p, _ := DisplayPath(r.path)
			note := ""
			if r.meta.Deleted {
				// The examiner must know at a glance that the content came
				// from a deleted entry and may be partly overwritten.
				note = "deleted"
			}
			for i, m := range r.matches {
				if i > 0 {
					p, note = "  \"", ""
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", tabSafe(p), r.size, tabSafe(m.Set), m.Kind, m.Algorithm, m.Distance, tabSafe(m.ID), tabSafe(m.Category), note)
			}
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(tw, "\nERRORS (%d)\n", len(failures))
		fmt.Fprintln(tw, "PATH\tERROR")
		for _, r := range failures {
			p, _ := DisplayPath(r.path)
			fmt.Fprintf(tw, "%s\t%s\n", tabSafe(p), tabSafe(r.errText))
		}
	}
	if err := tw.Flush(); err != nil {
		w.err = err
		return
	}
	fmt.Fprintf(w.bw, "\n%d items, %s read: %d matched, %d known, %d unmatched, %d errors, %d skipped; %.1f s",
		s.Items, byteCount(s.Bytes), s.Matched, s.Known, s.Unmatched, s.Errors, s.Skipped, s.Elapsed().Seconds())
	if s.Interrupted {
		fmt.Fprint(w.bw, "; INTERRUPTED: not every item was read")
	}
	fmt.Fprintln(w.bw)
	if len(s.Perceptual) > 0 {
		fmt.Fprintf(w.bw, "images: %d (%d too small to match, %d too featureless to match, %d not decoded)\n",
			s.Images, s.ImagesTooSmall, s.ImagesLowQuality, s.ImagesFailed)
	}
	for _, n := range s.NotExamined {
		fmt.Fprintf(w.bw, "not examined: %s\n", n)
	}
	fmt.Fprintf(w.bw, "finished %s, exit code %d\n", utc(s.Finished), s.ExitCode())
}

// tabSafe keeps tabs and newlines in names from breaking the table.
func tabSafe(s string) string {
	return strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

func byteCount(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
