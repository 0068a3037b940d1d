package evidence

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashtriage/hashtriage/internal/fixture"
)

// walkAndExpand walks root with Open and expands every item the way the
// scan does (expandAll), returning what it saw.
func walkAndExpand(t *testing.T, root string) []seenItem {
	t.Helper()
	src, err := Open(root, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []seenItem
	err = src.Walk(context.Background(), func(it Item) error {
		if it.Open == nil {
			seen = append(seen, seenItem{Item: it})
			return nil
		}
		f, err := it.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return expandAll(t, context.Background(), it, f, DefaultLimits(), &seen)
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

// checkPartsJoin checks that every item's Parts give back its Path.
func checkPartsJoin(t *testing.T, seen []seenItem) {
	t.Helper()
	for _, it := range seen {
		if len(it.Parts) == 0 {
			t.Errorf("%s: no Parts", it.Path)
			continue
		}
		if got := strings.Join(it.Parts, "!"); got != it.Path {
			t.Errorf("Parts %q join to %q, not the Path %q", it.Parts, got, it.Path)
		}
	}
}

// TestPartsOfNamesWithBang: names holding "!" (a directory, a ZIP member,
// a nested ZIP) make Path ambiguous; Parts split it where the container
// levels really are.
func TestPartsOfNamesWithBang(t *testing.T) {
	root := t.TempDir()
	inner := fixture.Zip(t, "c!d.jpg", "deep")
	outer := fixture.Zip(t, "a!b.jpg", "member", "dir!/y!.txt!", "odd", "in!ner.zip", string(inner), "plain/x.txt", "plain")
	dir := filepath.Join(root, "case!1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "x.zip")
	if err := os.WriteFile(zipPath, outer, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host!file.txt"), []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := walkAndExpand(t, root)
	checkPartsJoin(t, seen)
	got := map[string][]string{}
	for _, it := range seen {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Path, it.Err)
		}
		got[it.Path] = it.Parts
	}
	want := map[string][]string{
		zipPath:                             {zipPath},
		filepath.Join(dir, "host!file.txt"): {filepath.Join(dir, "host!file.txt")},
		zipPath + "!a!b.jpg":                {zipPath, "a!b.jpg"},
		zipPath + "!dir!/y!.txt!":           {zipPath, "dir!/y!.txt!"},
		zipPath + "!in!ner.zip":             {zipPath, "in!ner.zip"},
		zipPath + "!in!ner.zip!c!d.jpg":     {zipPath, "in!ner.zip", "c!d.jpg"},
		zipPath + "!plain/x.txt":            {zipPath, "plain/x.txt"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parts\n got %q\nwant %q", got, want)
	}
}

// TestPartsInsideDiskImage: the files of an E01 image (and the archives
// inside them) and the items about the image itself carry Parts, one per
// container level: the image, the path in its file system, then each
// archive member.
func TestPartsInsideDiskImage(t *testing.T) {
	image := filepath.Join("..", "testdata", "e2e", "disk.E01")
	if _, err := os.Stat(image); err != nil {
		t.Skip("fixture missing:", err)
	}
	seen := walkAndExpand(t, image)
	checkPartsJoin(t, seen)
	byPath := map[string]seenItem{}
	for _, it := range seen {
		byPath[it.Path] = it
	}
	for p, want := range map[string][]string{
		image:                                    {image},
		image + "!p1/photos/_rased.jpg":          {image, "p1/photos/_rased.jpg"},
		image + "!p2/home/user/archive/outer.7z": {image, "p2/home/user/archive/outer.7z"},
		image + "!p2/home/user/archive/outer.7z!inner.zip!pic.jpg": {image, "p2/home/user/archive/outer.7z", "inner.zip", "pic.jpg"},
	} {
		if it, ok := byPath[p]; !ok {
			t.Errorf("no item %s", p)
		} else if !reflect.DeepEqual(it.Parts, want) {
			t.Errorf("%s: Parts %q, want %q", p, it.Parts, want)
		}
	}
	var imageItems int
	for _, it := range seen {
		if it.Image != nil || it.Unexamined != nil {
			imageItems++
			if !reflect.DeepEqual(it.Parts, []string{image}) {
				t.Errorf("item about the image itself: Parts %q", it.Parts)
			}
		}
	}
	if imageItems != 2 { // the disk's summary item and the image's ImageInfo item
		t.Errorf("%d items about the image itself, want 2", imageItems)
	}
}

// TestPathParts: an Item built without Parts is one component.
func TestPathParts(t *testing.T) {
	if got := (Item{Path: "a!b"}).PathParts(); !reflect.DeepEqual(got, []string{"a!b"}) {
		t.Errorf("PathParts of a bare Item = %q", got)
	}
	parent := Item{Path: "x.zip!y.zip", Parts: make([]string, 2, 8)}
	parent.Parts[0], parent.Parts[1] = "x.zip", "y.zip"
	a, b := parent.child("a"), parent.child("b")
	if !reflect.DeepEqual(a, []string{"x.zip", "y.zip", "a"}) || !reflect.DeepEqual(b, []string{"x.zip", "y.zip", "b"}) {
		t.Errorf("siblings share their parts: %q %q", a, b)
	}
}
