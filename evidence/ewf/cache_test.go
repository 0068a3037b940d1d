package ewf

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestSmallCacheConcurrent reads with a cache much smaller than the image
// from several goroutines, so that entries are evicted and their buffers
// reused while others read: the content must stay right (run with -race).
func TestSmallCacheConcurrent(t *testing.T) {
	for _, name := range []string{"testdata/image.E01", "testdata/split.E01"} {
		im, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, im.Size())
		if _, err := im.ReadAt(want, 0); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", md5.Sum(want)); got != fmt.Sprintf("%x", im.md5) {
			t.Fatalf("%s: MD5 %s, stored %x", name, got, im.md5)
		}
		im.Close()

		im, err = Open(name)
		if err != nil {
			t.Fatal(err)
		}
		im.cache = newChunkCache(3, im.recycleBuf)
		im.readAhead = 2
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 11))
				buf := make([]byte, 50000)
				for i := range 300 {
					off := rng.Int64N(im.Size())
					if g%2 == 0 {
						off = int64(i) * 7000 % im.Size()
					}
					n, err := im.ReadAt(buf[:rng.IntN(len(buf))+1], off)
					if err != nil && err != io.EOF {
						errs <- err
						return
					}
					if !bytes.Equal(buf[:n], want[off:off+int64(n)]) {
						errs <- fmt.Errorf("%s: content at %d differs", name, off)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		im.Close()
	}
}

// TestZeroChunks reads an all-zero medium: after the first zero chunk is
// inflated and checked, identical stored chunks are recognised without
// inflating them again, and the result still verifies.
func TestZeroChunks(t *testing.T) {
	im, err := Open("testdata/tiny.E01")
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	buf := make([]byte, im.Size())
	if n, err := im.ReadAt(buf, 0); err != nil || int64(n) != im.Size() {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if !allZero(buf) {
		t.Error("tiny.E01 media is not all zeros")
	}
	if len(im.zeroStored) != 1 {
		t.Errorf("%d stored zero-chunk forms remembered, want 1", len(im.zeroStored))
	}
	res, err := im.Verify(context.Background())
	if err != nil || res.Status != Verified {
		t.Errorf("Verify = %v, %v", res.Status, err)
	}
}
