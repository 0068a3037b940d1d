package evidence_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashtriage/hashtriage/evidence"
)

// Open walks a directory tree in a fixed order; symbolic links are items
// of their own, never followed, and files are opened read-only.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "case")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "b", "note.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("first"), 0o644)
	os.Symlink("a.txt", filepath.Join(dir, "c-link"))

	src, err := evidence.Open(dir, evidence.OpenOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	src.Walk(context.Background(), func(it evidence.Item) error {
		rel, _ := filepath.Rel(dir, it.Path)
		if it.Type != evidence.Regular {
			fmt.Printf("%s: %v, skipped\n", rel, it.Type)
			return nil
		}
		f, err := it.Open()
		if err != nil {
			fmt.Printf("%s: %v\n", rel, err)
			return nil
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		fmt.Printf("%s: %d bytes %q\n", rel, it.Size, b)
		return nil
	})
	// Output:
	// a.txt: 5 bytes "first"
	// b/note.txt: 5 bytes "hello"
	// c-link: symlink, skipped
}
