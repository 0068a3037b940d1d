package match_test

import (
	"crypto/md5"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hashtriage/hashtriage/hashset"
	"github.com/hashtriage/hashtriage/match"
)

func ExampleMatcher_LookupMany() {
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

	var digests [][]byte
	for _, content := range []string{"file a", "unknown 1", "file b", "unknown 2"} {
		sum := md5.Sum([]byte(content))
		digests = append(digests, sum[:])
	}
	m.LookupMany(hashset.MD5, digests, func(i int, ms []match.Match) {
		for _, hit := range ms {
			fmt.Printf("digest %d: set %s, entry %q\n", i, hit.Set, hit.ID)
		}
	})
	// Output:
	// digest 0: set demo, entry "a.jpg"
	// digest 2: set demo, entry "b.jpg"
}
