package hashset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// CatalogVersion is the version of catalog.json this package writes and reads.
const CatalogVersion = 1

const (
	catalogFileName = "catalog.json"
	tempPrefix      = ".tmp-"
	segmentSuffix   = ".htseg"
)

// SetInfo is the catalog's record of one imported set: its provenance and
// what the import kept and dropped.
type SetInfo struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`

	Source        string    `json:"source"`                // the list's file name
	SourcePath    string    `json:"source_path,omitempty"` // its absolute path at import time
	SourceSize    int64     `json:"source_size"`
	SourceSHA256  string    `json:"source_sha256"`
	Format        string    `json:"format"`
	FormatVersion string    `json:"format_version,omitempty"`
	Imported      time.Time `json:"imported"` // UTC
	ImportedBy    string    `json:"imported_by,omitempty"`

	// Entries counts the entries stored, by algorithm name; Digests the
	// distinct digests among them (a list may name one digest in several
	// entries, e.g. with different ids).
	Entries map[string]int64 `json:"entries"`
	Digests map[string]int64 `json:"digests"`
	Dropped Dropped          `json:"dropped"`

	PhotoDNA    int               `json:"photodna,omitempty"`    // PhotoDNA values seen: present but not matchable
	Unsupported map[string]int    `json:"unsupported,omitempty"` // other values seen that cannot be matched, by kind
	Metadata    map[string]string `json:"metadata,omitempty"`    // what the list declares about itself

	Segment        string `json:"segment"` // file name within the database directory
	SegmentSize    int64  `json:"segment_size"`
	SegmentSHA256  string `json:"segment_sha256"` // of the whole segment file, as sha256sum prints it
	SegmentVersion int    `json:"segment_version"`
}

// Dropped counts the list entries an import did not store, by reason.
type Dropped struct {
	// EmptyInput counts digests of zero bytes dropped from an alert set, by algorithm.
	EmptyInput map[string]int64 `json:"empty_input,omitempty"`
	// Duplicates counts entries identical (digest, id, category, series) to an earlier one.
	Duplicates int64 `json:"duplicates"`
	// Invalid counts malformed records skipped (import with SkipInvalid).
	Invalid int64 `json:"invalid"`
	// InvalidExamples holds the first few of those errors, verbatim.
	InvalidExamples []string `json:"invalid_examples,omitempty"`
	// Deleted counts entries removed by the list's own deletion records
	// (one per algorithm: a record with an MD5 and a SHA-1 is two
	// entries). A deletion record, naming a digest or an ID (NCMEC
	// deletedImage and deletedVideo name an ID), removes the entries
	// before it in the list; an entry added again after it is kept, since
	// the later record is the current state of a chronological feed.
	Deleted int64 `json:"deleted"`
	// DeletionsUnmatched counts deletion records that removed no entry of
	// the list: they name entries of an earlier import (whose sets are
	// immutable), or none at all. The import warns about them.
	DeletionsUnmatched int64 `json:"deletions_unmatched"`
	// Unmatchable counts entries of algorithms hashtriage cannot match, by algorithm.
	Unmatchable map[string]int64 `json:"unmatchable,omitempty"`
}

// TotalEntries returns the number of entries stored, all algorithms together.
func (s *SetInfo) TotalEntries() int64 {
	var n int64
	for _, c := range s.Entries {
		n += c
	}
	return n
}

// Algorithms returns the algorithms the set holds entries for, in the order
// of hashset.Algorithms.
func (s *SetInfo) Algorithms() []Algorithm {
	var as []Algorithm
	for _, a := range Algorithms() {
		if s.Entries[a.String()] > 0 {
			as = append(as, a)
		}
	}
	return as
}

// catalogFile is catalog.json.
type catalogFile struct {
	Catalog string    `json:"catalog"` // always "hashtriage"
	Version int       `json:"version"`
	Sets    []SetInfo `json:"sets"` // sorted by name
}

func readCatalog(dir string) (*catalogFile, error) {
	path := filepath.Join(dir, catalogFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &catalogFile{Catalog: "hashtriage", Version: CatalogVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	var c catalogFile
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: catalog is damaged: %w", path, err)
	}
	if c.Catalog != "hashtriage" {
		return nil, fmt.Errorf("%s: not a hashtriage catalog", path)
	}
	if c.Version != CatalogVersion {
		return nil, fmt.Errorf("%s: catalog version %d is not supported (this build reads version %d)", path, c.Version, CatalogVersion)
	}
	for i, s := range c.Sets {
		if s.Name == "" || s.Segment == "" || strings.ContainsAny(s.Segment, `/\`) || s.Segment == "." || s.Segment == ".." {
			return nil, fmt.Errorf("%s: set %d has a bad name or segment file name", path, i+1)
		}
	}
	return &c, nil
}

// writeCatalog replaces catalog.json atomically: a temporary file in the
// same directory, fsync, rename, fsync of the directory.
func writeCatalog(dir string, c *catalogFile, create createTempFunc) error {
	slices.SortFunc(c.Sets, func(a, b SetInfo) int { return strings.Compare(a.Name, b.Name) })
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	f, err := create(dir, tempPrefix+"catalog-*")
	if err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	name := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, filepath.Join(dir, catalogFileName))
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write catalog in %s: %w", dir, err)
	}
	return syncDir(dir)
}
