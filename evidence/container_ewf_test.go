package evidence

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/internal/fixture"
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
		if it.Image != nil {
			return nil // the image's own description, not one of its files (TestExpandEWFVerify)
		}
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
	const gz = "volume/testdata/mbr.img.gz"
	if _, err := os.Stat(gz); err != nil {
		t.Skip("volume fixture missing:", err)
	}
	fixture.GunzipTo(t, gz, raw)
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

// TestExpandEWFVerify: with Limits.VerifyImages, expanding an E01 image
// reports its stored and recomputed media hashes and acquisition header
// in an image item, and the corrupted fixture yields one error item for
// each broken range that ewfverify found, and no other; without it, the
// image item still carries the header but no verification.
func TestExpandEWFVerify(t *testing.T) {
	sums := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(readTestFile(t, "ewf/testdata/raw.sums")), "\n") {
		f := strings.Fields(l)
		sums[f[0]] = f[1]
	}
	var wantBad []ByteRange
	for _, m := range regexp.MustCompile(`at sector\(s\): (\d+) - (\d+)`).FindAllStringSubmatch(readTestFile(t, "ewf/testdata/corrupt.ewfverify.txt"), -1) {
		a, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := strconv.ParseInt(m[2], 10, 64)
		wantBad = append(wantBad, ByteRange{Offset: a * 512, Length: (b - a + 1) * 512})
	}
	if len(wantBad) != 2 {
		t.Fatalf("corrupt.ewfverify.txt lists %d ranges, want 2", len(wantBad))
	}
	expand := func(t *testing.T, name string, verify bool) (info *ImageInfo, checkErrs []string) {
		t.Helper()
		p := filepath.Join("ewf", "testdata", name)
		f := openOSFile(t, p)
		lim := DefaultLimits()
		lim.VerifyImages = verify
		parent := Item{Path: p, Size: f.Size(), Type: Regular}
		err := Expand(context.Background(), parent, f, Sniff(mustHead(t, f)), lim, func(it Item) error {
			if it.Image != nil {
				if info != nil {
					t.Errorf("second image item for %s", it.Path)
				}
				info = it.Image
			}
			if it.Err != nil && it.Path == p && strings.Contains(it.Err.Error(), "failed the image check") {
				checkErrs = append(checkErrs, it.Err.Error())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if info == nil {
			t.Fatalf("%s: no image item", name)
		}
		return info, checkErrs
	}

	t.Run("intact", func(t *testing.T) {
		info, errs := expand(t, "image.E01", true)
		if info.Verification != "verified" || info.ComputedMD5 != sums["md5"] || info.ComputedSHA1 != sums["sha1"] ||
			info.StoredMD5 != sums["md5"] || len(info.BadRanges) != 0 || len(errs) != 0 {
			t.Errorf("image info %+v, check errors %q; want verified with md5 %s sha1 %s", info, errs, sums["md5"], sums["sha1"])
		}
		if info.Format != "e01" || info.Size != 2098688 {
			t.Errorf("format %q size %d", info.Format, info.Size)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		info, errs := expand(t, "corrupt.E01", true)
		if info.Verification != "mismatch" || info.ComputedMD5 != "" || info.StoredMD5 != sums["md5"] {
			t.Errorf("image info %+v; want mismatch, stored md5 %s, nothing computed", info, sums["md5"])
		}
		if !reflect.DeepEqual(info.BadRanges, wantBad) {
			t.Errorf("bad ranges %v, ewfverify found %v", info.BadRanges, wantBad)
		}
		if len(errs) != len(wantBad) {
			t.Fatalf("%d check errors, want %d: %q", len(errs), len(wantBad), errs)
		}
		for i, r := range wantBad {
			if want := fmt.Sprintf("media bytes %d-%d ", r.Offset, r.Offset+r.Length-1); !strings.Contains(errs[i], want) {
				t.Errorf("check error %q does not name %s", errs[i], want)
			}
		}
	})
	t.Run("not asked", func(t *testing.T) {
		info, errs := expand(t, "corrupt.E01", false)
		if info.Verification != "" || len(info.BadRanges) != 0 || len(errs) != 0 || info.StoredMD5 != sums["md5"] {
			t.Errorf("without VerifyImages: info %+v, check errors %q", info, errs)
		}
	})
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustHead(t *testing.T, f File) []byte {
	t.Helper()
	head := make([]byte, min(int64(SniffSize), f.Size()))
	if _, err := f.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	return head
}
