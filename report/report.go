// Package report writes the results of a scan: JSON Lines records exactly
// as docs/DESIGN.md fixes them (a scan header, match records sorted by
// path, error records, a summary), CSV with one row per file and matched
// set, and a short human table. It also writes digest lists (the output of
// hashtriage hash and of scan --unmatched) as CSV, JSON Lines or hashdeep
// text, and files atomically with a sha256sum sidecar.
//
// Reports never hold file content: only paths, sizes, digests, metadata
// and what the lists say about their entries.
//
// # Paths that are not UTF-8
//
// Item paths are kept byte for byte. JSON and CSV text must be UTF-8, so a
// path holding bytes that are not valid UTF-8 is written with each such
// byte as the four characters \xNN (upper-case hex) in "path", and JSON
// records then add "path_hex": the exact bytes of the path in lower-case
// hex, from which the path is recovered without loss. Paths that are valid
// UTF-8 are written as they are and get no "path_hex".
//
// # Names that hold "!"
//
// A locator joins its levels with "!" (docs/DESIGN.md), so a ZIP member
// named "a!b.jpg" in x.zip has the path "x.zip!a!b.jpg", which also reads
// as b.jpg inside a container a. When a component of an item's locator
// (evidence.Item.Parts) holds "!", its JSON Lines match and error records
// add "path_parts": the components, outermost source path first, then one
// inner path per container level (["case/x.zip","a!b.jpg"]). Records of
// other items have no "path_parts", so their reports are unchanged. Each
// component is written as "path" is (DisplayPath), and joined with "!"
// they give "path" exactly; when "path_hex" is present, the component
// bytes are recovered from it by splitting at the "!" that path_parts
// places between them (a component holds as many "!" in its display form
// as in its bytes).
//
// # CSV columns
//
// A CSV scan report has the columns type, path, size, one per digest
// (pdq adds pdq_quality), set, kind, algorithms, distance, ids,
// categories, series, error, and then the item's file-system metadata as
// the JSON Lines fields of the same names give it: file_system, inode,
// stream, deleted, modified, accessed, changed, created. Metadata cells
// are empty when not known; deleted is "true" or empty, as the JSON field
// is present only when true. Columns are only ever added at the end.
package report

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/scan"
)

// Format is a report format.
type Format string

const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
	Text  Format = "text"
)

// ParseFormat parses "jsonl", "csv" or "text".
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case JSONL, CSV, Text:
		return f, nil
	}
	return "", fmt.Errorf("report format must be jsonl, csv or text, not %q", s)
}

// Set describes one loaded hash set in the header.
type Set struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Format       string `json:"format"`
	SourceSHA256 string `json:"source_sha256"`
	Entries      int64  `json:"entries"`

	Source        string           `json:"source,omitempty"`         // source file name
	FormatVersion string           `json:"format_version,omitempty"` // e.g. VICS "2.0"
	Imported      string           `json:"imported,omitempty"`       // UTC, RFC 3339
	ByAlgorithm   map[string]int64 `json:"entries_by_algorithm,omitempty"`
	Dropped       map[string]int64 `json:"dropped,omitempty"` // entries dropped at import, by reason
}

// Header is the provenance of a scan: the fields DESIGN.md fixes, then
// those forensic-practice.md §2.6 asks for.
type Header struct {
	Tool     string
	Version  string
	Command  []string
	Started  time.Time
	Database string
	Sets     []Set
	Evidence []string

	Commit          string // build commit, if known
	GoVersion       string
	OS, Arch        string
	WorkingDir      string
	Host            string
	RunID           string
	Mode            string // e.g. "live directory tree"
	AtimeProtection string // e.g. "O_NOATIME, per-file fallback to plain O_RDONLY"
	Algorithms      []string
	Perceptual      []string
	PDQConvention   string // "full" or "512"
	PDQThreshold    int
	PDQMinQuality   int   // PDQ hashes of lower quality are not matched
	MaxImagePixels  int64 // larger images are refused undecoded
	HashThreshold   int
	Jobs            int
	CaseID          string
	Examiner        string

	// Container expansion limits in force (evidence.Limits); zero: not
	// recorded.
	MaxDepth    int     // container nesting depth
	MaxExpanded int64   // bytes expanded per archive
	MaxRatio    float64 // expanded bytes per compressed byte
}

// scanRecord is the JSON form of Header; the first fields are fixed by DESIGN.md.
type scanRecord struct {
	Type     string   `json:"type"`
	Tool     string   `json:"tool"`
	Version  string   `json:"version"`
	Command  []string `json:"command"`
	Started  string   `json:"started"`
	Database string   `json:"database"`
	Sets     []Set    `json:"sets"`
	Evidence []string `json:"evidence"`

	RunID           string   `json:"run_id,omitempty"`
	Commit          string   `json:"commit,omitempty"`
	GoVersion       string   `json:"go_version,omitempty"`
	OS              string   `json:"os,omitempty"`
	Arch            string   `json:"arch,omitempty"`
	Host            string   `json:"host,omitempty"`
	WorkingDir      string   `json:"working_dir,omitempty"`
	Mode            string   `json:"mode,omitempty"`
	AtimeProtection string   `json:"atime_protection,omitempty"`
	Algorithms      []string `json:"algorithms,omitempty"`
	Perceptual      []string `json:"perceptual,omitempty"`
	PDQConvention   string   `json:"pdq_convention,omitempty"`
	PDQThreshold    *int     `json:"pdq_threshold,omitempty"` // set when perceptual matching runs: 0 is a threshold
	PDQMinQuality   int      `json:"pdq_min_quality,omitempty"`
	MaxImagePixels  int64    `json:"max_image_pixels,omitempty"`
	HashThreshold   *int     `json:"hash_threshold,omitempty"`
	Jobs            int      `json:"jobs,omitempty"`
	CaseID          string   `json:"case_id,omitempty"`
	Examiner        string   `json:"examiner,omitempty"`
	MaxDepth        int      `json:"max_depth,omitempty"`
	MaxExpanded     int64    `json:"max_expanded,omitempty"`
	MaxRatio        float64  `json:"max_ratio,omitempty"`

	// Images are the disk images expanded, known only when the scan ends.
	Images []imageRecord `json:"images,omitempty"`
}

// imageRecord is the JSON form of evidence.ImageInfo: the chain-of-custody
// fields of an E01 acquisition header and the check of its media hashes
// (forensic-practice.md §2.5, §2.6).
type imageRecord struct {
	Path           string `json:"path"`
	PathHex        string `json:"path_hex,omitempty"`
	Format         string `json:"format"`
	Size           int64  `json:"media_size"`
	CaseNumber     string `json:"case_number,omitempty"`
	EvidenceNumber string `json:"evidence_number,omitempty"`
	Examiner       string `json:"examiner,omitempty"`
	Description    string `json:"description,omitempty"`
	Notes          string `json:"notes,omitempty"`
	Model          string `json:"model,omitempty"`
	SerialNumber   string `json:"serial_number,omitempty"`
	DeviceLabel    string `json:"device_label,omitempty"`
	Software       string `json:"acquisition_software,omitempty"`
	Platform       string `json:"acquisition_platform,omitempty"`
	Acquired       string `json:"acquired,omitempty"`
	SystemDate     string `json:"system_date,omitempty"`
	StoredMD5      string `json:"stored_md5,omitempty"`
	StoredSHA1     string `json:"stored_sha1,omitempty"`

	Verification string      `json:"verification,omitempty"` // "verified", "mismatch", "not verifiable"; absent when not asked for
	VerifyError  string      `json:"verification_error,omitempty"`
	ComputedMD5  string      `json:"computed_md5,omitempty"`
	ComputedSHA1 string      `json:"computed_sha1,omitempty"`
	BadRanges    []byteRange `json:"bad_ranges,omitempty"`
}

type byteRange struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
	Last   int64 `json:"last"` // offset of the last byte, as ewfverify and the error records name ranges
}

func imageRecordOf(im evidence.ImageInfo) imageRecord {
	r := imageRecord{
		Format: im.Format, Size: im.Size, CaseNumber: im.CaseNumber, EvidenceNumber: im.EvidenceNumber,
		Examiner: im.Examiner, Description: im.Description, Notes: im.Notes, Model: im.Model,
		SerialNumber: im.SerialNumber, DeviceLabel: im.DeviceLabel, Software: im.Software, Platform: im.Platform,
		Acquired: im.Acquired, SystemDate: im.System, StoredMD5: im.StoredMD5, StoredSHA1: im.StoredSHA1,
		Verification: im.Verification, VerifyError: im.VerifyError, ComputedMD5: im.ComputedMD5, ComputedSHA1: im.ComputedSHA1,
	}
	r.Path, r.PathHex = pathFields(im.Path)
	for _, b := range im.BadRanges {
		r.BadRanges = append(r.BadRanges, byteRange{Offset: b.Offset, Length: b.Length, Last: b.Offset + b.Length - 1})
	}
	return r
}

func (h Header) record() scanRecord {
	sets := h.Sets
	if sets == nil {
		sets = []Set{}
	}
	// Evidence paths and arguments may hold names that are not UTF-8:
	// written as DisplayPath writes item paths.
	ev := displayAll(h.Evidence)
	cmd := displayAll(h.Command)
	r := scanRecord{
		Type: "scan", Tool: h.Tool, Version: h.Version, Command: cmd, Started: utc(h.Started),
		Database: h.Database, Sets: sets, Evidence: ev,
		RunID: h.RunID, Commit: h.Commit, GoVersion: h.GoVersion, OS: h.OS, Arch: h.Arch, Host: h.Host,
		WorkingDir: h.WorkingDir, Mode: h.Mode, AtimeProtection: h.AtimeProtection,
		Algorithms: h.Algorithms, Perceptual: h.Perceptual, PDQConvention: h.PDQConvention,
		PDQMinQuality: h.PDQMinQuality, MaxImagePixels: h.MaxImagePixels, Jobs: h.Jobs,
		CaseID: h.CaseID, Examiner: h.Examiner,
		MaxDepth: h.MaxDepth, MaxExpanded: h.MaxExpanded, MaxRatio: h.MaxRatio,
	}
	if len(h.Perceptual) > 0 {
		r.PDQThreshold, r.HashThreshold = &h.PDQThreshold, &h.HashThreshold
	}
	return r
}

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// DisplayPath returns p as UTF-8 text: p itself when it is valid UTF-8,
// otherwise p with every byte that is not part of valid UTF-8 written as
// \xNN. ok is false in the second case; then PathHex holds the exact bytes.
func DisplayPath(p string) (s string, ok bool) {
	if utf8.ValidString(p) {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&b, `\x%02X`, p[i])
			i++
			continue
		}
		b.WriteString(p[i : i+n])
		i += n
	}
	return b.String(), false
}

// PathHex returns the bytes of p in lower-case hex.
func PathHex(p string) string { return hex.EncodeToString([]byte(p)) }

// digestFields returns the lower-case hex of each digest by algorithm name,
// and the PDQ quality (-1 if none).
func digestHex(ds []scan.Digest, a hashset.Algorithm) (string, int) {
	for _, d := range ds {
		if d.Algorithm == a {
			return hex.EncodeToString(d.Sum), d.Quality
		}
	}
	return "", -1
}
