package ewf

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// chunkwise reads the whole media in pieces that never cover a chunk
// whole, so every byte comes through the chunk cache (Image.chunk) and
// not through readStored: the reference for the direct path.
func chunkwise(t *testing.T, im *Image) []byte {
	t.Helper()
	out := make([]byte, im.Size())
	step := im.chunkSize - 1
	for off := int64(0); off < im.Size(); off += step {
		end := min(off+step, im.Size())
		if n, err := im.ReadAt(out[off:end], off); n != int(end-off) {
			t.Fatalf("ReadAt(%d, %d) = %d, %v", off, end-off, n, err)
		}
	}
	return out
}

// openVia opens the image of the segment files paths either as files (so
// readStored uses preadv where the system has it) or as in-memory readers
// (so it uses one ReadAt and a copy).
func openVia(t *testing.T, files bool, paths ...string) *Image {
	t.Helper()
	if files {
		im, err := Open(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { im.Close() })
		if len(im.segs) != len(paths) {
			t.Fatalf("%s: %d segments, want %d", paths[0], len(im.segs), len(paths))
		}
		if havePreadv && im.segs[0].raw == nil {
			t.Fatalf("%s: segment opened without its raw file", paths[0])
		}
		return im
	}
	var rs []io.ReaderAt
	var sizes []int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, bytes.NewReader(b))
		sizes = append(sizes, int64(len(b)))
	}
	im, err := OpenSegments(rs, sizes, paths)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	return im
}

func rawMD5(t *testing.T) string {
	b, err := os.ReadFile("testdata/raw.sums")
	if err != nil {
		t.Fatal(err)
	}
	md5, _, _ := strings.Cut(strings.TrimPrefix(string(b), "md5 "), "\n")
	return md5
}

// TestStoredDirectReads reads uncompressed chunks whole (readStored) and
// in part (the cache), alone and mixed with zlib chunks, from files and
// from memory, and checks every byte against reads through the cache.
func TestStoredDirectReads(t *testing.T) {
	images := map[string][]string{
		// no compression, 1 MiB segments: runs of stored chunks end at
		// segment boundaries
		"split": {"testdata/split.E01", "testdata/split.E02", "testdata/split.E03"},
		// stored chunks (random data) between zlib chunks (text, zeros)
		"image": {"testdata/image.E01"},
	}
	for name, paths := range images {
		for _, files := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/files=%v", name, files), func(t *testing.T) {
				want := chunkwise(t, openVia(t, files, paths...))
				if got := fmt.Sprintf("%x", md5.Sum(want)); got != rawMD5(t) {
					t.Fatalf("MD5 of the media read through the cache %s, raw.sums says %s", got, rawMD5(t))
				}
				im := openVia(t, files, paths...)
				cs := int(im.chunkSize)
				size := int(im.Size())
				type read struct{ off, n int }
				reads := []read{
					{0, size},                   // everything at once
					{0, cs},                     // one whole chunk
					{0, 4 * cs},                 // whole chunks
					{cs, 2*cs + 1},              // whole chunks, then one byte of the next
					{cs - 1, 2*cs + 2},          // partial first and last chunk
					{100, cs - 200},             // inside one chunk
					{size - cs - 700, cs + 700}, // up to the end of the media
					{size - 100, 1000},          // past it
					{1<<20 - cs, 2 * cs},        // across the first segment boundary (split)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				for range 200 {
					off := rng.IntN(size)
					if rng.IntN(2) == 0 {
						off -= off % cs
					}
					reads = append(reads, read{off, rng.IntN(10*cs) + 1})
				}
				for _, r := range reads {
					buf := make([]byte, r.n)
					n, err := im.ReadAt(buf, int64(r.off))
					wantN := min(r.n, size-r.off)
					if n != wantN || (n < r.n) != (err == io.EOF) || (n == r.n && err != nil) {
						t.Fatalf("ReadAt(%d, %d) = %d, %v; want %d bytes", r.off, r.n, n, err, wantN)
					}
					if !bytes.Equal(buf[:n], want[r.off:r.off+n]) {
						t.Fatalf("ReadAt(%d, %d) returned wrong bytes", r.off, r.n)
					}
				}
			})
		}
	}
}

// TestReadStoredRuns checks that whole stored chunks really are read
// directly, in runs that end where the stored chunks stop following each
// other in one segment file.
func TestReadStoredRuns(t *testing.T) {
	for _, files := range []bool{true, false} {
		im := openVia(t, files, "testdata/split.E01", "testdata/split.E02", "testdata/split.E03")
		cs := im.chunkSize
		perSeg := int64(0) // chunks in the first segment
		for i := int64(0); i < im.nchunks; i++ {
			if l, _ := im.locate(i); l.seg == 0 {
				perSeg++
			}
		}
		if perSeg == 0 || perSeg >= im.nchunks {
			t.Fatalf("split.E01 holds %d of %d chunks; want a set of several segments", perSeg, im.nchunks)
		}
		buf := make([]byte, im.Size())
		k, n := im.readStored(0, im.nchunks-1, buf)
		if k != perSeg || int64(n) != perSeg*cs {
			t.Errorf("files=%v: readStored from chunk 0 = %d chunks, %d bytes; want the %d chunks of the first segment", files, k, n, perSeg)
		}
		k, _ = im.readStored(0, 2, buf)
		if k != 3 {
			t.Errorf("files=%v: readStored(0, 2) = %d chunks, want 3", files, k)
		}
		if k, _ := im.readStored(0, 5, buf[:3*cs-1]); k != 2 {
			t.Errorf("files=%v: readStored into room for 2.99 chunks = %d chunks, want 2", files, k)
		}
		if k, _ := im.readStored(0, 5, buf[:cs-1]); k != 0 {
			t.Errorf("files=%v: readStored into less than a chunk = %d chunks, want 0", files, k)
		}
	}
	// image.E01: zlib chunks are never read directly.
	im := openVia(t, true, "testdata/image.E01")
	for i := int64(0); i < im.nchunks; i++ {
		l, _ := im.locate(i)
		k, _ := im.readStored(i, i, make([]byte, im.chunkSize))
		if l.compressed && k != 0 {
			t.Errorf("zlib chunk %d read as stored", i)
		}
		if _, n := im.chunkRange(i); !l.compressed && int64(l.stored) == n+4 && k != 1 {
			t.Errorf("stored chunk %d not read directly", i)
		}
	}
}

// TestStoredCorruptInRun damages one stored chunk (its data, or its
// Adler-32) in the middle of a run: a read across it must return exactly
// the bytes before it and the same ChunkError as reading that chunk alone.
func TestStoredCorruptInRun(t *testing.T) {
	seg1, err := os.ReadFile("testdata/split.E01")
	if err != nil {
		t.Fatal(err)
	}
	rest := []string{"testdata/split.E02", "testdata/split.E03"}
	good := openVia(t, false, append([]string{"testdata/split.E01"}, rest...)...)
	want := chunkwise(t, good)
	cs := good.chunkSize
	const bad = 5
	loc, _ := good.locate(bad)
	if loc.compressed || loc.seg != 0 {
		t.Fatalf("chunk %d of split.E01 is not stored in the first segment", bad)
	}
	for _, what := range []struct {
		name string
		pos  int64 // byte of the stored chunk to change
	}{
		{"data", loc.off + 1234},
		{"adler", loc.off + int64(loc.stored) - 2},
	} {
		for _, files := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/files=%v", what.name, files), func(t *testing.T) {
				dir := t.TempDir()
				b := bytes.Clone(seg1)
				b[what.pos] ^= 0x40
				paths := []string{dir + "/split.E01", dir + "/split.E02", dir + "/split.E03"}
				if err := os.WriteFile(paths[0], b, 0o644); err != nil {
					t.Fatal(err)
				}
				for k, p := range rest {
					c, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(paths[k+1], c, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				// The error of the chunk alone, through the cache.
				alone := openVia(t, files, paths...)
				_, aloneErr := alone.ReadAt(make([]byte, 100), bad*cs+10)
				var ce *ChunkError
				if !errors.As(aloneErr, &ce) || !errors.Is(aloneErr, ErrChecksum) || ce.Offset != bad*cs || ce.Length != cs || ce.Stored != loc.off {
					t.Fatalf("reading into chunk %d alone: %v; want its checksum ChunkError", bad, aloneErr)
				}
				for _, start := range []int64{0, cs, 777, 2*cs + 5, bad * cs} {
					im := openVia(t, files, paths...)
					buf := make([]byte, 10*cs)
					n, err := im.ReadAt(buf, start)
					if int64(n) != bad*cs-start {
						t.Errorf("ReadAt(%d) across bad chunk %d = %d bytes, want %d", start, bad, n, bad*cs-start)
					}
					if !bytes.Equal(buf[:n], want[start:start+int64(n)]) {
						t.Errorf("ReadAt(%d): bytes before the bad chunk differ", start)
					}
					if err == nil || err.Error() != aloneErr.Error() {
						t.Errorf("ReadAt(%d) error %v; want %v", start, err, aloneErr)
					}
					// After the bad chunk, reading goes on as before.
					n, err = im.ReadAt(buf, (bad+1)*cs)
					if err != nil || !bytes.Equal(buf[:n], want[(bad+1)*cs:(bad+1)*cs+int64(n)]) {
						t.Errorf("ReadAt after the bad chunk = %d, %v or wrong bytes", n, err)
					}
				}
			})
		}
	}
}

// TestCorruptFixtureStored reads corrupt.E01, whose broken stored chunk 1
// follows an intact stored chunk 0, in one read of both.
func TestCorruptFixtureStored(t *testing.T) {
	im := openVia(t, true, "testdata/corrupt.E01")
	cs := im.chunkSize
	if l, _ := im.locate(1); l.compressed {
		t.Fatal("chunk 1 of corrupt.E01 is not stored uncompressed")
	}
	ref := openVia(t, true, "testdata/image.E01")
	want := make([]byte, cs)
	if _, err := ref.ReadAt(want, 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4*cs)
	n, err := im.ReadAt(buf, 0)
	var ce *ChunkError
	if int64(n) != cs || !errors.As(err, &ce) || ce.Chunk != 1 || ce.Offset != cs || ce.Length != cs || !errors.Is(err, ErrChecksum) {
		t.Fatalf("ReadAt(0, 4 chunks) = %d, %v; want chunk 0 and a checksum ChunkError for chunk 1", n, err)
	}
	if !bytes.Equal(buf[:n], want) {
		t.Error("chunk 0 read wrong")
	}
	if !strings.Contains(err.Error(), "media bytes 32768-65535") {
		t.Errorf("error %q does not name media bytes 32768-65535", err)
	}
}
