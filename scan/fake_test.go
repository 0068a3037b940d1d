package scan_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
	"github.com/hashtriage/hashtriage/scan"
)

// fakeMatcher holds digests in a map; it records which algorithms were
// looked up.
type fakeMatcher struct {
	algs    []hashset.Algorithm
	entries map[string][]match.Match // algorithm name + ":" + hex digest
}

func newFakeMatcher(algs ...hashset.Algorithm) *fakeMatcher {
	return &fakeMatcher{algs: algs, entries: map[string][]match.Match{}}
}

func (m *fakeMatcher) Algorithms() []hashset.Algorithm { return m.algs }

func (m *fakeMatcher) Lookup(a hashset.Algorithm, digests ...[]byte) []match.Match {
	var out []match.Match
	for _, d := range digests {
		out = append(out, m.entries[a.String()+":"+hex.EncodeToString(d)]...)
	}
	return out
}

// add lists content in set (kind) under algorithm a.
func (m *fakeMatcher) add(set string, kind hashset.Kind, a hashset.Algorithm, content []byte, id string) {
	d := sum(a, content)
	k := a.String() + ":" + hex.EncodeToString(d)
	m.entries[k] = append(m.entries[k], match.Match{Set: set, Kind: kind, Algorithm: a, ID: id})
}

func sum(a hashset.Algorithm, b []byte) []byte {
	switch a {
	case hashset.MD5:
		s := md5.Sum(b)
		return s[:]
	case hashset.SHA1:
		s := sha1.Sum(b)
		return s[:]
	case hashset.SHA256:
		s := sha256.Sum256(b)
		return s[:]
	}
	panic(a)
}

// memSource is an in-memory evidence source.
type memSource []evidence.Item

func (s memSource) Walk(ctx context.Context, fn evidence.WalkFunc) error {
	for _, it := range s {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func (s memSource) String() string { return "mem" }

// memFile serves content, failing with failErr once failAt bytes were read
// (failAt < 0: never).
type memFile struct {
	*bytes.Reader
	size    int64
	failAt  int64
	failErr error
	read    int64
}

func (f *memFile) Read(p []byte) (int, error) {
	if f.failAt >= 0 && f.read+int64(len(p)) > f.failAt {
		p = p[:f.failAt-f.read]
		n, _ := f.Reader.Read(p)
		f.read += int64(n)
		return n, f.failErr
	}
	n, err := f.Reader.Read(p)
	f.read += int64(n)
	return n, err
}
func (f *memFile) Size() int64  { return f.size }
func (f *memFile) Close() error { return nil }

// regular returns a readable in-memory item.
func regular(path string, content []byte) evidence.Item {
	return evidence.Item{Path: path, Size: int64(len(content)), Type: evidence.Regular,
		Open: func() (evidence.File, error) {
			return &memFile{Reader: bytes.NewReader(content), size: int64(len(content)), failAt: -1}, nil
		}}
}

// failing returns an item whose reads fail after failAt bytes.
func failing(path string, content []byte, failAt int64) evidence.Item {
	it := regular(path, content)
	it.Open = func() (evidence.File, error) {
		return &memFile{Reader: bytes.NewReader(content), size: int64(len(content)), failAt: failAt, failErr: errors.New("input/output error (injected)")}, nil
	}
	return it
}

// endless is an item that never ends: it is only stopped by cancellation.
type endless struct{}

func (endless) Read(p []byte) (int, error)              { return len(p), nil }
func (endless) ReadAt(p []byte, off int64) (int, error) { return len(p), nil }
func (endless) Close() error                            { return nil }
func (endless) Size() int64                             { return 1 << 50 }

var _ io.ReaderAt = endless{}
var _ = fmt.Sprint

func matchOf(set string, a hashset.Algorithm, d int) match.Match {
	return match.Match{Set: set, Kind: hashset.Alert, Algorithm: a, Distance: d, ID: "1"}
}

type scanConfigT = scan.Config
