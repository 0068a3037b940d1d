package archive

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzWalk feeds arbitrary bytes to every format's walker: no panic, no
// member with both Err and content, sizes that agree, and everything
// bounded by the limits (the fuzzer's memory and time checks catch the
// rest). The format is a fuzz argument so that mutations of one format's
// fixture also reach the other walkers.
func FuzzWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil || len(data) > 64<<10 || filepath.Ext(name) == ".sh" {
			continue
		}
		if format := Detect(data); format != "" {
			f.Add(data, formatIndex(format))
		}
	}
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, which byte) {
		format := Formats[int(which)%len(Formats)]
		opt := Options{
			MaxExpanded:   1 << 20, // small: instrumented decoders are slow
			MaxRatio:      1000,
			MemoryLimit:   256 << 10, // so that the temp-file path is fuzzed too
			MaxDictionary: 8 << 20,
			TempDir:       tmp,
			Name:          "fuzz.gz",
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var total int64
		err := Walk(ctx, bytes.NewReader(data), int64(len(data)), format, opt, func(m Member) error {
			if m.Err != nil && m.Open != nil {
				t.Fatalf("%s: member %q has Err and Open", format, m.Name)
			}
			if m.Open == nil {
				return nil
			}
			mf, err := m.Open()
			if err != nil {
				if format == Zip { // decompressed on Open: corrupt data and limits show here
					return nil
				}
				t.Fatalf("%s: Open of %q: %v", format, m.Name, err)
			}
			defer mf.Close()
			if mf.Size() != m.Size || m.Size < 0 {
				t.Fatalf("%s: %q: File.Size %d, Member.Size %d", format, m.Name, mf.Size(), m.Size)
			}
			n, err := io.Copy(io.Discard, mf)
			if err == nil && n != m.Size {
				t.Fatalf("%s: %q: read %d of %d bytes", format, m.Name, n, m.Size)
			}
			total += n
			p := make([]byte, 16)
			mf.ReadAt(p, m.Size/2)
			return nil
		})
		if ctx.Err() != nil {
			t.Fatalf("%s: walk did not finish in time (%v)", format, err)
		}
		if total > opt.MaxExpanded+int64(len(data)) {
			t.Fatalf("%s: %d bytes expanded, limit %d", format, total, opt.MaxExpanded)
		}
	})
}

func formatIndex(f Format) byte {
	for i, g := range Formats {
		if g == f {
			return byte(i)
		}
	}
	return 0
}
