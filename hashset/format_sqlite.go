package hashset

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

var formatRDSv3 = &Format{
	Name: "rdsv3",
	Description: "NIST NSRL RDSv3 SQLite database: the FILE view (full publication) or table (minimal " +
		"publication); SHA-256, SHA-1 and MD5 entries named by file_name, the VERSION table as metadata. " +
		"Opened read-only and immutable; Entry.Line is the row's ordinal",
	sniff:    func(h *sniffed) specificity { return sqliteSniff(h, "rdsv3") },
	openFile: openRDSv3,
}

var formatKDB = &Format{
	Name: "kdb",
	Description: "Autopsy / The Sleuth Kit SQLite hash database (.kdb): raw MD5 (and SHA-1, SHA-256 where " +
		"present) named by the first file name; Entry.Line is the hashes.id",
	sniff:    func(h *sniffed) specificity { return sqliteSniff(h, "kdb") },
	openFile: openKDB,
}

func sqliteSniff(h *sniffed, kind string) specificity {
	if !bytes.HasPrefix(h.raw, sqliteMagic) || h.path == "" || h.gzip {
		return noMatch
	}
	if !h.sqliteProbed {
		h.sqliteProbed = true
		if db, err := openSQLiteReadOnly(h.path); err == nil {
			h.sqliteKind, _ = probeSQLite(context.Background(), db)
			db.Close()
		}
	}
	if h.sqliteKind == kind {
		return byMagic
	}
	return noMatch
}

// openSQLiteReadOnly opens path read-only and immutable: SQLite then takes
// no locks and writes no journal, so the list file is never changed.
func openSQLiteReadOnly(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?mode=ro&immutable=1"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// sqliteObjects returns the lower-cased names and types of the tables and views.
func sqliteObjects(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT lower(name), type FROM sqlite_master WHERE type IN ('table', 'view')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		m[n] = t
	}
	return m, rows.Err()
}

func sqliteColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT lower(name) FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		cols = append(cols, n)
	}
	return cols, rows.Err()
}

// probeSQLite tells an RDSv3 database from a .kdb by its schema.
func probeSQLite(ctx context.Context, db *sql.DB) (string, error) {
	objs, err := sqliteObjects(ctx, db)
	if err != nil {
		return "", err
	}
	if _, ok := objs["file"]; ok {
		cols, err := sqliteColumns(ctx, db, "FILE")
		if err == nil && (slices.Contains(cols, "sha1") || slices.Contains(cols, "md5") || slices.Contains(cols, "sha256")) {
			return "rdsv3", nil
		}
	}
	if objs["db_properties"] == "table" && objs["hashes"] == "table" {
		return "kdb", nil
	}
	return "", nil
}

// sqlReader streams the rows of one query; scan turns the current row
// into entries.
type sqlReader struct {
	listState
	db     *sql.DB
	rows   *sql.Rows
	cancel context.CancelFunc
	record int
	scan   func(n int) error
	done   bool
}

func (s *sqlReader) Next() (Entry, error) {
	for {
		if e, ok, err := s.pop(); ok {
			return e, err
		}
		if s.done {
			return Entry{}, io.EOF
		}
		if !s.rows.Next() {
			s.done = true
			if err := s.rows.Err(); err != nil {
				return Entry{}, fmt.Errorf("%s: %w", s.file, err)
			}
			continue
		}
		s.record++
		if err := s.scan(s.record); err != nil {
			if !IsParseError(err) {
				s.done = true
				return Entry{}, fmt.Errorf("%s: %w", s.file, err)
			}
			s.pending = err
		}
	}
}

func (s *sqlReader) Close() error {
	var err error
	if s.rows != nil {
		err = s.rows.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if err2 := s.db.Close(); err == nil {
		err = err2
	}
	return err
}

func openSQLList(path, format string) (*sqlReader, context.Context, error) {
	db, err := openSQLiteReadOnly(path)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &sqlReader{listState: newListState(path, format), db: db, cancel: cancel}
	kind, err := probeSQLite(ctx, db)
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("%s: not a readable SQLite database: %w", path, err)
	}
	if kind != format {
		s.Close()
		return nil, nil, fmt.Errorf("%s: the SQLite schema is not that of %s", path, format)
	}
	return s, ctx, nil
}

func openRDSv3(path string) (Reader, error) {
	s, ctx, err := openSQLList(path, "rdsv3")
	if err != nil {
		return nil, err
	}
	s.info.FormatVersion = "3"
	objs, _ := sqliteObjects(ctx, s.db)
	if objs["file"] == "table" || objs["distinct_hash"] != "" {
		s.setMeta("publication", "minimal")
	} else {
		s.setMeta("publication", "full")
	}
	if objs["version"] == "table" {
		if err := readRDSVersion(ctx, s); err != nil {
			s.setMeta("version_error", err.Error())
		}
	}
	cols, err := sqliteColumns(ctx, s.db, "FILE")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Select the hash, name and size columns this publication has, in a fixed order.
	want := []string{"sha256", "sha1", "md5", "file_name", "file_size", "crc32"}
	var sel []string
	idx := map[string]int{}
	for _, c := range want {
		if slices.Contains(cols, c) {
			idx[c] = len(sel)
			sel = append(sel, c)
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM FILE")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.rows = rows
	vals := make([]sql.RawBytes, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	col := func(name string) []byte {
		if i, ok := idx[name]; ok {
			return bytes.TrimSpace(vals[i])
		}
		return nil
	}
	s.scan = func(n int) error {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		e := newEntry(Unknown, nil, n)
		if c := col("file_name"); len(c) > 0 {
			e.ID = string(c)
		}
		if c := col("file_size"); len(c) > 0 {
			e.Size = parseSize(c)
		}
		if len(col("crc32")) > 0 {
			s.unsupported("crc32")
		}
		var errs []error
		for _, a := range []Algorithm{SHA256, SHA1, MD5} {
			if err := s.pushDigest(e, a, col(a.String())); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return s.parseError(n, fmt.Errorf("FILE row %d: %w", n, errors.Join(errs...)))
		}
		return nil
	}
	return s, nil
}

func readRDSVersion(ctx context.Context, s *sqlReader) error {
	rows, err := s.db.QueryContext(ctx, `SELECT version, build_set, build_date, release_date, description FROM VERSION`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var versions, sets, built, released, desc []string
	for rows.Next() {
		var v, b, bd, rd, d sql.NullString
		if err := rows.Scan(&v, &b, &bd, &rd, &d); err != nil {
			return err
		}
		versions, sets = append(versions, v.String), append(sets, b.String)
		built, released, desc = append(built, bd.String), append(released, rd.String), append(desc, d.String)
	}
	s.setMeta("version", strings.Join(versions, "; "))
	s.setMeta("build_set", strings.Join(sets, "; "))
	s.setMeta("build_date", strings.Join(built, "; "))
	s.setMeta("release_date", strings.Join(released, "; "))
	s.setMeta("description", strings.Join(desc, "; "))
	return rows.Err()
}

func openKDB(path string) (Reader, error) {
	s, ctx, err := openSQLList(path, "kdb")
	if err != nil {
		return nil, err
	}
	props, err := s.db.QueryContext(ctx, `SELECT name, value FROM db_properties`)
	if err == nil {
		for props.Next() {
			var n, v sql.NullString
			if props.Scan(&n, &v) == nil {
				s.setMeta(n.String, v.String)
			}
		}
		props.Close()
	}
	s.info.FormatVersion = s.info.Metadata["Schema Version"]
	cols, err := sqliteColumns(ctx, s.db, "hashes")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	hashCols := []struct {
		name string
		a    Algorithm
	}{{"md5", MD5}, {"sha1", SHA1}, {"sha2_256", SHA256}}
	sel := []string{"h.id"}
	var algs []Algorithm
	for _, c := range hashCols {
		if slices.Contains(cols, c.name) {
			sel = append(sel, "h."+c.name)
			algs = append(algs, c.a)
		}
	}
	// file_names is keyed (name, hash_id): a join, for which SQLite builds
	// a temporary index, keeps this linear where a correlated subquery
	// would scan file_names once per hash.
	from := " FROM hashes h"
	objs, _ := sqliteObjects(ctx, s.db)
	if objs["file_names"] == "table" {
		sel = append(sel, "min(f.name)")
		from += " LEFT JOIN file_names f ON f.hash_id = h.id GROUP BY h.id"
	} else {
		sel = append(sel, "NULL")
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+from+" ORDER BY h.id")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.rows = rows
	var id int64
	vals := make([]sql.RawBytes, len(algs))
	var name sql.NullString
	ptrs := []any{&id}
	for i := range vals {
		ptrs = append(ptrs, &vals[i])
	}
	ptrs = append(ptrs, &name)
	s.scan = func(int) error {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		n := int(id)
		e := newEntry(Unknown, nil, n)
		e.ID = name.String
		var errs []error
		for i, a := range algs {
			v := vals[i]
			if len(v) == 0 {
				continue
			}
			var d []byte
			switch {
			case len(v) == a.Size():
				d = bytes.Clone(v) // raw bytes, as TSK stores them
			case len(v) == 2*a.Size() && isAllHex(v):
				d, _ = decodeDigest(a, v) // hex text, as some writers store them
			default:
				errs = append(errs, fmt.Errorf("%s value of %d bytes", a, len(v)))
				continue
			}
			p := e
			p.Algorithm, p.Digest = a, d
			s.push(p)
		}
		if len(errs) > 0 {
			return s.parseError(n, fmt.Errorf("hashes row id %s: %w", strconv.FormatInt(id, 10), errors.Join(errs...)))
		}
		return nil
	}
	return s, nil
}
