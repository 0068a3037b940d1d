package archive

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/ulikunitz/xz"
)

// walkCompressed walks a gzip, bzip2 or xz file: a compressed TAR yields
// the TAR's members, anything else one member holding the decompressed
// bytes.
func (w *walker) walkCompressed(f Format) error {
	src := io.NewSectionReader(w.r, 0, w.size)
	var (
		dec      io.Reader
		name     string
		modified time.Time
	)
	switch f {
	case Gzip:
		zr, err := gzip.NewReader(src)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		dec, name = zr, zr.Name
		if !zr.ModTime.IsZero() && zr.ModTime.Unix() != 0 {
			modified = zr.ModTime.UTC()
		}
	case Bzip2:
		dec = bzip2.NewReader(src)
	case XZ:
		if err := checkXZDictionaries(w.r, w.size, w.opt.MaxDictionary); err != nil {
			return err
		}
		xr, err := xz.NewReader(src)
		if err != nil {
			return fmt.Errorf("xz: %w", err)
		}
		dec = xr
	}
	if name == "" {
		name = memberName(w.opt.Name, f)
	}
	in := bufio.NewReaderSize(w.archiveLimited(&formatErrReader{r: dec, f: f}), HeadSize)
	head, err := in.Peek(HeadSize)
	if err != nil && err != io.EOF {
		var le *LimitError
		if errors.As(err, &le) {
			return err
		}
		// Corrupt from the start: the member is there but unreadable.
		return w.emit(Member{Name: name, Size: -1, Modified: modified, Err: err})
	}
	if isTar(head) {
		return w.walkTar(in, nil)
	}
	m := Member{Name: name, Size: -1, Modified: modified}
	_, _, err = w.emitContent(m, in, -1, nil)
	return err
}

// formatErrReader prefixes decoder errors with the format's name.
type formatErrReader struct {
	r io.Reader
	f Format
}

func (e *formatErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", e.f, err)
	}
	return n, err
}

// suffixes maps the name endings of compressed files to what the
// decompressed file is called.
var suffixes = map[Format][][2]string{
	Gzip:  {{".tgz", ".tar"}, {".taz", ".tar"}, {".gz", ""}, {".z", ""}},
	Bzip2: {{".tbz2", ".tar"}, {".tbz", ".tar"}, {".tb2", ".tar"}, {".bz2", ""}, {".bz", ""}},
	XZ:    {{".txz", ".tar"}, {".xz", ""}},
}

// memberName names the single member of a compressed file after the
// file: its base name without the compression suffix, or "-".
func memberName(archiveName string, f Format) string {
	base := path.Base(strings.ReplaceAll(archiveName, "\\", "/"))
	lower := strings.ToLower(base)
	for _, s := range suffixes[f] {
		if strings.HasSuffix(lower, s[0]) && len(base) > len(s[0]) {
			return base[:len(base)-len(s[0])] + s[1]
		}
	}
	return "-"
}
