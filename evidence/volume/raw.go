package volume

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// An Image is a raw disk image, a split raw image or a block device, opened
// read-only. It reads like one contiguous device.
type Image struct {
	segments []segment
	size     int64
}

type segment struct {
	f     *os.File
	name  string
	start int64 // offset of the segment's first byte in the image
	size  int64
}

// OpenRaw opens a single raw image file or a block device read-only
// (O_RDONLY). The size comes from seeking to the end, which works for block
// devices whose Stat size is zero.
func OpenRaw(path string) (*Image, error) {
	seg, err := openSegment(path, 0)
	if err != nil {
		return nil, err
	}
	return &Image{segments: []segment{seg}, size: seg.size}, nil
}

// OpenSplitRaw opens a split raw image given its first segment (a name ending
// in a run of digits such as "disk.001", "disk.000" or "disk.raw.1"). Segments
// are found by incrementing the number, keeping its width, until one is
// missing; each is opened read-only and they read as one image.
func OpenSplitRaw(firstPath string) (*Image, error) {
	names, err := SplitRawSegments(firstPath)
	if err != nil {
		return nil, err
	}
	img := &Image{}
	for _, name := range names {
		seg, err := openSegment(name, img.size)
		if err != nil {
			img.Close()
			return nil, err
		}
		img.segments = append(img.segments, seg)
		img.size += seg.size
	}
	return img, nil
}

// SplitRawSegments lists the segment files of a split raw image whose first
// segment is firstPath, in order, without opening them.
func SplitRawSegments(firstPath string) ([]string, error) {
	base, num, width, ok := splitNumber(firstPath)
	if !ok {
		return nil, fmt.Errorf("%s: not a split raw segment name (no trailing number)", firstPath)
	}
	names := []string{firstPath}
	for n := num + 1; ; n++ {
		name := fmt.Sprintf("%s%0*d", base, width, n)
		if _, err := os.Lstat(name); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			return nil, err
		}
		names = append(names, name)
		if len(names) > 1<<16 {
			return nil, fmt.Errorf("%s: more than %d segments", firstPath, 1<<16)
		}
	}
	return names, nil
}

// IsSplitRawName reports whether name looks like the first segment of a split
// raw image (".001", ".000" or ".1" extension of digits only).
func IsSplitRawName(name string) bool {
	ext := filepath.Ext(name)
	if len(ext) < 2 {
		return false
	}
	n, err := strconv.Atoi(ext[1:])
	return err == nil && (n == 0 || n == 1) && strings.Trim(ext[1:], "0123456789") == ""
}

func splitNumber(p string) (base string, num, width int, ok bool) {
	i := len(p)
	for i > 0 && p[i-1] >= '0' && p[i-1] <= '9' {
		i--
	}
	if i == len(p) || len(p)-i > 9 {
		return "", 0, 0, false
	}
	num, err := strconv.Atoi(p[i:])
	if err != nil {
		return "", 0, 0, false
	}
	return p[:i], num, len(p) - i, true
}

func openSegment(path string, start int64) (segment, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return segment{}, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return segment{}, fmt.Errorf("%s: size: %w", path, err)
	}
	return segment{f: f, name: path, start: start, size: size}, nil
}

// Size returns the image size in bytes.
func (img *Image) Size() int64 { return img.size }

// Segments returns the file names the image reads from, in order.
func (img *Image) Segments() []string {
	names := make([]string, len(img.segments))
	for i, s := range img.segments {
		names[i] = s.name
	}
	return names
}

// ReadAt reads from the image. A read crossing a segment boundary is split
// between segments; a read within one segment goes straight to the file.
func (img *Image) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("raw image: negative offset %d", off)
	}
	if off >= img.size {
		return 0, io.EOF
	}
	i := sort.Search(len(img.segments), func(i int) bool {
		s := img.segments[i]
		return s.start+s.size > off
	})
	n := 0
	for n < len(p) && i < len(img.segments) {
		s := img.segments[i]
		rel := off + int64(n) - s.start
		chunk := p[n:]
		if rem := s.size - rel; int64(len(chunk)) > rem {
			chunk = chunk[:rem]
		}
		m, err := s.f.ReadAt(chunk, rel)
		n += m
		if err != nil && !(err == io.EOF && m == len(chunk)) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the segment shrank since it was opened
			}
			return n, fmt.Errorf("%s: offset %d: %w", s.name, rel, err)
		}
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close closes every segment file.
func (img *Image) Close() error {
	var first error
	for _, s := range img.segments {
		if err := s.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
