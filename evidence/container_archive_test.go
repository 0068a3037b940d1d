package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/evidence/archive"
)

// archiveTestFile is a File over bytes.
type archiveTestFile struct{ *bytes.Reader }

func (archiveTestFile) Close() error { return nil }

func openArchiveFixture(t *testing.T, name string) File {
	t.Helper()
	b, err := os.ReadFile("archive/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return archiveTestFile{bytes.NewReader(b)}
}

type seenItem struct {
	Item
	sha256 string
}

// expandAll does what the scan does: hash each item, then Sniff it and
// Expand it if it is a container, depth first.
func expandAll(t *testing.T, ctx context.Context, it Item, f File, lim Limits, out *[]seenItem) error {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, f.Size())); err != nil {
		*out = append(*out, seenItem{Item: Item{Path: it.Path, Err: err}})
		return nil
	}
	*out = append(*out, seenItem{Item: it, sha256: hex.EncodeToString(h.Sum(nil))})
	head := make([]byte, SniffSize)
	n, _ := f.ReadAt(head, 0)
	c := Sniff(head[:n])
	if c.Name == "" {
		return nil
	}
	return Expand(ctx, it, f, c, lim, func(child Item) error {
		if child.Err != nil || child.Open == nil {
			*out = append(*out, seenItem{Item: child})
			return nil
		}
		cf, err := child.Open()
		if err != nil { // the scan reports it as an error record
			child.Err = err
			*out = append(*out, seenItem{Item: child})
			return nil
		}
		defer cf.Close()
		// Reading the content sequentially surfaces checksum errors.
		if _, err := io.Copy(io.Discard, cf); err != nil {
			child.Err = err
			*out = append(*out, seenItem{Item: child})
			return nil
		}
		return expandAll(t, ctx, child, cf, lim, out)
	})
}

func TestExpandArchives(t *testing.T) {
	sum := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	hello := sum("hello, hashtriage\n")
	tests := []struct {
		file  string
		lim   Limits
		want  map[string]string // locator -> sha256, or "err:" + substring of Err
		depth map[string]int
	}{
		{
			file: "nested.7z", lim: DefaultLimits(),
			want: map[string]string{
				"case/nested.7z":                           "",
				"case/nested.7z!inner.zip":                 "",
				"case/nested.7z!inner.zip!hello.txt":       hello,
				"case/nested.7z!inner.zip!dir/numbers.txt": "",
			},
			depth: map[string]int{"case/nested.7z": 0, "case/nested.7z!inner.zip": 1, "case/nested.7z!inner.zip!hello.txt": 2},
		},
		{
			// Depth limit 1: the 7z is expanded, the zip in it is reported, not opened.
			file: "nested.7z", lim: Limits{MaxDepth: 1, MaxExpanded: 1 << 30, MaxRatio: 1000},
			want: map[string]string{
				"case/nested.7z":           "",
				"case/nested.7z!inner.zip": "err:nesting depth limit 1",
			},
		},
		{
			file: "sample.tar.gz", lim: DefaultLimits(),
			want: map[string]string{
				"case/sample.tar.gz":                 "",
				"case/sample.tar.gz!hello.txt":       hello,
				"case/sample.tar.gz!dir/numbers.txt": "",
				"case/sample.tar.gz!dir/sub/fox.txt": "",
			},
		},
		{
			file: "hello.txt.xz", lim: DefaultLimits(),
			want: map[string]string{"case/hello.txt.xz": "", "case/hello.txt.xz!hello.txt": hello},
		},
		{
			file: "encrypted.zip", lim: DefaultLimits(),
			want: map[string]string{
				"case/encrypted.zip":                 "",
				"case/encrypted.zip!hello.txt":       "err:encrypted archive member: content not examined",
				"case/encrypted.zip!dir/numbers.txt": "",
			},
		},
		{
			file: "encrypted-headers.7z", lim: DefaultLimits(),
			want: map[string]string{"case/encrypted-headers.7z": "err:encrypted archive headers"},
		},
		{
			file: "bomb.zip", lim: DefaultLimits(),
			want: map[string]string{"case/bomb.zip": "", "case/bomb.zip!zeros.bin": "err:expansion ratio limit"},
		},
		{
			file: "corrupt.zip", lim: DefaultLimits(),
			want: map[string]string{
				"case/corrupt.zip":                 "",
				"case/corrupt.zip!hello.txt":       hello,
				"case/corrupt.zip!stored.txt":      "err:checksum",
				"case/corrupt.zip!dir/numbers.txt": "err:dir/numbers.txt",
				"case/corrupt.zip!dir/sub/fox.txt": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := openArchiveFixture(t, tt.file)
			var seen []seenItem
			if err := expandAll(t, context.Background(), Item{Path: "case/" + tt.file}, f, tt.lim, &seen); err != nil {
				t.Fatal(err)
			}
			got := map[string]seenItem{}
			for _, s := range seen {
				if _, dup := got[s.Path]; dup && s.Err == nil {
					t.Errorf("locator %q twice", s.Path)
				}
				if old, dup := got[s.Path]; !dup || old.Err == nil {
					got[s.Path] = s
				}
				if strings.HasSuffix(s.Path, "/") {
					t.Errorf("directory emitted as item: %q", s.Path)
				}
			}
			if len(got) != len(tt.want) {
				var paths []string
				for p := range got {
					paths = append(paths, p)
				}
				t.Errorf("items %q, want %d", paths, len(tt.want))
			}
			for p, w := range tt.want {
				s, ok := got[p]
				switch {
				case !ok:
					t.Errorf("no item %q", p)
				case strings.HasPrefix(w, "err:"):
					if s.Err == nil || !strings.Contains(s.Err.Error(), w[4:]) {
						t.Errorf("%s: Err %v, want it to say %q", p, s.Err, w[4:])
					}
				case s.Err != nil:
					t.Errorf("%s: Err %v", p, s.Err)
				case w != "" && s.sha256 != w:
					t.Errorf("%s: sha256 %s, want %s", p, s.sha256, w)
				}
				if d, ok := tt.depth[p]; ok && s.Depth != d {
					t.Errorf("%s: depth %d, want %d", p, s.Depth, d)
				}
			}
			if enc, ok := got["case/encrypted.zip!hello.txt"]; ok && !enc.Meta.Encrypted {
				t.Errorf("encrypted member without Meta.Encrypted")
			}
		})
	}
}

func TestSniffArchives(t *testing.T) {
	for _, name := range []string{"sample.zip", "sample.tar", "sample.tar.gz", "sample.tar.bz2", "sample.tar.xz", "sample.7z", "rar5.rar", "rar4.rar"} {
		f := openArchiveFixture(t, name)
		head := make([]byte, SniffSize)
		n, _ := f.ReadAt(head, 0)
		c := Sniff(head[:n])
		if c.Name == "" || c.Disk || !isArchiveContainer(c) {
			t.Errorf("%s: Sniff = %+v, want an archive", name, c)
		}
		if archive.Detect(head[:n]) != archive.Format(c.Name) {
			t.Errorf("%s: Sniff %q disagrees with archive.Detect", name, c.Name)
		}
	}
}

func TestExpandArchiveCallbackErrorStops(t *testing.T) {
	f := openArchiveFixture(t, "sample.zip")
	stop := errors.New("stop")
	n := 0
	err := Expand(context.Background(), Item{Path: "x.zip"}, f, Container{Name: "zip"}, DefaultLimits(), func(Item) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Expand = %v after %d items; want the callback's error after 1", err, n)
	}
}
