package match_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
)

// makeDB imports a two-line md5sum list into a new database in a temporary
// directory and returns the directory.
func makeDB() string {
	dir, err := os.MkdirTemp("", "hashtriage-example")
	if err != nil {
		log.Fatal(err)
	}
	a, b := md5.Sum([]byte("file a")), md5.Sum([]byte("file b"))
	list := filepath.Join(dir, "demo.md5")
	content := hex.EncodeToString(a[:]) + "  a.jpg\n" + hex.EncodeToString(b[:]) + "  b.jpg\n"
	if err := os.WriteFile(list, []byte(content), 0o644); err != nil {
		log.Fatal(err)
	}
	db, err := hashset.Create(filepath.Join(dir, "db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportFile(context.Background(), list, hashset.ImportOptions{Name: "demo"}); err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, "db")
}

func ExampleOpen() {
	dir := makeDB()
	defer os.RemoveAll(filepath.Dir(dir))

	db, err := hashset.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := match.Open(db, match.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	for _, s := range m.Sets() {
		fmt.Println(s.Name, s.Kind, s.Format, s.TotalEntries())
	}
	fmt.Println("compute:", m.Algorithms())
	// Output:
	// demo alert md5sum 2
	// compute: [md5]
}

func ExampleMatcher_Lookup() {
	dir := makeDB()
	defer os.RemoveAll(filepath.Dir(dir))

	db, err := hashset.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := match.Open(db, match.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	sum := md5.Sum([]byte("file b"))
	for _, hit := range m.Lookup(hashset.MD5, sum[:]) {
		fmt.Printf("set %s (%s): entry %q, distance %d\n", hit.Set, hit.Kind, hit.ID, hit.Distance)
	}
	miss := md5.Sum([]byte("something else"))
	fmt.Println("other file matches:", len(m.Lookup(hashset.MD5, miss[:])))
	// Output:
	// set demo (alert): entry "b.jpg", distance 0
	// other file matches: 0
}
