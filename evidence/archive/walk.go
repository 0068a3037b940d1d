package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync/atomic"
	"time"
)

// File is the open content of a member: it can be read sequentially and at
// any offset, and Size is the number of bytes it holds. Its method set is
// that of evidence.File.
type File interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Size() int64
}

// A Member is one entry of an archive.
type Member struct {
	// Name is the member's path inside the archive as the archive records
	// it ("/" separated for ZIP, TAR, 7z and RAR). For a single compressed
	// file (gzip, bzip2, xz) it is the name from the gzip header, else
	// Options.Name without its compression suffix, else "-".
	Name string
	// Size is the number of content bytes, or -1 if it is not known
	// (the member carries Err).
	Size int64
	// Mode holds only the type bits of the member's mode: 0 for a regular
	// file, fs.ModeDir, fs.ModeSymlink, fs.ModeDevice, fs.ModeNamedPipe,
	// fs.ModeIrregular for hard links and entries of unknown type.
	Mode fs.FileMode
	// Modified is the modification time recorded in the archive, in UTC;
	// zero if the archive records none. ZIP entries without an extended
	// timestamp and RAR 4 entries hold MS-DOS local time (no zone, 2-second
	// steps), which is reported as if it were UTC.
	Modified time.Time
	// Encrypted is true for an encrypted member. Its content is not read
	// (no password is tried) and Err is ErrEncrypted.
	Encrypted bool
	// Err says why the content cannot be examined: encrypted, corrupt, a
	// limit hit ([*LimitError]), an unsupported method. Open is nil then.
	Err error
	// Open returns the member's content. It is nil for members that are
	// not regular files and for members with Err.
	//
	// For ZIP members (random access) Open may be called at any time
	// while the archive's ReaderAt stays readable, from any goroutine;
	// each call decompresses the member anew, checked against the limits,
	// and fails with a *LimitError once the archive's budget is spent.
	// Close the File to free its copy.
	//
	// For the other formats (read as a stream) the member was decompressed
	// before the callback; Open must be called, and the File used, only
	// until the callback returns: reads after that fail.
	Open func() (File, error)
}

// Dir reports whether the member is a directory.
func (m Member) Dir() bool { return m.Mode&fs.ModeDir != 0 }

// ErrEncrypted is the Err of an encrypted member.
var ErrEncrypted = errors.New("encrypted archive member: content not examined")

// ErrEncryptedHeaders is returned by Walk for an archive whose member list
// itself is encrypted (7z -mhe, RAR -hp): no member can be listed.
var ErrEncryptedHeaders = errors.New("encrypted archive headers: members and content not examined")

// Defaults for the zero fields of Options.
const (
	DefaultMaxExpanded   = 64 << 30
	DefaultMaxRatio      = 1000
	DefaultMemoryLimit   = 64 << 20
	DefaultMaxDictionary = 256 << 20
)

// Options bound and name a walk. A zero field takes its default; a
// negative MaxExpanded or MaxRatio means no limit.
type Options struct {
	// MaxExpanded bounds the total bytes decompressed from one archive
	// (default 64 GiB). Members read in place count too.
	MaxExpanded int64
	// MaxRatio bounds the bytes decompressed per byte of the archive, and
	// per byte of a member's compressed data where the format records it
	// (ZIP, non-solid RAR). Default 1000.
	MaxRatio float64
	// MemoryLimit is the largest member held in memory; larger members are
	// spooled to an anonymous temporary file (default 64 MiB).
	MemoryLimit int64
	// MaxDictionary bounds the decoder memory an archive may ask for: the
	// dictionary of xz, RAR and 7z LZMA/LZMA2 coders, a 7z PPMd model, a 7z
	// zstd window. The decoders allocate it in full up front (default
	// 256 MiB; xz -9 needs 64 MiB).
	MaxDictionary int64
	// TempDir is where large members are spooled ("" for os.TempDir).
	TempDir string
	// Name is the archive's own file name, used to name the single member
	// of a gzip, bzip2 or xz file whose header gives no name.
	Name string
}

func (o Options) withDefaults() Options {
	if o.MaxExpanded == 0 {
		o.MaxExpanded = DefaultMaxExpanded
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = DefaultMaxRatio
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxDictionary <= 0 {
		o.MaxDictionary = DefaultMaxDictionary
	}
	return o
}

// Limit names of a LimitError.
const (
	LimitExpanded = "expanded bytes"  // Options.MaxExpanded for the whole archive
	LimitRatio    = "expansion ratio" // Options.MaxRatio against the archive or the member's compressed size
	LimitDict     = "dictionary size" // Options.MaxDictionary
)

// A LimitError reports a limit that stopped the reading of a member or of
// the archive.
type LimitError struct {
	Limit  string // LimitExpanded, LimitRatio or LimitDict
	Member string // member being read when the limit was hit; "" if none
	Max    int64  // the bound in bytes that was exceeded
	Detail string // how the bound was computed
}

func (e *LimitError) Error() string {
	where := "archive"
	if e.Member != "" {
		where = fmt.Sprintf("member %q", e.Member)
	}
	return fmt.Sprintf("archive limit hit: %s limit (%s) exceeded reading %s; content not examined", e.Limit, e.Detail, where)
}

// Walk calls fn for every member of the archive held in r (size bytes) in
// format f, in the order the archive stores them. Problems with one member
// reach fn as a Member with Err; a limit that bounds the whole archive ends
// the walk after the member that hit it. Walk returns an error when the
// archive as a whole cannot be read (not the format, corrupt directory,
// encrypted headers, corrupt stream between members), when ctx is
// cancelled (ctx.Err()), or when fn returns one (that error, unchanged).
func Walk(ctx context.Context, r io.ReaderAt, size int64, f Format, opt Options, fn func(Member) error) error {
	if size < 0 {
		return fmt.Errorf("archive: negative size %d", size)
	}
	w := newWalker(ctx, r, size, opt.withDefaults(), fn)
	var err error
	switch f {
	case Zip:
		err = w.walkZip()
	case Tar:
		err = w.walkPlainTar()
	case Gzip, Bzip2, XZ:
		err = w.walkCompressed(f)
	case SevenZip:
		err = w.walk7z()
	case RAR:
		err = w.walkRAR()
	default:
		return fmt.Errorf("archive: unknown format %q", f)
	}
	var cb *callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		return ctxErr
	}
	return err
}

// callbackError carries an error returned by fn through the walkers, so
// that Walk returns it unchanged and never mistakes it for a format error.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

type walker struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
	opt  Options
	fn   func(Member) error

	// budget: total bytes expanded so far and the archive-wide bound.
	// ZIP members may be opened from several goroutines, so atomic.
	expanded    atomic.Int64
	maxExpanded int64 // -1 for none
	limitName   string
	limitDetail string
	current     string // member being read, for LimitError

	spare []byte // memory buffer of the last released member, reused
}

func newWalker(ctx context.Context, r io.ReaderAt, size int64, opt Options, fn func(Member) error) *walker {
	w := &walker{ctx: ctx, r: r, size: size, opt: opt, fn: fn, maxExpanded: -1}
	if opt.MaxExpanded > 0 {
		w.maxExpanded, w.limitName = opt.MaxExpanded, LimitExpanded
		w.limitDetail = fmt.Sprintf("at most %d bytes per archive", opt.MaxExpanded)
	}
	if opt.MaxRatio > 0 {
		byRatio := ratioBound(opt.MaxRatio, size)
		if w.maxExpanded < 0 || byRatio < w.maxExpanded {
			w.maxExpanded, w.limitName = byRatio, LimitRatio
			w.limitDetail = fmt.Sprintf("%g:1 of the archive's %d bytes = %d bytes", opt.MaxRatio, size, byRatio)
		}
	}
	return w
}

// ratioBound is ratio*compressed, saturating instead of overflowing.
func ratioBound(ratio float64, compressed int64) int64 {
	b := ratio * float64(compressed)
	if b >= 1<<62 {
		return 1 << 62
	}
	return int64(b)
}

// emit hands m to fn, marking fn's error so that Walk returns it as is.
func (w *walker) emit(m Member) error {
	if err := w.fn(m); err != nil {
		return &callbackError{err}
	}
	return nil
}

// charge counts n bytes read in place against the archive-wide bound.
func (w *walker) charge(member string, n int64) error {
	if total := w.expanded.Add(n); w.maxExpanded >= 0 && total > w.maxExpanded {
		return &LimitError{Limit: w.limitName, Member: member, Max: w.maxExpanded, Detail: w.limitDetail}
	}
	return nil
}

// archiveLimited wraps a decompressed stream of the whole archive: every
// byte read from it counts against the archive-wide bound, and reading
// stops with a *LimitError once the bound is exceeded.
func (w *walker) archiveLimited(r io.Reader) io.Reader {
	return &limitReader{r: r, w: w, member: -1}
}

// memberLimited wraps one member's decompressed stream: it counts against
// the archive-wide bound, and, if compressed >= 0 and a ratio is set,
// against MaxRatio times the member's compressed size.
func (w *walker) memberLimited(r io.Reader, name string, compressed int64) io.Reader {
	lr := &limitReader{r: r, w: w, member: -1, name: name}
	if compressed >= 0 && w.opt.MaxRatio > 0 {
		lr.member = ratioBound(w.opt.MaxRatio, compressed)
		lr.memberDetail = fmt.Sprintf("%g:1 of the member's %d compressed bytes = %d bytes", w.opt.MaxRatio, compressed, lr.member)
	}
	return lr
}

type limitReader struct {
	r            io.Reader
	w            *walker
	name         string // member name; "" means the walker's current member
	read         int64
	member       int64 // per-member bound, -1 for none
	memberDetail string
	err          error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if err := l.w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := l.r.Read(p)
	if n > 0 {
		name := l.name
		if name == "" {
			name = l.w.current
		}
		l.read += int64(n)
		if l.member >= 0 && l.read > l.member {
			l.err = &LimitError{Limit: LimitRatio, Member: name, Max: l.member, Detail: l.memberDetail}
			return 0, l.err
		}
		if cerr := l.w.charge(name, int64(n)); cerr != nil {
			l.err = cerr
			return 0, l.err
		}
	}
	return n, err
}

// isArchiveLimit reports whether err is a limit on the whole archive, after
// which the walk must stop (a per-member ratio only skips the member).
func (w *walker) isArchiveLimit(err error) bool {
	var le *LimitError
	if !errors.As(err, &le) {
		return false
	}
	return le.Limit == LimitExpanded || w.exhausted()
}

// exhausted reports whether the archive-wide bound has been exceeded.
func (w *walker) exhausted() bool {
	return w.maxExpanded >= 0 && w.expanded.Load() > w.maxExpanded
}

// emitContent decompresses the member from r (already limited) into a
// spool and hands it to fn with Open set. A read error becomes the
// member's Err (passed through wrap) and failed is true; a limit on the
// whole archive also sets stop.
func (w *walker) emitContent(m Member, r io.Reader, sizeHint int64, wrap func(error) error) (failed, stop bool, err error) {
	w.current = m.Name
	sp, rerr := w.spool(r, sizeHint, true)
	if rerr != nil {
		if cerr := w.ctx.Err(); cerr != nil {
			return true, true, cerr
		}
		if _, isLimit := rerr.(*LimitError); !isLimit && wrap != nil {
			rerr = wrap(rerr)
		}
		m.Err, m.Size = rerr, -1
		m.Encrypted = errors.Is(rerr, ErrEncrypted)
		return true, w.isArchiveLimit(rerr), w.emit(m)
	}
	defer sp.release()
	m.Size = sp.size
	m.Open = sp.open
	return false, false, w.emit(m)
}
