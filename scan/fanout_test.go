package scan_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/internal/fixture"
	"github.com/hashtriage/hashtriage/scan"
)

// volumeFixture returns the ext4 test volume of evidence/volume and the
// MD5 of each file in it, by inner path.
func volumeFixture(t *testing.T) ([]byte, map[string]string) {
	t.Helper()
	const dir = "../evidence/volume/testdata/"
	img := fixture.Gunzip(t, dir+"ext4.img.gz")
	list, err := os.Open(dir + "files.md5")
	if err != nil {
		t.Fatal(err)
	}
	defer list.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if ok {
			sums[name] = sum
		}
	}
	return img, sums
}

// trackedImage is a disk image in memory whose ReadAt records the most
// calls in flight at once: each call lingers briefly, so that reads by
// several workers overlap.
type trackedImage struct {
	*bytes.Reader
	inFlight, most atomic.Int32
}

func (t *trackedImage) ReadAt(p []byte, off int64) (int, error) {
	n := t.inFlight.Add(1)
	defer t.inFlight.Add(-1)
	for {
		m := t.most.Load()
		if n <= m || t.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(200 * time.Microsecond)
	return t.Reader.ReadAt(p, off)
}
func (t *trackedImage) Size() int64  { return t.Reader.Size() }
func (t *trackedImage) Close() error { return nil }

// TestDiskChildrenUseThePool checks that the files of a volume are read by
// several workers at once (a disk image is random access: its files need
// not be hashed one after the other by the worker that walks it), and that
// each is still hashed right.
func TestDiskChildrenUseThePool(t *testing.T) {
	img, sums := volumeFixture(t)
	var tracked *trackedImage
	root := evidence.Item{Path: "vol.img", Size: int64(len(img)), Type: evidence.Regular,
		Open: func() (evidence.File, error) {
			tracked = &trackedImage{Reader: bytes.NewReader(img)}
			return tracked, nil
		}}
	got := map[string]string{}
	_, err := scan.Run(context.Background(), scan.Config{
		Sources:    []evidence.Source{memSource{root}},
		Algorithms: []hashset.Algorithm{hashset.MD5},
		Jobs:       4,
		MD5Lanes:   -1,
		OnResult: func(r scan.Result) error {
			if r.Err != nil {
				t.Errorf("%s: %v", r.Item.Path, r.Err)
			}
			for _, d := range r.Digests {
				got[r.Item.Path] = hex.EncodeToString(d.Sum)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"big.bin", "docs/readme.txt", "docs/nested/deep/notes.txt", "pics/photo.jpg", "Long File Name With Spaces.txt"} {
		want := sums[name]
		if g := got["vol.img!"+name]; g != want {
			t.Errorf("vol.img!%s: MD5 %q, want %s", name, g, want)
		}
	}
	if m := tracked.most.Load(); m < 2 {
		t.Errorf("at most %d read of the volume in flight at once; want its files read by several workers", m)
	}
}

// TestNestedContainersNoDeadlock scans random-access containers nested in
// one another (volumes inside a ZIP inside a ZIP) with one worker and with
// several: a worker that waits for the children it queued must never wait
// forever, and every file must be found at its full locator.
func TestNestedContainersNoDeadlock(t *testing.T) {
	img, sums := volumeFixture(t)
	inner := fixture.Zip(t, "a.img", string(img), "note.txt", "inner note")
	outer := fixture.Zip(t, "inner.zip", string(inner), "b.img", string(img))
	want := map[string]string{}
	for name, sum := range sums {
		if name == "big.bin" || name == "pics/photo.jpg" {
			want["outer.zip!inner.zip!a.img!"+name] = sum
			want["outer.zip!b.img!"+name] = sum
		}
	}
	for _, jobs := range []int{1, 2, 8} {
		got := map[string]string{}
		var mu sync.Mutex
		done := make(chan error, 1)
		go func() {
			_, err := scan.Run(context.Background(), scan.Config{
				Sources:    []evidence.Source{memSource{regular("outer.zip", outer)}},
				Algorithms: []hashset.Algorithm{hashset.MD5},
				Jobs:       jobs,
				OnResult: func(r scan.Result) error {
					mu.Lock()
					defer mu.Unlock()
					if r.Err != nil {
						t.Errorf("jobs %d: %s: %v", jobs, r.Item.Path, r.Err)
					}
					for _, d := range r.Digests {
						got[r.Item.Path] = hex.EncodeToString(d.Sum)
					}
					return nil
				},
			})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("jobs %d: %v", jobs, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("jobs %d: scan of nested containers did not finish within 60 s (deadlock?)", jobs)
		}
		mu.Lock()
		defer mu.Unlock()
		for loc, sum := range want {
			if got[loc] != sum {
				t.Errorf("jobs %d: %s: MD5 %q, want %s", jobs, loc, got[loc], sum)
			}
		}
		if got["outer.zip!inner.zip!note.txt"] == "" {
			t.Errorf("jobs %d: outer.zip!inner.zip!note.txt not hashed", jobs)
		}
	}
}
