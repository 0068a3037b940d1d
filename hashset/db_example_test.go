package hashset_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hashtriage/hashtriage/hashset"
)

func ExampleDB_ImportFile() {
	dir, err := os.MkdirTemp("", "hashset-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// A two-line md5sum list; the second line is the MD5 of empty input.
	list := filepath.Join(dir, "demo.md5")
	os.WriteFile(list, []byte("0cc175b9c0f1b6a831c399e269772661  a.txt\nd41d8cd98f00b204e9800998ecf8427e  empty.txt\n"), 0o644)

	db, err := hashset.Create(filepath.Join(dir, "db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	res, err := db.ImportFile(context.Background(), list, hashset.ImportOptions{Kind: hashset.Alert})
	if err != nil {
		log.Fatal(err)
	}
	s := res.Set
	fmt.Println(s.Name, s.Kind, s.Format, s.Entries, "dropped:", s.Dropped.EmptyInput)

	again, err := db.ImportFile(context.Background(), list, hashset.ImportOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("imported twice:", !again.AlreadyImported)
	// Output:
	// demo alert md5sum map[md5:1] dropped: map[md5:1]
	// imported twice: false
}
