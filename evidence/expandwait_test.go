package evidence

import (
	"context"
	"crypto/md5"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestExpandWaitKeepsImageOpen: the files of an E01 image, kept past the
// walk function and read concurrently from other goroutines while wait
// runs, read completely and the same as when read inside the walk
// function; wait is called exactly once.
func TestExpandWaitKeepsImageOpen(t *testing.T) {
	const image = "../testdata/e2e/disk.E01"
	f := openOSFile(t, image)
	c := Sniff(mustHead(t, f))
	if c.Name != "e01" {
		t.Fatalf("Sniff(%s) = %+v", image, c)
	}
	inline := map[string][16]byte{}
	var kept []Item
	waits, openInWait := 0, 0
	sums := map[string][16]byte{}
	var mu sync.Mutex
	err := ExpandWait(context.Background(), Item{Path: image}, f, c, DefaultLimits(), func(it Item) error {
		if it.Err != nil || it.Type != Regular || it.Open == nil {
			return nil
		}
		sum, err := md5Of(it)
		if err != nil {
			t.Errorf("%s inside the walk: %v", it.Path, err)
		}
		inline[it.Path] = sum
		kept = append(kept, it)
		return nil
	}, func() {
		waits++
		openInWait = openCount(t, image)
		var wg sync.WaitGroup
		for _, it := range kept {
			wg.Go(func() {
				sum, err := md5Of(it)
				if err != nil {
					t.Errorf("%s read in wait: %v", it.Path, err)
				}
				mu.Lock()
				sums[it.Path] = sum
				mu.Unlock()
			})
		}
		wg.Wait()
	})
	if err != nil {
		t.Fatal(err)
	}
	if waits != 1 {
		t.Errorf("wait called %d times, want 1", waits)
	}
	// The image's own descriptors (it opens its segments by name) are
	// still open during wait, and closed once ExpandWait returns; only
	// the test's descriptor remains. Checked where /proc lists them.
	if after := openCount(t, image); after >= 0 && (openInWait <= after || after != 1) {
		t.Errorf("descriptors of %s: %d during wait, %d after: want the image open during wait and closed after", image, openInWait, after)
	}
	if len(kept) < 5 {
		t.Fatalf("only %d files in %s", len(kept), image)
	}
	for p, want := range inline {
		if sums[p] != want {
			t.Errorf("%s: read in wait differs from the read inside the walk", p)
		}
	}
}

// TestExpandWaitCalledOnce: wait runs exactly once, before ExpandWait
// returns, whatever the container and whether the expansion is refused.
func TestExpandWaitCalledOnce(t *testing.T) {
	f := openOSFile(t, "../testdata/e2e/disk.E01")
	for _, c := range []struct {
		name  string
		c     Container
		depth int
	}{
		{"e01", Container{Name: "e01", Disk: true}, 0},
		{"e01 past the depth limit", Container{Name: "e01", Disk: true}, 8},
		{"volume that is not one", Container{Name: "fat", Disk: true}, 0},
		{"archive that is not one", Container{Name: "zip"}, 0},
		{"unknown format", Container{Name: "nonesuch"}, 0},
	} {
		waits := 0
		ExpandWait(context.Background(), Item{Path: "x", Depth: c.depth}, f, c.c, DefaultLimits(), func(Item) error { return nil }, func() { waits++ })
		if waits != 1 {
			t.Errorf("%s: wait called %d times, want 1", c.name, waits)
		}
	}
}

// openCount returns how many of this process's file descriptors refer to
// path, or -1 where /proc/self/fd is not available.
func openCount(t *testing.T, path string) int {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && target == abs {
			n++
		}
	}
	return n
}

func md5Of(it Item) ([16]byte, error) {
	var sum [16]byte
	r, err := it.Open()
	if err != nil {
		return sum, err
	}
	defer r.Close()
	h := md5.New()
	n, err := io.Copy(h, r)
	if err == nil && n != it.Size {
		err = io.ErrUnexpectedEOF
	}
	copy(sum[:], h.Sum(nil))
	return sum, err
}
