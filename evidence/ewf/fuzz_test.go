package ewf_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/hashtriage/hashtriage/evidence/ewf"
)

// exercise reads what a consumer would read from an image of unknown
// quality; it must neither panic nor run away.
func exercise(t *testing.T, im *ewf.Image) {
	if im.Size() < 0 || im.ChunkSize() <= 0 {
		t.Fatalf("Size %d, ChunkSize %d", im.Size(), im.ChunkSize())
	}
	_ = im.Header()
	_, _ = im.StoredHashes()
	_ = im.AcquisitionErrors()
	cs := int64(im.ChunkSize())
	chunks := (im.Size() + cs - 1) / cs
	buf := make([]byte, 4096)
	for k := int64(0); k < min(chunks, 64); k++ {
		off := k * cs
		if chunks > 64 { // spread the probes over a large medium
			off = (chunks / 64) * k * cs
		}
		n, err := im.ReadAt(buf, off)
		if n < len(buf) && err == nil {
			t.Fatalf("ReadAt(%d) = %d, nil: short read without error", off, n)
		}
		var ce *ewf.ChunkError
		if err != nil && err != io.EOF && !errors.As(err, &ce) {
			t.Fatalf("ReadAt(%d): error %v is not a *ChunkError", off, err)
		}
	}
	if chunks <= 4096 {
		if _, err := im.Verify(context.Background()); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
}

func fixture(f *testing.F, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzOpen opens arbitrary bytes as a single segment file.
func FuzzOpen(f *testing.F) {
	tiny := fixture(f, "tiny.E01")
	f.Add(tiny)
	f.Add(tiny[:len(tiny)/2])
	f.Add(fixture(f, "image.E01")[:8192])
	f.Add([]byte("EVF\x09\x0d\x0a\xff\x00\x01\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := openBytes(data)
		if err != nil {
			return
		}
		defer im.Close()
		exercise(t, im)
	})
}

var reference struct {
	once  sync.Once
	image []byte // media of image.E01
}

// FuzzReadAt changes one byte of a real fixture and reads a range: the
// result is either an error or exactly the original media bytes. Every
// structure that locates or holds media data is checksummed, so a changed
// byte must never come back as wrong data.
func FuzzReadAt(f *testing.F) {
	files := [][]byte{fixture(f, "tiny.E01"), fixture(f, "image.E01")}
	f.Add(uint8(0), uint32(0), uint8(0), int64(0), uint32(4096))
	f.Add(uint8(0), uint32(2000), uint8(1), int64(40000), uint32(70000))
	f.Add(uint8(1), uint32(40000), uint8(0x80), int64(32000), uint32(70000))
	f.Add(uint8(1), uint32(154000), uint8(4), int64(2000000), uint32(200000))
	f.Fuzz(func(t *testing.T, which uint8, pos uint32, xor uint8, off int64, length uint32) {
		base := files[int(which)%len(files)]
		var want []byte
		if int(which)%len(files) == 0 {
			want = make([]byte, 99328) // tiny.E01 holds zeros
		} else {
			reference.once.Do(func() {
				im, err := openBytes(files[1])
				if err != nil {
					panic(err)
				}
				reference.image = make([]byte, im.Size())
				if _, err := im.ReadAt(reference.image, 0); err != nil {
					panic(err)
				}
			})
			want = reference.image
		}
		b := bytes.Clone(base)
		b[int(pos)%len(b)] ^= xor
		im, err := openBytes(b)
		if err != nil {
			return
		}
		defer im.Close()
		if im.Size() != int64(len(want)) {
			t.Fatalf("Size = %d after changing byte %d, want %d", im.Size(), int(pos)%len(b), len(want))
		}
		length %= 1 << 20
		buf := make([]byte, length)
		n, err := im.ReadAt(buf, off)
		if off < 0 || off >= im.Size() {
			if n != 0 || err == nil {
				t.Fatalf("ReadAt(%d) outside the media = %d, %v", off, n, err)
			}
			return
		}
		end := min(off+int64(n), im.Size())
		if !bytes.Equal(buf[:end-off], want[off:end]) {
			t.Fatalf("byte %d changed by %#x: ReadAt(%d, %d) = %d, %v returned wrong data", int(pos)%len(b), xor, off, length, n, err)
		}
		if n < len(buf) && err == nil {
			t.Fatalf("short read without error")
		}
	})
}
