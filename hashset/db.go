package hashset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// A DB is a set database: a directory holding one immutable segment file
// per imported list and a catalog (catalog.json) describing them.
//
// Reading needs no lock: segments never change once written and the
// catalog is replaced atomically. Import and Remove take the directory's
// write lock. A DB's methods are safe for concurrent use.
type DB struct {
	dir        string
	createTemp createTempFunc // os.CreateTemp; replaced by tests to simulate a full disk

	mu   sync.Mutex
	cat  *catalogFile
	segs map[string]*Segment // open segments, by file name
}

// The temporary files of an import, behind an interface so tests can fail writes.
type tempFile interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
}

type createTempFunc func(dir, pattern string) (tempFile, error)

func osCreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// EnvDB names the environment variable that overrides the default database directory.
const EnvDB = "HASHTRIAGE_DB"

// DefaultDir returns the database directory used when none is given:
// $HASHTRIAGE_DB, else "hashtriage" in the user's data directory
// ($XDG_DATA_HOME or ~/.local/share on Unix, %LocalAppData% on Windows,
// ~/Library/Application Support on macOS).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDB); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "hashtriage"), nil
		}
	case "darwin", "ios":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no database directory: %w (set %s or pass --db)", err, EnvDB)
		}
		return filepath.Join(home, "Library", "Application Support", "hashtriage"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "hashtriage"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no database directory: %w (set %s or pass --db)", err, EnvDB)
	}
	return filepath.Join(home, ".local", "share", "hashtriage"), nil
}

// Open opens the database in dir, which must exist. It reads only the
// catalog; segments are mapped when first asked for.
func Open(dir string) (*DB, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no set database at %s: %w", dir, fs.ErrNotExist)
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("set database %s is not a directory", dir)
	}
	cat, err := readCatalog(dir)
	if err != nil {
		return nil, err
	}
	return &DB{dir: dir, cat: cat, segs: map[string]*Segment{}, createTemp: osCreateTemp}, nil
}

// Create opens the database in dir, creating the directory if needed.
func Create(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create set database: %w", err)
	}
	return Open(dir)
}

// Dir returns the database directory.
func (db *DB) Dir() string { return db.dir }

// Sets returns the catalog records of all sets, sorted by name.
func (db *DB) Sets() []SetInfo {
	db.mu.Lock()
	defer db.mu.Unlock()
	return slices.Clone(db.cat.Sets)
}

// Set returns the catalog record of the named set.
func (db *DB) Set(name string) (SetInfo, bool) {
	return db.findSet(func(s SetInfo) bool { return s.Name == name })
}

// findSet returns the first catalog record that is wanted.
func (db *DB) findSet(wanted func(SetInfo) bool) (SetInfo, bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, s := range db.cat.Sets {
		if wanted(s) {
			return s, true
		}
	}
	return SetInfo{}, false
}

// Segment returns the named set's segment, mapping it on first use. It
// checks the file's size against the catalog and its header, directory and
// layout (cheap); Verify checks the contents.
func (db *DB) Segment(name string) (*Segment, error) {
	info, ok := db.Set(name)
	if !ok {
		return nil, fmt.Errorf("no set named %q in %s", name, db.dir)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.segs == nil {
		return nil, errors.New("set database is closed")
	}
	if s := db.segs[info.Segment]; s != nil {
		return s, nil
	}
	s, err := openSegment(filepath.Join(db.dir, info.Segment), info.SegmentSize, false)
	if err != nil {
		return nil, fmt.Errorf("set %q: %w", name, err)
	}
	db.segs[info.Segment] = s
	return s, nil
}

func openSegment(path string, wantSize int64, sequential bool) (*Segment, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("segment file %s is missing (remove the set, or import its list again)", path)
	}
	if err != nil {
		return nil, err
	}
	if wantSize >= 0 && fi.Size() != wantSize {
		return nil, segCorruptf(path, "file has %d bytes, the catalog says %d (truncated or replaced)", fi.Size(), wantSize)
	}
	data, release, err := mapFile(path, sequential)
	if err != nil {
		return nil, err
	}
	s, err := parseSegment(path, data)
	if err != nil {
		release()
		return nil, err
	}
	s.release = release
	return s, nil
}

// Leftovers lists files in the database directory that no set accounts
// for: temporary files of an interrupted import and segments the catalog
// does not name. The next Import or Remove deletes them.
func (db *DB) Leftovers() []string {
	db.mu.Lock()
	cat := db.cat
	db.mu.Unlock()
	return leftovers(db.dir, cat)
}

func leftovers(dir string, cat *catalogFile) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	known := map[string]bool{}
	for _, s := range cat.Sets {
		known[s.Segment] = true
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, tempPrefix) || (strings.HasSuffix(n, segmentSuffix) && !known[n]) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}

// Close unmaps every segment. Slices and tables obtained from the
// database become invalid.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	for _, s := range db.segs {
		errs = append(errs, s.Close())
	}
	db.segs = nil
	return errors.Join(errs...)
}

// writeLocked runs fn holding the directory's write lock, with the catalog
// freshly read from disk (another process may have changed it) and
// leftovers of interrupted imports removed. It returns notes about what it
// cleaned up.
func (db *DB) writeLocked(fn func(cat *catalogFile) error) (notes []string, err error) {
	release, err := acquireLock(db.dir)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, release()) }()
	cat, err := readCatalog(db.dir)
	if err != nil {
		return nil, err
	}
	for _, p := range leftovers(db.dir, cat) {
		if err := os.Remove(p); err != nil {
			notes = append(notes, fmt.Sprintf("could not remove leftover %s: %v", p, err))
		} else {
			notes = append(notes, fmt.Sprintf("removed leftover %s (from an interrupted import or removal)", p))
		}
	}
	if err := fn(cat); err != nil {
		return notes, err
	}
	db.mu.Lock()
	db.cat = cat
	db.mu.Unlock()
	return notes, nil
}

// Remove deletes the named sets: first from the catalog (atomically, all
// or none), then their segment files. An unknown name fails the whole call.
// It returns notes about leftovers cleaned up on the way.
func (db *DB) Remove(names ...string) (notes []string, err error) {
	var gone []string
	notes, err = db.writeLocked(func(cat *catalogFile) error {
		for _, n := range names {
			if !slices.ContainsFunc(cat.Sets, func(s SetInfo) bool { return s.Name == n }) {
				return fmt.Errorf("no set named %q in %s", n, db.dir)
			}
		}
		keep := cat.Sets[:0:0]
		for _, s := range cat.Sets {
			if slices.Contains(names, s.Name) {
				gone = append(gone, s.Segment)
			} else {
				keep = append(keep, s)
			}
		}
		cat.Sets = keep
		return writeCatalog(db.dir, cat, db.createTemp)
	})
	if err != nil {
		return notes, err
	}
	for _, seg := range gone {
		// A mapping of the file stays valid (and is unmapped on Close):
		// a Matcher may still be using it.
		if err := os.Remove(filepath.Join(db.dir, seg)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			notes = append(notes, fmt.Sprintf("set removed, but its segment file remains: %v", err))
		}
	}
	_ = syncDir(db.dir)
	return notes, nil
}

// A SetCheck is the result of verifying one set.
type SetCheck struct {
	Name    string
	Segment string // path of the segment file
	Err     error  // nil if the segment is intact
}

// Verify re-reads every set's segment and checks it completely: the file's
// SHA-256 against the catalog and against its own trailer, every section's
// CRC-32C, the sort order and every reference between sections. It
// returns one check per set and the leftover files found.
func (db *DB) Verify(ctx context.Context) ([]SetCheck, []string) {
	var checks []SetCheck
	for _, info := range db.Sets() {
		path := filepath.Join(db.dir, info.Segment)
		c := SetCheck{Name: info.Name, Segment: path}
		if err := ctx.Err(); err != nil {
			c.Err = err
		} else {
			c.Err = verifySegment(path, info)
		}
		checks = append(checks, c)
	}
	return checks, db.Leftovers()
}

func verifySegment(path string, info SetInfo) error {
	s, err := openSegment(path, info.SegmentSize, true)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Verify(); err != nil {
		return err
	}
	h := sha256.New()
	h.Write(s.data)
	if got := hex.EncodeToString(h.Sum(nil)); got != info.SegmentSHA256 {
		return segCorruptf(path, "SHA-256 %s does not match the catalog's %s (replaced by another segment?)", got, info.SegmentSHA256)
	}
	return nil
}
