package hashset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ImportOptions control an import.
type ImportOptions struct {
	// Name names the set; default: the list's file name without its extension.
	Name string
	// Kind is Alert (the default) or Known.
	Kind Kind
	// Format is a format name, or "" or "auto" to detect it (ImportFile only).
	Format string
	// SkipInvalid imports the rest of a list that has malformed records,
	// counting them, instead of failing without changing the database.
	SkipInvalid bool
	// ImportedBy is recorded in the catalog (e.g. "hashtriage 1.2.0").
	ImportedBy string
	// Now returns the import time; default time.Now.
	Now func() time.Time
}

// A Source describes the list an Import reads, for the catalog.
type Source struct {
	Name   string // file name, for the catalog and messages
	Path   string // absolute path, or ""
	Size   int64
	SHA256 string // lower-case hex of the whole file; the key that makes imports idempotent
}

// An ImportResult says what an import did.
type ImportResult struct {
	// Set is the new set's catalog record, or, if AlreadyImported, the
	// record of the set that holds the same source.
	Set SetInfo
	// AlreadyImported is set when a list with the same SHA-256 was imported
	// before (as Set.Name): nothing was changed.
	AlreadyImported bool
	// Warnings are for the user: dropped empty-input digests, leftovers
	// of interrupted imports removed, skipped records.
	Warnings []string
}

// maxInvalidExamples bounds how many skipped-record errors the catalog keeps verbatim.
const maxInvalidExamples = 10

// ImportFile imports the list at path as a new set. The list's SHA-256 is
// computed first: a list imported before is not imported again (the result
// says AlreadyImported). See Import for the rest.
func (db *DB) ImportFile(ctx context.Context, path string, opts ImportOptions) (*ImportResult, error) {
	src, err := describeSource(path)
	if err != nil {
		return nil, err
	}
	if prev, ok := db.setBySource(src.SHA256); ok {
		return &ImportResult{Set: prev, AlreadyImported: true}, nil
	}
	r, err := OpenList(path, opts.Format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return db.Import(ctx, r, src, opts)
}

func describeSource(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return Source{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Source{}, err
	}
	if !fi.Mode().IsRegular() {
		return Source{}, fmt.Errorf("%s is not a regular file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Source{}, fmt.Errorf("%s: %w", path, err)
	}
	abs, _ := filepath.Abs(path)
	return Source{Name: filepath.Base(path), Path: abs, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func (db *DB) setBySource(sum string) (SetInfo, bool) {
	return db.findSet(func(s SetInfo) bool { return s.SourceSHA256 == sum })
}

// plural returns one if n is 1, else many.
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// defaultSetName is the file name without its last extension.
func defaultSetName(file string) string {
	base := filepath.Base(file)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func checkSetName(name string) error {
	if name == "" || len(name) > 200 || strings.TrimSpace(name) != name {
		return fmt.Errorf("bad set name %q: it must be 1 to 200 characters without surrounding spaces", name)
	}
	for _, r := range name {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("bad set name %q: control characters are not allowed", name)
		}
	}
	return nil
}

// Import reads every entry of r and stores them as a new set.
//
// The import is atomic: the segment is written to a temporary file in the
// database directory, synced and renamed, and only then is the catalog
// replaced (atomically too). Whatever goes wrong (a malformed record
// without SkipInvalid, a full disk, a cancelled ctx), the database is left
// as it was. A set with the same name, or from a source with the same
// SHA-256, is refused. Digests of empty input are dropped from alert sets.
func (db *DB) Import(ctx context.Context, r Reader, src Source, opts ImportOptions) (*ImportResult, error) {
	kind := opts.Kind
	if kind == "" {
		kind = Alert
	}
	if _, err := ParseKind(string(kind)); err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = defaultSetName(src.Name)
	}
	if err := checkSetName(name); err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	res := &ImportResult{}
	notes, err := db.writeLocked(func(cat *catalogFile) error {
		for _, s := range cat.Sets {
			if src.SHA256 != "" && s.SourceSHA256 == src.SHA256 {
				res.Set, res.AlreadyImported = s, true
				return nil
			}
			if s.Name == name {
				return fmt.Errorf("a set named %q already exists (from %s); choose another name or remove it first", name, s.Source)
			}
		}
		info, warnings, err := db.buildSegment(ctx, r, src, name, kind, opts)
		res.Warnings = append(res.Warnings, warnings...)
		if err != nil {
			return err
		}
		info.Imported = now().UTC().Truncate(time.Second)
		cat.Sets = append(cat.Sets, *info)
		if err := writeCatalog(db.dir, cat, db.createTemp); err != nil {
			os.Remove(filepath.Join(db.dir, info.Segment))
			return err
		}
		res.Set = *info
		return nil
	})
	res.Warnings = append(notes, res.Warnings...)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// buildSegment reads the list and writes its segment into the database
// directory under its final name, returning the catalog record (without
// the import time).
func (db *DB) buildSegment(ctx context.Context, r Reader, src Source, name string, kind Kind, opts ImportOptions) (*SetInfo, []string, error) {
	info := &SetInfo{
		Name: name, Kind: kind,
		Source: src.Name, SourcePath: src.Path, SourceSize: src.Size, SourceSHA256: src.SHA256,
		ImportedBy:     opts.ImportedBy,
		Entries:        map[string]int64{},
		Digests:        map[string]int64{},
		SegmentVersion: SegmentVersion,
	}
	var warnings []string
	b := newSegmentBuilder()
	records := 0
	for {
		if records&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, warnings, err
			}
		}
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !opts.SkipInvalid || !IsParseError(err) {
				if IsParseError(err) {
					return nil, warnings, fmt.Errorf("%w (nothing imported; --skip-invalid imports the rest)", err)
				}
				return nil, warnings, fmt.Errorf("%s: %w", src.Name, err)
			}
			info.Dropped.Invalid++
			if len(info.Dropped.InvalidExamples) < maxInvalidExamples {
				info.Dropped.InvalidExamples = append(info.Dropped.InvalidExamples, err.Error())
			}
			continue
		}
		records++
		if e.Line <= 0 {
			e.Line = records
		}
		if e.Delete && e.Digest == nil && e.ID != "" {
			// A deletion record naming an ID (NCMEC deletedImage): it
			// removes the entries with that ID read before it.
			b.deleteID(e.ID)
			continue
		}
		if !e.Algorithm.Matchable() {
			if info.Dropped.Unmatchable == nil {
				info.Dropped.Unmatchable = map[string]int64{}
			}
			info.Dropped.Unmatchable[e.Algorithm.String()]++
			continue
		}
		if len(e.Digest) != e.Algorithm.Size() {
			perr := &ParseError{File: src.Name, Line: e.Line, Err: fmt.Errorf("%s digest has %d bytes, want %d", e.Algorithm, len(e.Digest), e.Algorithm.Size())}
			if !opts.SkipInvalid {
				return nil, warnings, perr
			}
			info.Dropped.Invalid++
			if len(info.Dropped.InvalidExamples) < maxInvalidExamples {
				info.Dropped.InvalidExamples = append(info.Dropped.InvalidExamples, perr.Error())
			}
			continue
		}
		if kind == Alert && !e.Delete && IsEmptyInputDigest(e.Algorithm, e.Digest) {
			if info.Dropped.EmptyInput == nil {
				info.Dropped.EmptyInput = map[string]int64{}
			}
			info.Dropped.EmptyInput[e.Algorithm.String()]++
			continue
		}
		if err := b.add(&e); err != nil {
			return nil, warnings, fmt.Errorf("%s:%d: %w", src.Name, e.Line, err)
		}
	}
	li := r.Info()
	info.Format, info.FormatVersion = li.Format, li.FormatVersion
	info.Metadata, info.PhotoDNA, info.Unsupported = li.Metadata, li.PhotoDNA, li.Unsupported
	for a, n := range info.Dropped.EmptyInput {
		warnings = append(warnings, fmt.Sprintf("%s: dropped %d %s digest(s) of empty input: they would flag every empty file", src.Name, n, a))
	}
	if info.Dropped.Invalid > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: skipped %d malformed record(s); first: %s", src.Name, info.Dropped.Invalid, info.Dropped.InvalidExamples[0]))
	}

	st := &buildStats{
		duplicates: map[Algorithm]int64{}, deleted: map[Algorithm]int64{}, unmatched: map[Algorithm]int64{},
		entries: map[Algorithm]int64{}, unique: map[Algorithm]int64{},
	}
	var tables []*finishedTable
	for _, t := range b.tables {
		if t == nil {
			continue
		}
		if ft := t.finish(b, st); ft != nil {
			tables = append(tables, ft)
		}
		b.tables[t.alg] = nil // let the builder's columns go before the next table
	}
	for a, n := range st.entries {
		if n > 0 {
			info.Entries[a.String()] = n
			info.Digests[a.String()] = st.unique[a]
		}
		info.Dropped.Duplicates += st.duplicates[a]
		info.Dropped.Deleted += st.deleted[a]
		info.Dropped.DeletionsUnmatched += st.unmatched[a]
	}
	info.Dropped.DeletionsUnmatched += b.unmatchedIDDeletions()
	if n := info.Dropped.Deleted; n > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d entr%s deleted by the list's own deletion records", src.Name, n, plural(n, "y", "ies")))
	}
	if n := info.Dropped.DeletionsUnmatched; n > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d deletion record%s named entries not in this list (before the record): "+
			"sets imported earlier are immutable and still hold them; to apply the deletions, import the full current list and remove the older set",
			src.Name, n, plural(n, "", "s")))
	}
	if len(tables) == 0 {
		warnings = append(warnings, fmt.Sprintf("%s: the list holds no matchable entries", src.Name))
	}
	if err := ctx.Err(); err != nil {
		return nil, warnings, err
	}

	f, err := db.createTemp(db.dir, tempPrefix+"segment-*")
	if err != nil {
		return nil, warnings, fmt.Errorf("write segment: %w", err)
	}
	tmp := f.Name()
	sum, err := b.writeTo(f, tables)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp makes it private; segments are no secret from the catalog's readers
	}
	if err != nil {
		os.Remove(tmp)
		return nil, warnings, fmt.Errorf("write segment in %s: %w (database unchanged)", db.dir, err)
	}
	fileSum := hex.EncodeToString(sum.file)
	info.Segment = "set-" + fileSum[:16] + segmentSuffix
	info.SegmentSHA256 = fileSum
	info.SegmentSize = sum.size
	final := filepath.Join(db.dir, info.Segment)
	if _, err := os.Lstat(final); err == nil {
		os.Remove(tmp)
		return nil, warnings, fmt.Errorf("segment %s already exists: an identical list is imported under another name", final)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return nil, warnings, fmt.Errorf("write segment: %w (database unchanged)", err)
	}
	if err := syncDir(db.dir); err != nil {
		os.Remove(final)
		return nil, warnings, fmt.Errorf("write segment: %w (database unchanged)", err)
	}
	return info, warnings, nil
}
