package report

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/hashtriage/hashtriage/scan"
)

// DefaultSortMemory is how many bytes of rows a SortedListWriter keeps in
// memory before it writes them, sorted, to a temporary run file.
const DefaultSortMemory = 32 << 20

// maxMergeFan is how many run files are merged at once; more runs are
// merged in several passes, so that open files stay bounded too.
const maxMergeFan = 64

// A SortedListWriter writes a digest list whose rows are sorted by item
// path, whatever order the items arrive in (scan results come in the order
// items finish, which depends on scheduling): two scans of the same
// evidence give byte-identical lists. Memory stays bounded however many
// items there are: rows are sorted in runs of at most the memory budget,
// spilled to temporary files in a directory the caller chooses (beside
// the output, never under an evidence root), and merged at Close.
type SortedListWriter struct {
	lw     *ListWriter
	tmpDir string
	budget int

	rows  []sortRow
	bytes int
	runs  []string // temporary run files, each sorted
	err   error
}

type sortRow struct {
	key  string // the item's path, byte for byte
	line []byte
}

func compareRows(a, b sortRow) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return bytes.Compare(a.line, b.line)
}

// NewSortedListWriter starts a sorted digest list on w (see NewListWriter)
// whose temporary run files go to tmpDir. memory is the budget for rows
// held in memory (0: DefaultSortMemory).
func NewSortedListWriter(w io.Writer, f ListFormat, opts ListOptions, tmpDir string, memory int) (*SortedListWriter, error) {
	lw, err := NewListWriter(w, f, opts)
	if err != nil {
		return nil, err
	}
	if memory <= 0 {
		memory = DefaultSortMemory
	}
	return &SortedListWriter{lw: lw, tmpDir: tmpDir, budget: memory}, nil
}

// Write adds one item (see ListWriter.Write).
func (s *SortedListWriter) Write(r scan.Result) error {
	if s.err != nil {
		return s.err
	}
	line, ok := s.lw.line(r)
	if !ok {
		return nil
	}
	s.rows = append(s.rows, sortRow{key: r.Item.Path, line: line})
	s.bytes += len(r.Item.Path) + len(line) + 64 // 64: slice headers and bookkeeping
	if s.bytes >= s.budget {
		s.err = s.spill()
	}
	return s.err
}

// spill writes the rows in memory, sorted, to a new run file.
func (s *SortedListWriter) spill() error {
	slices.SortFunc(s.rows, compareRows)
	f, err := os.CreateTemp(s.tmpDir, ".hashtriage-sort-*")
	if err != nil {
		return fmt.Errorf("sorting the list: %w", err)
	}
	s.runs = append(s.runs, f.Name())
	bw := bufio.NewWriterSize(f, 256<<10)
	for _, r := range s.rows {
		writeRunRow(bw, r)
	}
	err = bw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	clear(s.rows)
	s.rows, s.bytes = s.rows[:0], 0
	if err != nil {
		return fmt.Errorf("sorting the list: writing %s: %w", f.Name(), err)
	}
	return nil
}

// A run file holds rows as: uvarint key length, key, uvarint line length,
// line.
func writeRunRow(w *bufio.Writer, r sortRow) {
	var n [binary.MaxVarintLen64]byte
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(r.key)))])
	w.WriteString(r.key)
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(r.line)))])
	w.Write(r.line)
}

// maxRunField bounds a field read back from a run file: the files are
// our own, but a damaged disk must not make the merge allocate wildly.
const maxRunField = 1 << 30

func readRunRow(r *bufio.Reader) (sortRow, error) {
	field := func() ([]byte, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if n > maxRunField {
			return nil, fmt.Errorf("run file field of %d bytes", n)
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return b, err
	}
	k, err := field()
	if err != nil {
		return sortRow{}, err // io.EOF at a row boundary: the run is done
	}
	l, err := field()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return sortRow{key: string(k), line: l}, err
}

// Close sorts and writes every row, removes the run files and flushes the
// list; it does not close the underlying writer.
func (s *SortedListWriter) Close() error {
	defer s.removeRuns()
	if s.err != nil {
		return s.err
	}
	if len(s.runs) == 0 {
		slices.SortFunc(s.rows, compareRows)
		for _, r := range s.rows {
			if _, err := s.lw.bw.Write(r.line); err != nil {
				return err
			}
		}
		return s.lw.Close()
	}
	if len(s.rows) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	// Merge in passes of at most maxMergeFan runs until one pass can
	// write the output.
	for len(s.runs) > maxMergeFan {
		f, err := os.CreateTemp(s.tmpDir, ".hashtriage-sort-*")
		if err != nil {
			return fmt.Errorf("sorting the list: %w", err)
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		err = mergeRuns(s.runs[:maxMergeFan], func(r sortRow) error { writeRunRow(bw, r); return nil })
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		merged := slices.Clone(s.runs[:maxMergeFan])
		s.runs = append(slices.Clone(s.runs[maxMergeFan:]), f.Name())
		for _, p := range merged {
			os.Remove(p)
		}
		if err != nil {
			return fmt.Errorf("sorting the list: %w", err)
		}
	}
	if err := mergeRuns(s.runs, func(r sortRow) error {
		_, err := s.lw.bw.Write(r.line)
		return err
	}); err != nil {
		return fmt.Errorf("sorting the list: %w", err)
	}
	return s.lw.Close()
}

// Abort removes the temporary run files without writing anything more.
func (s *SortedListWriter) Abort() { s.removeRuns() }

func (s *SortedListWriter) removeRuns() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
}

// mergeRuns calls emit with the rows of the sorted run files in order.
func mergeRuns(paths []string, emit func(sortRow) error) error {
	h := &runHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		files = append(files, f)
		src := &runReader{r: bufio.NewReaderSize(f, 64<<10), name: p}
		if err := src.next(); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return err
		}
		h.items = append(h.items, src)
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		if err := emit(top.row); err != nil {
			return err
		}
		switch err := top.next(); {
		case errors.Is(err, io.EOF):
			heap.Pop(h)
		case err != nil:
			return err
		default:
			heap.Fix(h, 0)
		}
	}
	return nil
}

type runReader struct {
	r    *bufio.Reader
	name string
	row  sortRow
}

func (rr *runReader) next() error {
	row, err := readRunRow(rr.r)
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("reading %s: %w", rr.name, err)
	}
	rr.row = row
	return nil
}

// runHeap orders run readers by their current row.
type runHeap struct{ items []*runReader }

func (h *runHeap) Len() int           { return len(h.items) }
func (h *runHeap) Less(i, j int) bool { return compareRows(h.items[i].row, h.items[j].row) < 0 }
func (h *runHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)         { h.items = append(h.items, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
