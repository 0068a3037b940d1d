//go:build linux

package scan_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashtriage/hashtriage/evidence"
	"github.com/hashtriage/hashtriage/hashset"
	"golang.org/x/sys/unix"
)

// snapshot records, for every entry under root, what a scan must not
// change: type, permissions, size, content, and modification, access and
// change times. Content is read with O_NOATIME so the snapshot itself does
// not disturb access times.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	var visit func(p string)
	visit = func(p string) {
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("mode=%o size=%d mtime=%d.%09d atime=%d.%09d ctime=%d.%09d nlink=%d",
			st.Mode, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Atim.Sec, st.Atim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, st.Nlink)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG, unix.S_IFDIR:
			fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOATIME, 0)
			if err != nil {
				t.Fatal(err)
			}
			f := os.NewFile(uintptr(fd), p)
			defer f.Close()
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				names, err := f.Readdirnames(-1)
				if err != nil {
					t.Fatal(err)
				}
				line += fmt.Sprintf(" entries=%d", len(names))
				for _, n := range names {
					visit(filepath.Join(p, n))
				}
				break
			}
			h := sha256.New()
			if _, err := io.Copy(h, f); err != nil {
				t.Fatal(err)
			}
			line += fmt.Sprintf(" sha256=%x", h.Sum(nil))
		}
		snap[p] = line
	}
	visit(root)
	return snap
}

// TestEvidenceUnchanged scans a tree and proves that nothing under it was
// created, changed or touched: same entries, bytes, sizes and times
// (access times included where O_NOATIME was granted, as it is for root
// and for the owner of the files).
func TestEvidenceUnchanged(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"a.txt": "alpha", "sub/b.bin": "bravo bytes", "sub/deeper/c": "charlie", "empty": ""}
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("a.txt", filepath.Join(root, "link"))
	syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644)
	// Access times older than modification times: under relatime, the
	// default, any plain read would now update them.
	old, mod := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if d.Type()&fs.ModeSymlink == 0 {
			os.Chtimes(p, old, mod)
		}
		return nil
	})
	before := snapshot(t, root)

	src, err := evidence.Open(root, evidence.OpenOptions{NoNoAtime: os.Getenv("HT_TEST_NONOATIME") != ""})
	if err != nil {
		t.Fatal(err)
	}
	m := newFakeMatcher(hashset.MD5, hashset.SHA1, hashset.SHA256)
	m.add("cases", hashset.Alert, hashset.MD5, []byte("alpha"), "1")
	rs, s := runAll(t, scanConfig(m, src))
	if s.Matched != 1 || s.Unmatched != 3 || s.Skipped != 2 || s.Errors != 0 {
		t.Fatalf("summary %+v results %+v", s, rs)
	}
	if os.Geteuid() == 0 && (s.NoAtime != 4 || s.WithAtime != 0) {
		t.Errorf("opened %d files with O_NOATIME and %d without; root should get it for all 4", s.NoAtime, s.WithAtime)
	}
	after := snapshot(t, root)
	if len(before) != len(after) {
		t.Errorf("%d entries before the scan, %d after", len(before), len(after))
	}
	for p, b := range before {
		if a := after[p]; a != b {
			if s.WithAtime > 0 {
				t.Logf("%s changed (some files were opened without O_NOATIME):\n before %s\n after  %s", p, b, a)
				continue
			}
			t.Errorf("%s changed by the scan:\n before %s\n after  %s", p, b, a)
		}
	}

	// Control: a plain read does update the access time on this file
	// system; otherwise the check above proved less than it says.
	ctl := filepath.Join(t.TempDir(), "control")
	os.WriteFile(ctl, []byte("x"), 0o644)
	os.Chtimes(ctl, old, mod)
	os.ReadFile(ctl)
	var st unix.Stat_t
	unix.Stat(ctl, &st)
	if st.Atim.Sec == old.Unix() {
		t.Logf("this file system does not update access times on read (noatime mount): the atime part of the check is vacuous here")
	}
}

func scanConfig(m *fakeMatcher, src evidence.Source) scanConfigT {
	return scanConfigT{Matcher: m, Sources: []evidence.Source{src}, Jobs: 2}
}

var _ = context.Background
