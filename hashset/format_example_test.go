package hashset_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/hashtriage/hashtriage/hashset"
)

// Open a list, whatever its format, and stream its entries.
func ExampleOpenList() {
	r, err := hashset.OpenList("testdata/lists/hashdeep/md5deep-size.txt", "auto")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if hashset.IsParseError(err) {
			fmt.Println("skipped:", err) // one bad record; reading goes on
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("line %d: %s %x %s (%d bytes)\n", e.Line, e.Algorithm, e.Digest, e.ID, e.Size)
	}
	fmt.Println("format:", r.Info().Format)
	// Output:
	// line 1: md5 92e792c43c35e96fed3f9566083326fc /Users/jessek/a.out (669416 bytes)
	// line 2: md5 4d46e4ef07fd0c7fa82bd5008b06db37 /Users/jessek/foo.cpp (298 bytes)
	// line 3: md5 fd6b1c066a26924224fbf02d876f0d45 /Users/jessek/foo.cpp~ (299 bytes)
	// line 4: md5 2662a090fb0d31ae27334a2393ef5240 /Users/jessek/nasm-2.02.tar.bz2 (729602 bytes)
	// format: md5sum
}

// Detection looks at the content only; unknown input names what was tried.
func ExampleDetectFormat() {
	for _, p := range []string{
		"testdata/lists/nsrl/NSRL-2.0.txt",
		"testdata/lists/vics/NSRL-CAID-ART.json",
		"testdata/lists/hashdeep/Z00236.hsh",
		"testdata/lists/hashdeep/Z00236.hke",
	} {
		f, err := hashset.DetectFormat(p)
		if errors.Is(err, hashset.ErrUnknownFormat) {
			fmt.Println("unknown:", p)
			continue
		}
		fmt.Println(f.Name)
	}
	// Output:
	// nsrl
	// vics
	// hashkeeper
	// unknown: testdata/lists/hashdeep/Z00236.hke
}
