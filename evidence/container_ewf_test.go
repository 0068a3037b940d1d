package evidence

import (
	"compress/gzip"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// osFile adapts a host file to File for the tests.
type osFile struct {
	*os.File
	size int64
}

func (f osFile) Size() int64 { return f.size }

func openOSFile(t *testing.T, p string) osFile {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return osFile{f, st.Size()}
}

// walkSummary lists the items below parent as "inner path size md5|error".
func walkSummary(t *testing.T, parentPath string, walk func(WalkFunc) error) (lines []string, errs []error) {
	t.Helper()
	err := walk(func(it Item) error {
		inner := strings.TrimPrefix(it.Path, parentPath)
		if it.Err != nil {
			errs = append(errs, it.Err)
			return nil
		}
		sum := "-"
		if it.Open != nil {
			f, err := it.Open()
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			h := md5.New()
			_, err = io.Copy(h, io.NewSectionReader(f, 0, f.Size()))
			f.Close()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", it.Path, err))
				return nil
			}
			sum = fmt.Sprintf("%x", h.Sum(nil))
		}
		lines = append(lines, fmt.Sprintf("%s %d %s deleted=%v inode=%d", inner, it.Size, sum, it.Meta.Deleted, it.Meta.Inode))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines, errs
}

// TestExpandEWF wraps the volume fixture disk into E01 images with
// ewfacquire and checks that Expand lists the same files with the same
// content as the raw disk, and that a damaged chunk surfaces as errors
// naming media byte ranges, never as different content.
func TestExpandEWF(t *testing.T) {
	if _, err := exec.LookPath("ewfacquire"); err != nil {
		t.Skip("ewfacquire not installed (Debian package ewf-tools)")
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "disk.raw")
	gz, err := os.Open("volume/testdata/mbr.img.gz")
	if err != nil {
		t.Skip("volume fixture missing:", err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	out.Close()
	acquire := func(name string, args ...string) string {
		target := filepath.Join(dir, name)
		cmd := exec.Command("ewfacquire", append(append([]string{"-u", "-q", "-f", "encase6", "-t", target}, args...), raw)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ewfacquire: %v\n%s", err, b)
		}
		return target + ".E01"
	}
	single := acquire("single", "-c", "deflate:fast")
	split := acquire("split", "-c", "none", "-S", "1048576")
	if _, err := os.Stat(filepath.Join(dir, "split.E03")); err != nil {
		t.Fatal("expected a split image:", err)
	}

	rf := openOSFile(t, raw)
	want, wantErrs := walkSummary(t, raw, func(fn WalkFunc) error {
		_, err := WalkDisk(context.Background(), Item{Path: raw}, rf, rf.Size(), fn)
		return err
	})
	if len(want) < 3 {
		t.Fatalf("raw disk lists only %d items", len(want))
	}
	for _, e01 := range []string{single, split} {
		head := make([]byte, SniffSize)
		f := openOSFile(t, e01)
		n, _ := f.ReadAt(head, 0)
		c := Sniff(head[:n])
		if c.Name != "e01" || !c.Disk {
			t.Fatalf("Sniff(%s) = %+v", e01, c)
		}
		got, gotErrs := walkSummary(t, e01, func(fn WalkFunc) error {
			return Expand(context.Background(), Item{Path: e01}, f, c, DefaultLimits(), fn)
		})
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(gotErrs) != len(wantErrs) {
			t.Errorf("%s lists\n%s\nerrors %v\nraw disk lists\n%s\nerrors %v", e01, strings.Join(got, "\n"), gotErrs, strings.Join(want, "\n"), wantErrs)
		}
	}

	// A later segment next to its first one yields nothing; alone, an error.
	for _, c := range []struct {
		path    string
		wantErr bool
	}{{filepath.Join(dir, "split.E02"), false}} {
		var items []Item
		f := openOSFile(t, c.path)
		if err := Expand(context.Background(), Item{Path: c.path}, f, Container{Name: "e01", Disk: true}, DefaultLimits(), func(it Item) error {
			items = append(items, it)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(items) != 0 {
			t.Errorf("%s: Expand gave %d items, want none (covered by split.E01)", c.path, len(items))
		}
	}
	lone := filepath.Join(t.TempDir(), "lone.E02")
	if b, err := os.ReadFile(filepath.Join(dir, "split.E02")); err != nil || os.WriteFile(lone, b, 0o644) != nil {
		t.Fatal("copying a segment failed")
	}
	var loneItems []Item
	lf := openOSFile(t, lone)
	if err := Expand(context.Background(), Item{Path: lone}, lf, Container{Name: "e01", Disk: true}, DefaultLimits(), func(it Item) error {
		loneItems = append(loneItems, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(loneItems) != 1 || loneItems[0].Err == nil {
		t.Errorf("lone segment: items %+v, want one error item", loneItems)
	}

	// Damage the compressed image in several places.
	b, err := os.ReadFile(single)
	if err != nil {
		t.Fatal(err)
	}
	for off := len(b) / 5; off < len(b)*4/5; off += len(b) / 7 {
		copy(b[off:], "\xde\xad\xbe\xef")
	}
	bad := filepath.Join(dir, "bad.E01")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f := openOSFile(t, bad)
	got, gotErrs := walkSummary(t, bad, func(fn WalkFunc) error {
		return Expand(context.Background(), Item{Path: bad}, f, Container{Name: "e01", Disk: true}, DefaultLimits(), fn)
	})
	wantSet := map[string]bool{}
	for _, l := range want {
		wantSet[l] = true
	}
	for _, l := range got {
		if !wantSet[l] {
			t.Errorf("damaged image yields an item the raw disk does not have: %s", l)
		}
	}
	t.Logf("damaged image: %d of %d items intact; errors: %v", len(got), len(want), gotErrs)
	mentioned := false
	for _, e := range gotErrs {
		mentioned = mentioned || strings.Contains(e.Error(), "media bytes")
	}
	if !mentioned {
		t.Errorf("no error names a damaged media range; errors: %v", gotErrs)
	}
}
