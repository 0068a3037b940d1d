package ewf_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hashtriage/hashtriage/evidence/ewf"
)

func Example() {
	im, err := ewf.Open("testdata/split.E01") // finds split.E02 and split.E03
	if err != nil {
		log.Fatal(err)
	}
	defer im.Close()
	fmt.Println("media bytes:", im.Size())
	fmt.Println("case:", im.Header().CaseNumber)

	// The first sector, as a partition or file system parser would read it.
	sector := make([]byte, 512)
	if _, err := im.ReadAt(sector, 0); err != nil {
		log.Fatal(err) // a *ewf.ChunkError names the damaged media range
	}

	res, err := im.Verify(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: MD5 %x\n", res.Status, res.MD5)
	// Output:
	// media bytes: 2098688
	// case: CASE-2026-042
	// verified: MD5 84c2acd03f693f6e3684fd4ce7d28bf6
}
