package evidence

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// collect walks src and returns its items.
func collect(t *testing.T, src Source) []Item {
	t.Helper()
	var items []Item
	if err := src.Walk(context.Background(), func(it Item) error { items = append(items, it); return nil }); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return items
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWalkOrderTypesAndContent(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "b.txt"), "bee")
	write(t, filepath.Join(root, "a", "z.txt"), "zed")
	write(t, filepath.Join(root, "a", "y", "x.txt"), "ex")
	write(t, filepath.Join(root, "C.txt"), "")
	bad := "bad\xff\xfename"
	write(t, filepath.Join(root, bad), "not utf-8")
	if err := os.Symlink("b.txt", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	hasFIFO := runtime.GOOS != "windows"
	if hasFIFO {
		if err := mkfifo(filepath.Join(root, "pipe")); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open(root, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		rel     string
		typ     Type
		content string
	}
	wants := []want{
		{"C.txt", Regular, ""},
		{"a/y/x.txt", Regular, "ex"},
		{"a/z.txt", Regular, "zed"},
		{"b.txt", Regular, "bee"},
		{bad, Regular, "not utf-8"},
		{"link", Symlink, ""},
		{"linkdir", Symlink, ""},
	}
	if hasFIFO {
		wants = append(wants, want{"pipe", FIFO, ""})
	}
	items := collect(t, src)
	if len(items) != len(wants) {
		t.Fatalf("got %d items %v, want %d", len(items), items, len(wants))
	}
	for i, w := range wants {
		it := items[i]
		if it.Path != filepath.Join(root, w.rel) || it.Type != w.typ || it.Err != nil {
			t.Errorf("item %d = %q %v err=%v, want %q %v", i, it.Path, it.Type, it.Err, w.rel, w.typ)
			continue
		}
		if w.typ != Regular {
			if it.Open != nil {
				t.Errorf("%s: %v item has Open; it must never be opened", w.rel, w.typ)
			}
			continue
		}
		if it.Size != int64(len(w.content)) {
			t.Errorf("%s: size %d, want %d", w.rel, it.Size, len(w.content))
		}
		if it.Meta.Modified.IsZero() {
			t.Errorf("%s: no modification time", w.rel)
		}
		f, err := it.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != w.content {
			t.Errorf("%s: read %q, %v; want %q", w.rel, b, err, w.content)
		}
		if runtime.GOOS == "linux" && os.Geteuid() == 0 {
			if !f.(NoAtimer).NoAtime() {
				t.Errorf("%s: root was not granted O_NOATIME", w.rel)
			}
		}
	}
}

func TestNoNoAtimeOption(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "f"), "x")
	src, _ := Open(root, OpenOptions{NoNoAtime: true})
	it := collect(t, src)[0]
	f, err := it.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.(NoAtimer).NoAtime() {
		t.Error("NoNoAtime set, but the file says it was opened with O_NOATIME")
	}
}

func TestOpenFallsBackWithoutNoAtime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("O_NOATIME is Linux only")
	}
	// The fallback itself: EPERM on O_NOATIME must lead to a plain open.
	root := t.TempDir()
	write(t, filepath.Join(root, "f"), "data")
	var calls []bool
	opts := OpenOptions{openFile: func(p string, noatime bool) (handle, bool, error) {
		calls = append(calls, noatime)
		f, err := os.Open(p)
		return osHandle{f}, false, err // as the kernel does for a file the caller does not own
	}}
	src, _ := Open(root, opts)
	f, err := collect(t, src)[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.(NoAtimer).NoAtime() || len(calls) != 1 || !calls[0] {
		t.Errorf("calls %v, NoAtime %v", calls, f.(NoAtimer).NoAtime())
	}
}

func TestInjectedFailures(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "ok"), "fine")
	write(t, filepath.Join(root, "secret", "inside"), "hidden")
	write(t, filepath.Join(root, "unreadable"), "locked")
	denied := errors.New("permission denied (injected)")
	opts := OpenOptions{
		openFile: func(p string, noatime bool) (handle, bool, error) {
			if strings.HasSuffix(p, "unreadable") {
				return nil, false, &os.PathError{Op: "open", Path: p, Err: denied}
			}
			return openFile(p, noatime)
		},
		openDir: func(p string, noatime bool) (*os.File, error) {
			if strings.HasSuffix(p, "secret") {
				return nil, &os.PathError{Op: "open", Path: p, Err: denied}
			}
			return openDir(p, noatime)
		},
	}
	src, _ := Open(root, opts)
	items := collect(t, src)
	if len(items) != 3 {
		t.Fatalf("items %v", items)
	}
	if items[0].Path != filepath.Join(root, "ok") || items[0].Err != nil {
		t.Errorf("item 0: %+v", items[0])
	}
	if items[1].Path != filepath.Join(root, "secret") || !errors.Is(items[1].Err, denied) {
		t.Errorf("unreadable directory: %+v", items[1])
	}
	if _, err := items[2].Open(); !errors.Is(err, denied) {
		t.Errorf("unreadable file opened: %v", err)
	}
}

func TestVanishedWhileWalked(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a"), "1")
	write(t, filepath.Join(root, "b"), "2")
	write(t, filepath.Join(root, "c"), "3")
	src, _ := Open(root, OpenOptions{})
	var items []Item
	err := src.Walk(context.Background(), func(it Item) error {
		items = append(items, it)
		if strings.HasSuffix(it.Path, "a") {
			os.Remove(filepath.Join(root, "b"))
			os.Remove(filepath.Join(root, "c"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// b and c were listed, then vanished: each is an item with Err, or
	// (when the walk inspected them while listing) fails to open.
	if len(items) != 3 {
		t.Fatalf("items %+v", items)
	}
	for _, it := range items[1:] {
		if it.Err != nil {
			continue
		}
		if f, err := it.Open(); err == nil {
			f.Close()
			t.Errorf("%s vanished, yet opened", it.Path)
		}
	}
	// A file that vanishes after it was listed fails on Open.
	write(t, filepath.Join(root, "d"), "4")
	items = collect(t, src)
	os.Remove(filepath.Join(root, "d"))
	if _, err := items[len(items)-1].Open(); err == nil {
		t.Error("opened a vanished file")
	}
}

func TestFileReplacedByFIFOIsNotRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	root := t.TempDir()
	p := filepath.Join(root, "f")
	write(t, p, "x")
	src, _ := Open(root, OpenOptions{})
	it := collect(t, src)[0]
	os.Remove(p)
	if err := mkfifo(p); err != nil {
		t.Fatal(err)
	}
	if f, err := it.Open(); err == nil { // must not block, must not succeed
		f.Close()
		t.Fatal("opened a FIFO that replaced a listed file")
	}
}

func TestDeepTree(t *testing.T) {
	root := t.TempDir()
	p := root
	const depth = 1000 // "d/" a level: 2,000 bytes, under PATH_MAX
	for i := 0; i < depth; i++ {
		p = filepath.Join(p, "d")
	}
	write(t, filepath.Join(p, "f"), "deep")
	src, _ := Open(root, OpenOptions{})
	items := collect(t, src)
	if len(items) != 1 || items[0].Err != nil || items[0].Size != 4 {
		t.Fatalf("items %+v", items)
	}
}

func TestRootIsFileOrMissing(t *testing.T) {
	root := t.TempDir()
	f := filepath.Join(root, "single.bin")
	write(t, f, "one")
	src, err := Open(f, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	items := collect(t, src)
	if len(items) != 1 || items[0].Path != f || items[0].Size != 3 {
		t.Fatalf("items %+v", items)
	}
	if _, err := Open(filepath.Join(root, "missing"), OpenOptions{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing root: %v", err)
	}
}

func TestWalkStopsOnCancel(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		write(t, filepath.Join(root, n), n)
	}
	src, _ := Open(root, OpenOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := src.Walk(ctx, func(Item) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("err %v after %d items", err, n)
	}
}
