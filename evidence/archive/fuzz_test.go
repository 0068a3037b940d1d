package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
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

// FuzzSevenZipHeader feeds arbitrary bytes to the 7z header check that
// runs before the 7z library: no panic, memory bounded by the input (the
// header held in memory, counts bounded by its size), and every folder it
// lets through within the dictionary bound.
func FuzzSevenZipHeader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.7z")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	// Re-encoded headers: LZMA2, and LZMA with a huge claim.
	sample := readFixture(f, "sample.7z")
	hdr, _ := decoded7zHeader(f, sample)
	f.Add(with7zHeader(f, sample, hdr, &headerCoding{lzma2: true, claim: 16}))
	f.Add(with7zHeader(f, sample, hdr, &headerCoding{claim: 1<<32 - 1}))
	plain := readFixture(f, "plain-header.7z")
	hdr, p := decoded7zHeader(f, plain)
	hdr[p.propsAt[0]] = 40
	f.Add(with7zHeader(f, plain, hdr, nil))
	// zstd: the window is in the frames of the packed data.
	frames := append(zstdFrame([]byte{0x00, 64}, "hel"), zstdFrame([]byte{0x20, 2}, "lo")...)
	f.Add(build7z(frames, szMethodZstd, nil, 5, "z.txt"))
	const maxDict = 8 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{MaxDictionary: maxDict, MemoryLimit: 256 << 10}.withDefaults()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		plan, err := sevenZipCheck(bytes.NewReader(data), int64(len(data)), opt)
		runtime.ReadMemStats(&after)
		// The header (at most 1 MiB here) and the decoder of an encoded
		// header (dictionary capped at its output) and what is parsed
		// from it.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20+64*uint64(len(data)) {
			t.Fatalf("check allocated %d bytes for %d input bytes", alloc, len(data))
		}
		var le *LimitError
		if errors.As(err, &le) && (le.Limit != LimitDict || le.Max != maxDict) && le.Limit != LimitRatio {
			t.Fatalf("unexpected limit error %v", le)
		}
		if plan == nil {
			return
		}
		if err != nil {
			t.Fatalf("plan and error %v", err)
		}
		for i, m := range plan.folderMemory {
			if m < 0 || m > maxDict {
				t.Fatalf("folder %d needs %d bytes, let through", i, m)
			}
		}
	})
}
