package archive_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/hashtriage/hashtriage/evidence/archive"
)

// Walk the members of a compressed TAR found by content, hashing each.
func Example() {
	f, err := os.Open("testdata/sample.tar.gz")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	head := make([]byte, archive.HeadSize)
	n, _ := f.ReadAt(head, 0)
	format := archive.Detect(head[:n])
	fmt.Println("format:", format)

	err = archive.Walk(context.Background(), f, st.Size(), format, archive.Options{Name: "sample.tar.gz"}, func(m archive.Member) error {
		switch {
		case m.Dir():
			return nil
		case m.Err != nil:
			fmt.Printf("%s: %v\n", m.Name, m.Err)
			return nil
		}
		content, err := m.Open()
		if err != nil {
			return err
		}
		defer content.Close()
		h := sha256.New()
		if _, err := io.Copy(h, content); err != nil {
			return err
		}
		fmt.Printf("%s %d %x\n", m.Name, m.Size, h.Sum(nil)[:8])
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// format: gzip
	// hello.txt 18 6ff8249b26739b0c
	// dir/numbers.txt 13893 2e57c67a8bbe706a
	// dir/sub/fox.txt 22500 bdf54bc449f5c4dc
}
