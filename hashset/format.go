package hashset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// A Format is one hash-list format hashtriage reads.
//
// The formats, in detection order, with the names used by --format:
//
//	rdsv3       NIST NSRL RDSv3 SQLite database (full or minimal publication)
//	kdb         Autopsy / The Sleuth Kit SQLite hash database (.kdb)
//	encase      EnCase 3-6 binary hash set (.hash)
//	vics        Project VIC VICS JSON 1.1-1.3 and 2.0, #Media and #Cases shapes
//	ncmec       NCMEC Hash Sharing API v2 XML (queryResult)
//	dfxml       Digital Forensics XML fileobjects with hashdigest values (hashdeep -d, fiwalk)
//	tskidx      The Sleuth Kit sorted index (-md5.idx, -sha1.idx)
//	nsrl        NSRL RDS 1.5 and 2.x text (NSRLFile.txt)
//	hashkeeper  HashKeeper .hsh (with its .hke description beside it)
//	ilook       iLook v1, v3, v4 hash CSV
//	hashdeep    hashdeep 1.0 (%%%% HASHDEEP-1.0)
//	pdq         PDQ lists (CSV with hash and quality, hasher output, bare hex) and goimagehash strings
//	csv         any CSV whose header names hash columns (md5, sha1, sha256, pdq, ahash, dhash, phash)
//	jsonl       JSON Lines objects with such keys (hashtriage hash --format jsonl)
//	md5sum      GNU md5sum/sha1sum/sha256sum, BSD tags, md5deep (also -z), bare hashes
//
// Detection looks only at the content, never at the file name. A file of
// bare 64-hex lines is read as SHA-256 by md5sum; name --format pdq to read
// it as PDQ hashes.
type Format struct {
	Name        string
	Description string

	// specificity of a sniff match: the most specific match wins, and two
	// matches of the same specificity make the input ambiguous.
	sniff func(h *sniffed) specificity
	// openFile opens a list on disk. Formats that read a stream use
	// openStreamFile, which adds gzip decompression and UTF-16 decoding.
	openFile func(path string) (Reader, error)
	// newReader reads a stream; nil for formats that need a file (SQLite).
	newReader func(r io.Reader, name string) (Reader, error)
}

type specificity int

const (
	noMatch  specificity = iota
	byLines              // every sampled line parses
	byCSV                // a CSV header names hash columns
	byHeader             // an exact, format-specific header line
	byRoot               // the document root (JSON key, XML element, index header)
	byMagic              // binary magic and schema
)

// Formats returns every format in detection order. The slice is new; the
// formats are shared and must not be modified.
func Formats() []*Format {
	return slices.Clone(allFormats)
}

// FormatByName returns the format called name (case-insensitive).
func FormatByName(name string) (*Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, f := range allFormats {
		if f.Name == n {
			return f, nil
		}
	}
	return nil, fmt.Errorf("unknown list format %q (known: %s)", name, strings.Join(formatNames(), ", "))
}

// String returns the format's name.
func (f *Format) String() string { return f.Name }

// Open opens the list at path in this format, without detection.
func (f *Format) Open(path string) (Reader, error) {
	return f.openFile(path)
}

// NewReader reads a list in this format from r; name is used in errors.
// Gzip-compressed and UTF-16 input is decoded, as Open does. SQLite
// formats (rdsv3, kdb) need a file: use Open. A HashKeeper .hke
// description is only read by Open.
func (f *Format) NewReader(r io.Reader, name string) (Reader, error) {
	if f.newReader == nil {
		return nil, fmt.Errorf("%s: format %s can only be read from a file", name, f.Name)
	}
	br := newBufReader(r)
	if head, _ := br.Peek(2); isGzip(head) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return f.newReader(textStream(zr), name)
	}
	return f.newReader(textStream(br), name)
}

// Errors returned (wrapped) by DetectFormat.
var (
	ErrUnknownFormat   = errors.New("unknown hash-list format")
	ErrAmbiguousFormat = errors.New("ambiguous hash-list format")
)

// DetectFormat sniffs the file's content (never its name) and returns the
// one format it is. Gzip-compressed files are looked into. Unknown or
// ambiguous input gets an error wrapping ErrUnknownFormat or
// ErrAmbiguousFormat that names the formats considered and, for ambiguity,
// the ones that matched.
func DetectFormat(path string) (*Format, error) {
	h, err := sniffFile(path)
	if err != nil {
		return nil, err
	}
	return detect(h, path)
}

// DetectReader is DetectFormat for a stream: it reads up to 64 KiB of r and
// returns the format and a reader that replays those bytes. SQLite formats
// cannot be detected from a stream.
func DetectReader(r io.Reader, name string) (*Format, io.Reader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize)
	var h *sniffed
	if isGzip(head) {
		h = sniffGzip(head, "")
	} else {
		h = newSniffed(head, "")
	}
	f, err := detect(h, name)
	return f, br, err
}

// OpenList opens a list for streaming. format is a format name, or "auto"
// or "" to detect it from the content.
func OpenList(path, format string) (Reader, error) {
	var f *Format
	var err error
	if format == "" || strings.EqualFold(format, "auto") {
		f, err = DetectFormat(path)
	} else {
		f, err = FormatByName(format)
	}
	if err != nil {
		return nil, err
	}
	return f.Open(path)
}

// NewReader reads a list from r. format is a format name, or "auto" or ""
// to detect it; name is used in errors.
func NewReader(r io.Reader, name, format string) (Reader, error) {
	var f *Format
	var err error
	if format == "" || strings.EqualFold(format, "auto") {
		f, r, err = DetectReader(r, name)
	} else {
		f, err = FormatByName(format)
	}
	if err != nil {
		return nil, err
	}
	return f.NewReader(r, name)
}

func formatNames() []string {
	names := make([]string, len(allFormats))
	for i, f := range allFormats {
		names[i] = f.Name
	}
	return names
}

func detect(h *sniffed, name string) (*Format, error) {
	best := noMatch
	var matched []*Format
	for _, f := range allFormats {
		s := f.sniff(h)
		switch {
		case s == noMatch || s < best:
		case s > best:
			best, matched = s, []*Format{f}
		default:
			matched = append(matched, f)
		}
	}
	considered := strings.Join(formatNames(), ", ")
	switch len(matched) {
	case 1:
		return matched[0], nil
	case 0:
		hint := h.unsupportedHint()
		return nil, fmt.Errorf("%s: %w%s (considered %s); name the format explicitly", name, ErrUnknownFormat, hint, considered)
	}
	names := make([]string, len(matched))
	for i, f := range matched {
		names[i] = f.Name
	}
	return nil, fmt.Errorf("%s: %w: content matches %s (considered %s); name the format explicitly",
		name, ErrAmbiguousFormat, strings.Join(names, " and "), considered)
}

// allFormats is the detection order. Its elements are never modified.
var allFormats = []*Format{
	formatRDSv3, formatKDB, formatEnCase,
	formatVICS, formatNCMEC, formatDFXML, formatTSKIdx,
	formatNSRL, formatHashKeeper, formatILook, formatHashdeep, formatPDQ,
	formatCSV, formatJSONL,
	formatMD5Sum,
}

// ---- sniffing ----

const sniffSize = 64 << 10

// sniffed is the head of a file, prepared for the sniff functions.
type sniffed struct {
	path  string // "" when sniffing a stream
	raw   []byte // first bytes, decompressed if the file is gzip
	text  []byte // raw without a UTF-8 BOM and leading white space
	lines [][]byte
	gzip  bool

	sqliteProbed bool
	sqliteKind   string // "rdsv3", "kdb", or "" once probed
}

func sniffFile(path string) (*sniffed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	head = head[:n]
	if isGzip(head) {
		return sniffGzip(head, path), nil
	}
	return newSniffed(head, path), nil
}

func sniffGzip(head []byte, path string) *sniffed {
	zr, err := gzip.NewReader(bytes.NewReader(head))
	var out []byte
	if err == nil {
		out, _ = io.ReadAll(io.LimitReader(zr, sniffSize))
	}
	h := newSniffed(out, "") // a compressed SQLite file cannot be opened in place
	h.gzip = true
	h.path = path
	return h
}

const maxSniffLines = 32

func newSniffed(head []byte, path string) *sniffed {
	complete := len(head) < sniffSize
	head = utf16Head(head)
	h := &sniffed{path: path, raw: head}
	t := bytes.TrimPrefix(head, utf8BOM)
	h.text = bytes.TrimLeft(t, " \t\r\n")
	rest := t
	for len(rest) > 0 && len(h.lines) < maxSniffLines {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		if i < 0 {
			if !complete && len(h.lines) > 0 {
				break // a partial last line would mislead
			}
			line, rest = rest, nil
		} else {
			line, rest = rest[:i], rest[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		h.lines = append(h.lines, line)
	}
	return h
}

// firstLine is the first non-empty line, or nil.
func (h *sniffed) firstLine() []byte {
	if len(h.lines) == 0 {
		return nil
	}
	return h.lines[0]
}

// header returns the first line split as CSV with lower-cased, trimmed names.
func (h *sniffed) header() []string {
	l := h.firstLine()
	if l == nil {
		return nil
	}
	return headerNames(l, csvSeparator(l))
}

func (h *sniffed) unsupportedHint() string {
	switch {
	case len(h.raw) == 0:
		return " (the file is empty)"
	case len(h.raw) >= 48 && h.raw[0] == 1 && bytes.Equal(h.raw[1:8], make([]byte, 7)):
		return " (it may be a DCSO bloom filter, which cannot be imported as a digest list)"
	case len(h.header()) > 1 && h.header()[0] == "hashset_id" && h.header()[1] == "name":
		return " (it looks like a HashKeeper .hke set description: import the .hsh beside it)"
	case isSQLScript(h.firstLine()):
		return " (an SQL script, such as an RDSv3 schema or delta: apply it to its database with sqlite3 and import the .db)"
	case h.gzip && bytes.HasPrefix(h.raw, sqliteMagic):
		return " (a gzip-compressed SQLite database: decompress it first)"
	case bytes.HasPrefix(h.raw, sqliteMagic):
		return " (an SQLite database that is neither an NSRL RDSv3 nor a TSK .kdb)"
	}
	return ""
}

func isSQLScript(l []byte) bool {
	u := strings.ToUpper(string(bytes.TrimSpace(l)))
	for _, kw := range []string{"CREATE ", "INSERT ", "UPDATE ", "DELETE ", "BEGIN", "PRAGMA ", "DROP ", "--"} {
		if strings.HasPrefix(u, kw) {
			return true
		}
	}
	return false
}

var (
	utf8BOM     = []byte{0xEF, 0xBB, 0xBF}
	sqliteMagic = []byte("SQLite format 3\x00")
)

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// ---- opening ----

// readBufferSize is the read buffer of every list: big enough that a
// multi-gigabyte list is read in few system calls, small enough that
// opening many small lists costs little.
const readBufferSize = 64 << 10

// newBufReader buffers r, with a small buffer when r says it is small
// (bytes.Reader, strings.Reader): many small lists then cost little.
func newBufReader(r io.Reader) *bufio.Reader {
	if br, ok := r.(*bufio.Reader); ok {
		return br
	}
	size := readBufferSize
	if l, ok := r.(interface{ Len() int }); ok && l.Len() < size {
		size = max(l.Len(), 16)
	}
	return bufio.NewReaderSize(r, size)
}

// maxLineSize is the longest line a text reader accepts; a longer line is
// a ParseError and is skipped.
const maxLineSize = 1 << 20

// streamCloser closes a file and anything wrapped around it.
type streamCloser struct {
	closers []io.Closer
}

func (s *streamCloser) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	s.closers = nil
	return first
}

// openStream opens path read-only, decompressing gzip transparently.
func openStream(path string) (io.Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	c := &streamCloser{closers: []io.Closer{f}}
	br := bufio.NewReaderSize(f, readBufferSize)
	head, _ := br.Peek(2)
	if !isGzip(head) {
		return textStream(br), c, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	c.closers = append(c.closers, zr)
	return textStream(zr), c, nil
}

// openStreamFile returns an openFile function for a stream format.
func openStreamFile(newReader func(io.Reader, string) (Reader, error)) func(string) (Reader, error) {
	return func(path string) (Reader, error) {
		r, c, err := openStream(path)
		if err != nil {
			return nil, err
		}
		rd, err := newReader(r, path)
		if err != nil {
			c.Close()
			return nil, err
		}
		return &closingReader{Reader: rd, closer: c}, nil
	}
}

type closingReader struct {
	Reader
	closer io.Closer
}

func (c *closingReader) Close() error {
	err := c.Reader.Close()
	if err2 := c.closer.Close(); err == nil {
		err = err2
	}
	return err
}

// ---- shared reader machinery ----

// listState is what every reader keeps: the name for errors, the list's
// description, and entries parsed but not yet returned.
type listState struct {
	file    string
	info    ListInfo
	queue   []Entry
	next    int
	pending error // returned once the queue is drained
}

func newListState(file, format string) listState {
	return listState{file: file, info: ListInfo{Format: format}}
}

func (s *listState) Info() ListInfo {
	i := s.info
	i.Metadata = maps.Clone(s.info.Metadata)
	i.Unsupported = maps.Clone(s.info.Unsupported)
	return i
}

func (s *listState) setMeta(k, v string) {
	if s.info.Metadata == nil {
		s.info.Metadata = make(map[string]string)
	}
	s.info.Metadata[k] = v
}

func (s *listState) unsupported(kind string) {
	if s.info.Unsupported == nil {
		s.info.Unsupported = make(map[string]int)
	}
	s.info.Unsupported[kind]++
}

// pop returns a queued entry or the pending error, if any.
func (s *listState) pop() (Entry, bool, error) {
	if s.next < len(s.queue) {
		e := s.queue[s.next]
		s.queue[s.next] = Entry{}
		s.next++
		return e, true, nil
	}
	s.queue, s.next = s.queue[:0], 0
	if s.pending != nil {
		err := s.pending
		s.pending = nil
		return Entry{}, true, err
	}
	return Entry{}, false, nil
}

func (s *listState) push(e Entry) { s.queue = append(s.queue, e) }

func (s *listState) parseError(line int, err error) *ParseError {
	return &ParseError{File: s.file, Line: line, Err: err}
}

// entry returns an Entry with the unknown markers set.
func newEntry(a Algorithm, d []byte, line int) Entry {
	return Entry{Algorithm: a, Digest: d, Size: -1, Quality: -1, Line: line}
}

// ---- line reading ----

var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLineSize)

// lineReader reads lines without allocating: each line is valid until the
// next call. It strips the terminator (LF or CRLF) and a UTF-8 BOM at the
// start. Lines longer than the read buffer are gathered in long, up to
// maxLineSize.
type lineReader struct {
	br   *bufio.Reader
	line int // number of the line last returned
	long []byte
}

func newLineReader(r io.Reader) *lineReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	return &lineReader{br: br}
}

// next returns the next line, errLineTooLong (the line is skipped), io.EOF,
// or a read error.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull && len(l.long) <= maxLineSize {
			b, err = l.br.ReadSlice('\n')
			l.long = append(l.long, b...)
		}
		if len(l.long) > maxLineSize {
			l.line++
			for err == bufio.ErrBufferFull {
				_, err = l.br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			if cap(l.long) > 4*readBufferSize {
				l.long = nil // do not keep a megabyte for the rest of the list
			}
			return nil, errLineTooLong
		}
		b = l.long
	}
	switch err {
	case nil:
	case io.EOF:
		if len(b) == 0 {
			return nil, io.EOF
		}
	default:
		return nil, err
	}
	l.line++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if l.line == 1 {
		b = bytes.TrimPrefix(b, utf8BOM)
	}
	return b, nil
}

// textReader drives a per-line parser. parse may push entries and return an
// error for the line; the entries are returned first, then the error.
type textReader struct {
	listState
	lr     *lineReader
	parse  func(line []byte, n int) error
	finish func() error // called once at end of input; may return a ParseError
	done   bool
	fatal  error
}

func newTextReader(r io.Reader, file, format string) *textReader {
	return &textReader{listState: newListState(file, format), lr: newLineReader(r)}
}

func (t *textReader) Next() (Entry, error) {
	for {
		if e, ok, err := t.pop(); ok {
			return e, err
		}
		if t.fatal != nil {
			return Entry{}, t.fatal
		}
		if t.done {
			return Entry{}, io.EOF
		}
		line, err := t.lr.next()
		switch err {
		case nil:
		case errLineTooLong:
			return Entry{}, t.parseError(t.lr.line, err)
		case io.EOF:
			t.done = true
			if t.finish != nil {
				t.pending = t.finish()
			}
			continue
		default:
			t.fatal = fmt.Errorf("%s: %w", t.file, err)
			continue
		}
		if err := t.parse(line, t.lr.line); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				pe = t.parseError(t.lr.line, err)
			}
			t.pending = pe
		}
	}
}

func (t *textReader) Close() error { return nil }

// ---- small parsing helpers ----

// hexAlgorithm returns the exact algorithm of a hex digest of n characters.
func hexAlgorithm(n int) Algorithm {
	switch n {
	case 32:
		return MD5
	case 40:
		return SHA1
	case 64:
		return SHA256
	}
	return Unknown
}

// decodeDigest decodes hex (either case) into a new slice of a's size.
func decodeDigest(a Algorithm, s []byte) ([]byte, error) {
	if len(s) != 2*a.Size() {
		return nil, fmt.Errorf("%s digest %s has %d hex digits, want %d", a, quoteShort(s), len(s), 2*a.Size())
	}
	d := make([]byte, a.Size())
	if !decodeHexInto(d, s) {
		return nil, fmt.Errorf("%s digest %s is not hex", a, quoteShort(s))
	}
	return d, nil
}

var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := byte(0); i < 10; i++ {
		t['0'+i] = i
	}
	for i := byte(0); i < 6; i++ {
		t['a'+i] = 10 + i
		t['A'+i] = 10 + i
	}
	return t
}()

// decodeHexInto decodes len(dst)*2 hex digits; it reports false on a non-hex byte.
func decodeHexInto(dst, s []byte) bool {
	for i := range dst {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		if hi|lo == 0xff {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func isHexDigit(c byte) bool { return hexValue[c] != 0xff }

// hexRun returns the length of the run of hex digits at the start of b.
func hexRun(b []byte) int {
	for i, c := range b {
		if hexValue[c] == 0xff {
			return i
		}
	}
	return len(b)
}

func isAllHex(b []byte) bool { return len(b) > 0 && hexRun(b) == len(b) }

// quoteShort quotes b for an error message, cut to a sane length.
func quoteShort(b []byte) string {
	const max = 80
	if len(b) > max {
		return fmt.Sprintf("%q...", b[:max])
	}
	return fmt.Sprintf("%q", b)
}

// parseSize parses a decimal file size, returning -1 when absent or invalid.
func parseSize(b []byte) int64 {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 18 {
		return -1
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// ---- CSV lines ----

// splitCSV splits one line at sep into dst, leniently: a field that starts
// with a double quote runs to the next quote followed by sep or the end of
// the line ("" inside stands for one quote; any other quote is kept), as
// NSRL names carry unescaped quotes. A record never spans lines. With max > 0
// the line is split into at most max fields, the last keeping the rest.
// Quoted fields are unescaped in place, so line is modified.
func splitCSV(line []byte, sep byte, max int, dst [][]byte) [][]byte {
	dst = dst[:0]
	for {
		if max > 0 && len(dst) == max-1 {
			return append(dst, unquoteField(line))
		}
		if len(line) > 0 && line[0] == '"' {
			field, rest, ok := quotedField(line, sep)
			if ok {
				dst = append(dst, field)
				if rest == nil {
					return dst
				}
				line = rest
				continue
			}
		}
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// quotedField reads a quoted field at the start of line. rest is nil at the
// end of the line. ok is false when the quotes do not close a field (the
// field is then read unquoted).
func quotedField(line []byte, sep byte) (field, rest []byte, ok bool) {
	w := 1 // write position: unescaping shifts bytes left
	for r := 1; r < len(line); r++ {
		c := line[r]
		if c == '"' {
			if r+1 == len(line) {
				return line[1:w], nil, true
			}
			switch line[r+1] {
			case sep:
				return line[1:w], line[r+2:], true
			case '"':
				r++
			}
		}
		line[w] = c
		w++
	}
	return nil, nil, false
}

// unquoteField strips one pair of surrounding quotes from a whole field.
func unquoteField(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return bytes.ReplaceAll(b[1:len(b)-1], []byte(`""`), []byte(`"`))
	}
	return b
}

// csvSeparator guesses a header's separator: ';' or tab when the line has
// those and no comma, else comma.
func csvSeparator(header []byte) byte {
	if bytes.IndexByte(header, ',') < 0 {
		if bytes.IndexByte(header, ';') >= 0 {
			return ';'
		}
		if bytes.IndexByte(header, '\t') >= 0 {
			return '\t'
		}
	}
	return ','
}

// headerNames splits a header line into lower-case, trimmed column names.
func headerNames(line []byte, sep byte) []string {
	cp := bytes.Clone(line)
	fields := splitCSV(cp, sep, 0, nil)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = strings.ToLower(strings.TrimSpace(string(f)))
	}
	return names
}

// columnIndex returns the index of the first column named any of names, or -1.
func columnIndex(header []string, names ...string) int {
	for _, n := range names {
		if i := slices.Index(header, n); i >= 0 {
			return i
		}
	}
	return -1
}

// field returns fields[i] trimmed of spaces, or nil when i is out of range.
func field(fields [][]byte, i int) []byte {
	if i < 0 || i >= len(fields) {
		return nil
	}
	return bytes.TrimSpace(fields[i])
}

// newHeaderReader reads a CSV list whose first non-empty line is a header.
// setup sees the lower-cased column names and returns the row handler, or an
// error that makes the reader fail (the file is not in this format). The
// separator is guessed from the header (comma, semicolon or tab).
func newHeaderReader(r io.Reader, file, format string,
	setup func(t *textReader, header []string) (func(fields [][]byte, n int) error, error)) *textReader {
	t := newTextReader(r, file, format)
	var row func([][]byte, int) error
	var sep byte
	var fields [][]byte
	t.parse = func(line []byte, n int) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		if row == nil {
			sep = csvSeparator(line)
			h, err := setup(t, headerNames(line, sep))
			if err != nil {
				t.fatal = fmt.Errorf("%s:%d: %w", file, n, err) // not a ParseError: nothing after a bad header can be read
				return nil
			}
			row = h
			return nil
		}
		fields = splitCSV(line, sep, 0, fields)
		return row(fields, n)
	}
	return t
}

// pushDigest queues proto with the digest a of the hex in cell (surrounding
// spaces ignored); an empty cell queues nothing.
func (s *listState) pushDigest(proto Entry, a Algorithm, cell []byte) error {
	cell = bytes.TrimSpace(cell)
	if len(cell) == 0 {
		return nil
	}
	d, err := decodeDigest(a, cell)
	if err != nil {
		return err
	}
	proto.Algorithm, proto.Digest = a, d
	s.push(proto)
	return nil
}
