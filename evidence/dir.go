package evidence

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// NoAtimer is implemented by Files of host sources: NoAtime reports whether
// the file was opened with O_NOATIME, so that reading it leaves its access
// time unchanged. Files that do not implement it come from images or
// containers, whose reading changes no access time.
type NoAtimer interface {
	NoAtime() bool
}

// dirFrame is one directory being listed by the iterative walk.
type dirFrame struct {
	dir     string
	entries []fs.DirEntry
	next    int
}

func (s *hostSource) walkDir(ctx context.Context, fn WalkFunc) error {
	entries, err := s.readDir(s.root)
	if err != nil {
		if e := fn(Item{Path: s.root, Parts: []string{s.root}, Type: Other, Err: err}); e != nil {
			return e
		}
	}
	stack := []dirFrame{{dir: s.root, entries: entries}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		top := &stack[len(stack)-1]
		if top.next == len(top.entries) {
			stack[len(stack)-1] = dirFrame{} // let the entries be collected
			stack = stack[:len(stack)-1]
			continue
		}
		e := top.entries[top.next]
		top.entries[top.next] = nil
		top.next++
		p := filepath.Join(top.dir, e.Name())
		if e.IsDir() {
			sub, err := s.readDir(p)
			if err != nil {
				if e := fn(Item{Path: p, Parts: []string{p}, Type: Other, Err: err}); e != nil {
					return e
				}
			}
			if len(sub) > 0 {
				stack = append(stack, dirFrame{dir: p, entries: sub})
			}
			continue
		}
		fi, err := e.Info() // lstat: never follows a link
		if err != nil {
			if e := fn(Item{Path: p, Parts: []string{p}, Type: Other, Err: fmt.Errorf("lstat %s: %w", p, err)}); e != nil {
				return e
			}
			continue
		}
		if fi.IsDir() { // replaced by a directory since it was listed
			if e := fn(Item{Path: p, Parts: []string{p}, Type: Other, Err: fmt.Errorf("%s: changed from file to directory while walked; not examined", p)}); e != nil {
				return e
			}
			continue
		}
		if err := fn(s.item(p, fi, false)); err != nil {
			return err
		}
	}
	return nil
}

// readDir lists dir sorted by name. Entries read before an error are
// returned with it, so a directory that fails half way is still walked as
// far as it could be read.
func (s *hostSource) readDir(dir string) ([]fs.DirEntry, error) {
	openFn := openDir
	if s.opts.openDir != nil {
		openFn = s.opts.openDir
	}
	f, err := openFn(dir, !s.opts.NoNoAtime)
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(-1)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	statEntries(f, entries)
	f.Close()
	if err != nil {
		err = fmt.Errorf("read directory %s: %w", dir, err)
	}
	return entries, err
}

// item describes the file p whose lstat result is fi.
func (s *hostSource) item(p string, fi fs.FileInfo, isRoot bool) Item {
	it := Item{Path: p, Parts: []string{p}, Meta: statMeta(fi)}
	mode := fi.Mode()
	switch {
	case mode.IsRegular():
		it.Type = Regular
		it.Size = fi.Size()
		it.Open = func() (File, error) { return s.open(p, false) }
	case mode&fs.ModeSymlink != 0:
		it.Type = Symlink
	case mode&fs.ModeNamedPipe != 0:
		it.Type = FIFO
	case mode&fs.ModeSocket != 0:
		it.Type = Socket
	case mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice == 0 && isRoot:
		// A block device named on the command line is read like a raw
		// image; its size is only known once it is open.
		it.Type = Regular
		f, err := s.open(p, true)
		if err != nil {
			it.Err = err
			break
		}
		it.Size = f.Size()
		f.Close()
		it.Open = func() (File, error) { return s.open(p, true) }
	case mode&fs.ModeDevice != 0:
		it.Type = Device
	default:
		it.Type = Other
	}
	return it
}

// A handle is an open host file, as the platform's open returns it.
type handle interface {
	io.Reader
	io.ReaderAt
	io.Closer
	io.Seeker
	// kind reports, from fstat, whether the open file is a regular file
	// or a block device, and its size.
	kind() (regular, block bool, size int64, err error)
}

// osHandle is a handle over an *os.File.
type osHandle struct{ *os.File }

func (h osHandle) kind() (regular, block bool, size int64, err error) {
	fi, err := h.Stat()
	if err != nil {
		return false, false, 0, err
	}
	m := fi.Mode()
	return m.IsRegular(), m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0, fi.Size(), nil
}

// hostFile is an open host file.
type hostFile struct {
	handle
	name    string
	size    int64
	noatime bool
}

func (f *hostFile) Size() int64    { return f.size }
func (f *hostFile) NoAtime() bool  { return f.noatime }
func (f *hostFile) String() string { return f.name }

// open opens p read-only, with O_NOATIME where the kernel grants it, and
// checks that it is still what the walk saw: a regular file (or, for a
// root, a block device). The open never follows a symbolic link and never
// blocks on a FIFO that replaced the file.
func (s *hostSource) open(p string, device bool) (File, error) {
	openFn := openFile
	if s.opts.openFile != nil {
		openFn = s.opts.openFile
	}
	h, noatime, err := openFn(p, !s.opts.NoNoAtime)
	if err != nil {
		return nil, err
	}
	regular, block, size, err := h.kind()
	if err != nil {
		h.Close()
		return nil, &os.PathError{Op: "fstat", Path: p, Err: err}
	}
	switch {
	case regular:
	case device && block:
		size, err = h.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = h.Seek(0, io.SeekStart)
		}
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("size of block device %s: %w", p, err)
		}
	default:
		h.Close()
		return nil, fmt.Errorf("%s: is no longer a regular file; not read", p)
	}
	return &hostFile{handle: h, name: p, size: size, noatime: noatime}, nil
}
