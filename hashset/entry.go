package hashset

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Kind says what a set's matches mean.
type Kind string

const (
	// Alert sets hold material to report (the default).
	Alert Kind = "alert"
	// Known sets hold known files (e.g. NSRL): counted and excluded, never reported as hits.
	Known Kind = "known"
)

// ParseKind parses "alert" or "known".
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case Alert, Known:
		return Kind(s), nil
	}
	return "", fmt.Errorf("set kind must be %q or %q, not %q", Alert, Known, s)
}

// An Entry is one digest from a hash list, with whatever the list says about it.
// A list record that carries several digests (a VICS Media with MD5 and SHA-1)
// yields one Entry per digest, sharing the other fields.
type Entry struct {
	Algorithm Algorithm
	Digest    []byte // raw bytes, Algorithm.Size() long; owned by the caller after Next returns

	ID       string // the entry's own identifier: VICS MediaID, a file name; "" if the list gives none
	Category string // the list's category, verbatim ("" if none)
	Series   string // VICS Series, verbatim
	Size     int64  // file size the list states, or -1
	Quality  int    // PDQ quality 0..100, or -1 if the list gives none

	Line int // 1-based line (or record number, for binary and database formats) in the source

	// Delete marks a deletion record: the entries it names, read before it
	// in the same list, are to be removed rather than this one added. With
	// a Digest it names that digest; without one (Algorithm Unknown, as
	// NCMEC deletedImage and deletedVideo give) it names every entry with
	// its ID.
	Delete bool
}

// Name returns what a report calls the entry (DESIGN.md, matches[].id):
// its ID, or its 1-based line or record number when the list gives none.
func (e *Entry) Name() string {
	if e.ID != "" {
		return e.ID
	}
	return strconv.Itoa(e.Line)
}

// A Reader yields the entries of one hash list, streaming.
//
// Next returns io.EOF after the last entry. An error of type *ParseError
// concerns one malformed record only: the caller may report it and call Next
// again to continue (sets import --skip-invalid). Any other error is fatal.
type Reader interface {
	Next() (Entry, error)
	// Info describes the list as far as it has been read; complete after io.EOF.
	Info() ListInfo
	io.Closer
}

// ListInfo is what a list says about itself, for provenance.
type ListInfo struct {
	Format        string            // the format name, e.g. "vics"
	FormatVersion string            // e.g. "1.2", "2.0", "RDS 2.x"; "" if the format has none
	Metadata      map[string]string // declared list metadata: VICS context, .hke fields, RDSv3 VERSION, ...
	PhotoDNA      int               // PhotoDNA values seen (present but not matchable)
	Unsupported   map[string]int    // other values seen that cannot be matched, by kind (e.g. "md4", "tmk-pdqf")
}

// A ParseError reports a malformed record: the file, the line and what was wrong.
type ParseError struct {
	File string
	Line int // 1-based; 0 if unknown
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// IsParseError reports whether err concerns one record only, so that reading may go on.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}
