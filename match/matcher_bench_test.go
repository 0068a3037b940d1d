package match

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/hashtriage/hashtriage/hashset"
)

// benchDigest is entry i of a benchmark list: 16 pseudo-random bytes.
func benchDigest(d []byte, stream, i uint64) {
	x := i*0x9e3779b97f4a7c15 ^ stream<<60
	for k := 0; k < 16; k += 8 {
		x ^= x >> 31
		x *= 0xbf58476d1ce4e5b9
		x ^= x >> 29
		x *= 0x94d049bb133111eb
		x ^= x >> 32
		binary.LittleEndian.PutUint64(d[k:], x)
	}
}

const benchEntries = 1 << 20

var (
	benchOnce    sync.Once
	benchMatcher *Matcher
	benchErr     error
)

// benchSetup imports a list of benchEntries MD5 digests into a database
// under b.TempDir of the first benchmark that asks (shared by the others).
func benchSetup(b *testing.B) *Matcher {
	benchOnce.Do(func() {
		es := make([]hashset.Entry, benchEntries)
		flat := make([]byte, 16*benchEntries)
		for i := range es {
			d := flat[16*i : 16*i+16]
			benchDigest(d, 0, uint64(i))
			es[i] = hashset.Entry{Algorithm: hashset.MD5, Digest: d, Line: i + 1, Size: -1, Quality: -1}
		}
		db, err := hashset.Create(b.TempDir())
		if err != nil {
			benchErr = err
			return
		}
		importList(b, db, "bench", hashset.Alert, es...)
		benchMatcher, benchErr = Open(db, DefaultOptions())
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchMatcher
}

func BenchmarkLookupMiss(b *testing.B) {
	m := benchSetup(b)
	qs := make([]byte, 16*4096)
	for i := 0; i < 4096; i++ {
		benchDigest(qs[16*i:], 1, uint64(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := qs[16*(i&4095) : 16*(i&4095)+16]
		if len(m.Lookup(hashset.MD5, q)) != 0 {
			b.Fatal(fmt.Sprintf("miss %x matched", q))
		}
		i++
	}
}

func BenchmarkLookupHit(b *testing.B) {
	m := benchSetup(b)
	qs := make([]byte, 16*4096)
	for i := 0; i < 4096; i++ {
		benchDigest(qs[16*i:], 0, uint64(i*211)%benchEntries)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := qs[16*(i&4095) : 16*(i&4095)+16]
		if len(m.Lookup(hashset.MD5, q)) != 1 {
			b.Fatal(fmt.Sprintf("hit %x not found", q))
		}
		i++
	}
}
