package match_test

import (
	"encoding/hex"
	"fmt"
	"log"

	"github.com/hashtriage/hashtriage/match"
)

func ExampleIndex256_Search() {
	// Three listed PDQ hashes, flat: hash i is bytes 32*i .. 32*i+32.
	var list []byte
	for _, h := range []string{
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			log.Fatal(err)
		}
		list = append(list, b...)
	}
	ix, err := match.NewIndex256(list)
	if err != nil {
		log.Fatal(err)
	}
	var q [32]byte
	hex.Decode(q[:], []byte("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"))
	ix.Search(q, 31, func(i, dist int) {
		fmt.Printf("hash %d at distance %d\n", i, dist)
	})
	// Unordered output:
	// hash 0 at distance 1
	// hash 2 at distance 3
}
