package ewf

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// deflateInputs returns data of the kinds a disk holds: text, zeros,
// random bytes, runs with short repeats, and mixtures.
func deflateInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(7, 8))
	random := make([]byte, 40000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var text bytes.Buffer
	for i := 0; text.Len() < 40000; i++ {
		fmt.Fprintf(&text, "%d the quick brown fox %d jumps\n", i*7919, i)
	}
	runs := make([]byte, 40000)
	for i := range runs {
		runs[i] = byte(i / 300 % 3)
	}
	skewed := make([]byte, 40000)
	for i := range skewed {
		skewed[i] = byte(rng.ExpFloat64() * 3) // few symbols, long codes for the rare ones
	}
	mixed := append(append(append([]byte{}, text.Bytes()[:10000]...), random[:10000]...), make([]byte, 10000)...)
	// Repeats of patterns of 1 to 17 bytes, for matches that overlap
	// their own output, between runs of random bytes.
	var periodic []byte
	for round := range 3 {
		for period := 1; period <= 17; period++ {
			pattern := random[period*100 : period*100+period]
			for range 20 + round*120 {
				periodic = append(periodic, pattern...)
			}
			periodic = append(periodic, random[period*7:period*7+40]...)
		}
	}
	// Few symbols in random order: short codes, so that the literal
	// table holds pairs of literals, and few matches.
	few := make([]byte, 40000)
	for i := range few {
		few[i] = "abcdefgh"[rng.IntN(8)]
	}
	return map[string][]byte{
		"empty": {}, "one": {42}, "random": random, "text": text.Bytes(),
		"zeros": make([]byte, 40000), "runs": runs, "skewed": skewed, "mixed": mixed,
		"periodic": periodic, "few": few,
	}
}

func deflate(t testing.TB, b []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestInflateInto checks inflateInto against compress/flate on every
// compression level (stored, fixed and dynamic blocks), with data after
// the stream, with exactly enough and with too little room.
func TestInflateInto(t *testing.T) {
	for _, generic := range []bool{false, true} {
		t.Run(fmt.Sprintf("generic=%v", generic), func(t *testing.T) { testInflateInto(t, inflater{generic: generic}) })
	}
}

func testInflateInto(t *testing.T, f inflater) {
	for name, in := range deflateInputs() {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, 1, 2, 6, 9} {
			z := deflate(t, in, level)
			src := append(bytes.Clone(z), 0xde, 0xad, 0xbe, 0xef)
			dst := make([]byte, len(in))
			n, used, err := f.inflateInto(dst, src)
			if err != nil || n != len(in) || used != len(z) || !bytes.Equal(dst, in) {
				t.Errorf("%s level %d: inflateInto = %d, %d, %v; want %d bytes, %d used", name, level, n, used, err, len(in), len(z))
			}
			if len(in) > 0 {
				if _, _, err := f.inflateInto(dst[:len(in)-1], src); !errors.Is(err, errOutputFull) {
					t.Errorf("%s level %d: one byte short of room: %v, want errOutputFull", name, level, err)
				}
			}
			// Every truncation fails: the stream's last bytes matter.
			for _, cut := range []int{len(z) - 1, len(z) / 2, 1, 0} {
				if cut < 0 || cut >= len(z) {
					continue
				}
				if n, _, err := f.inflateInto(dst, z[:cut]); err == nil {
					t.Errorf("%s level %d: stream cut to %d of %d bytes decoded without error (%d bytes)", name, level, cut, len(z), n)
				}
			}
		}
	}
}

// bitWriter makes deflate streams by hand: put appends the n low bits of
// v, lowest first (header fields, extra bits) or, with msbFirst, highest
// first (Huffman codes).
type bitWriter struct{ bits []uint8 }

func (w *bitWriter) put(v, n int, msbFirst bool) {
	for k := range n {
		if msbFirst {
			w.bits = append(w.bits, uint8(v>>(n-1-k)&1))
		} else {
			w.bits = append(w.bits, uint8(v>>k&1))
		}
	}
}

func (w *bitWriter) bytes() []byte {
	b := make([]byte, (len(w.bits)+7)/8)
	for i, bit := range w.bits {
		b[i/8] |= bit << (i % 8)
	}
	return b
}

// TestInflateFixedBlock decodes hand-made fixed-code blocks (RFC 1951
// 3.2.6), including a back-reference that overlaps its own output.
func TestInflateFixedBlock(t *testing.T) {
	// BFINAL=1, BTYPE=01, literal 'a' (0x61: code 0x30+0x61 in 8 bits),
	// length 257 → 3, distance code 0 → 1, end of block.
	var w bitWriter
	w.put(1, 1, false)
	w.put(1, 2, false)
	w.put(0x30+'a', 8, true)
	w.put(1, 7, true) // symbol 257: 7-bit code 0000001
	w.put(0, 5, true) // distance 1
	w.put(0, 7, true) // end of block
	src := w.bytes()
	var f inflater
	dst := make([]byte, 10)
	n, used, err := f.inflateInto(dst, src)
	if err != nil || string(dst[:n]) != "aaaa" || used != len(src) {
		t.Fatalf("inflateInto = %q, %d, %v; want \"aaaa\", %d", dst[:n], used, err, len(src))
	}
}

// TestInflateDamagedFixedBlock checks that each kind of damage is found
// both by the fast loop (with input and output to spare) and by the
// careful one (at the end of the input).
func TestInflateDamagedFixedBlock(t *testing.T) {
	cases := []struct {
		name string
		body func(w *bitWriter)
		want string
	}{
		{"distance before the start", func(w *bitWriter) {
			w.put(0x30+'a', 8, true)
			w.put(1, 7, true) // length 3
			w.put(1, 5, true) // distance 2, one byte written
		}, "distance 2 reaches before the start"},
		{"distance code 30", func(w *bitWriter) {
			w.put(0x30+'a', 8, true)
			w.put(1, 7, true)
			w.put(30, 5, true)
		}, "invalid distance code"},
		{"literal/length code 286", func(w *bitWriter) {
			w.put(0x30+'a', 8, true)
			w.put(0xc0+286-280, 8, true) // symbols 280–287: 8-bit codes from 11000000
		}, "invalid literal/length code"},
	}
	for _, c := range cases {
		var w bitWriter
		w.put(1, 1, false)
		w.put(1, 2, false)
		c.body(&w)
		w.put(0, 7, true) // end of block, never reached
		for _, pad := range []int{0, 64} {
			src := append(w.bytes(), make([]byte, pad)...)
			var f inflater
			_, _, err := f.inflateInto(make([]byte, 4096), src)
			if !errors.Is(err, errDeflate) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %d bytes of padding: %v, want %q", c.name, pad, err, c.want)
			}
		}
	}
}

// TestInflateRoomForOneOfTwoLiterals fills the output one to five bytes
// short, with literals only and a table whose entries hold two literals:
// the decoder must write every byte it has room for, the first literal of
// a pair too, and then fail.
func TestInflateRoomForOneOfTwoLiterals(t *testing.T) {
	in := deflateInputs()["few"][:5000]
	z := deflate(t, in, flate.HuffmanOnly)
	var f inflater
	if n, _, err := f.inflateInto(make([]byte, len(in)), z); err != nil || n != len(in) {
		t.Fatalf("whole stream: %d bytes, %v", n, err)
	}
	pairs := 0
	for _, e := range f.lit.entries[:1<<litPrimary] {
		if e&pairFlag != 0 {
			pairs++
		}
	}
	if pairs == 0 {
		t.Fatal("the literal table holds no pairs: the test tests nothing")
	}
	for short := 1; short <= 5; short++ {
		dst := make([]byte, len(in)-short)
		n, _, err := f.inflateInto(dst, z)
		if !errors.Is(err, errOutputFull) || n != len(dst) || !bytes.Equal(dst, in[:len(dst)]) {
			t.Errorf("%d bytes short: %d bytes written, %v; want all %d and errOutputFull", short, n, err, len(dst))
		}
	}
}

func FuzzInflate(f *testing.F) {
	for _, in := range deflateInputs() {
		for _, level := range []int{flate.HuffmanOnly, 0, 1, 9} {
			if len(in) > 3000 {
				in = in[:3000]
			}
			f.Add(deflate(f, in, level))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want, werr := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(src)), 1<<17))
		var inf inflater
		dst := make([]byte, 1<<16)
		n, used, err := inf.inflateInto(dst, src)
		// The assembly loop (where there is one) and the Go one agree on
		// every stream they decode, and fail on the same ones. (How much
		// of a damaged stream is written before the damage shows may
		// differ: the assembly loop decodes two literals between its
		// checks where the Go loop decodes one.)
		generic := inflater{generic: true}
		dstG := make([]byte, len(dst))
		nG, usedG, errG := generic.inflateInto(dstG, src)
		if (err == nil) != (errG == nil) || err == nil && (n != nG || used != usedG) || !bytes.Equal(dst[:min(n, nG)], dstG[:min(n, nG)]) {
			t.Fatalf("fast loops differ: %d bytes, %d used, %v; Go loop %d bytes, %d used, %v", n, used, err, nG, usedG, errG)
		}
		switch {
		case err == nil && werr == nil:
			if !bytes.Equal(dst[:n], want) {
				t.Fatalf("inflateInto gave %d bytes, compress/flate %d, and they differ", n, len(want))
			}
			if used > len(src) {
				t.Fatalf("used %d bytes of %d", used, len(src))
			}
		case err == nil && werr != nil:
			t.Fatalf("inflateInto accepted what compress/flate refuses (%v): %d bytes", werr, n)
		case err != nil && werr == nil && len(want) <= len(dst):
			t.Fatalf("inflateInto refused (%v) what compress/flate decodes (%d bytes)", err, len(want))
		}
	})
}

// BenchmarkInflate compares inflateInto with klauspost/compress/flate (the
// inflater used before) and compress/flate on 32 KiB chunks, each a whole
// stream, as in an EWF image.
func BenchmarkInflate(b *testing.B) {
	var seq bytes.Buffer
	for i := 1000000; seq.Len() < 1<<20; i++ {
		fmt.Fprintf(&seq, "%d\n", i)
	}
	// Random bytes with a zero tail in every chunk, as where a file ends
	// inside a chunk: literals, then one long match.
	rng := rand.New(rand.NewPCG(9, 10))
	tails := make([]byte, 1<<20)
	for i := range tails {
		if i%32768 < 24576 {
			tails[i] = byte(rng.Uint32())
		}
	}
	inputs := deflateInputs()
	for _, c := range []struct {
		name string
		data []byte
	}{{"seq", seq.Bytes()}, {"text", inputs["text"]}, {"skewed", inputs["skewed"]}, {"tails", tails}} {
		for _, level := range []int{1, 6} {
			var chunks [][]byte
			total := 0
			for off := 0; off+32768 <= len(c.data); off += 32768 {
				chunks = append(chunks, deflate(b, c.data[off:off+32768], level))
				total += 32768
			}
			dst := make([]byte, 32768)
			for _, generic := range []bool{false, true} {
				name := "inflateInto"
				if generic {
					name = "inflateInto-go" // the Go fast loop, where there is an assembly one
				}
				b.Run(fmt.Sprintf("%s/level=%d/%s", c.name, level, name), func(b *testing.B) {
					b.SetBytes(int64(total))
					f := inflater{generic: generic}
					for b.Loop() {
						for _, z := range chunks {
							if n, _, err := f.inflateInto(dst, z); err != nil || n != len(dst) {
								b.Fatal(n, err)
							}
						}
					}
				})
			}
			b.Run(fmt.Sprintf("%s/level=%d/klauspost", c.name, level), func(b *testing.B) {
				b.SetBytes(int64(total))
				r := kflate.NewReader(bytes.NewReader(nil))
				for b.Loop() {
					for _, z := range chunks {
						r.(kflate.Resetter).Reset(bytes.NewReader(z), nil)
						if _, err := io.ReadFull(r, dst); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkInflateImage inflates every zlib chunk of the E01 image named by
// $HT_BENCH_E01 (for example the one bench/e01.sh makes) that is not all
// zeros, with inflateInto, its Go fast loop and compress/flate; it is
// skipped without it. The chunks are zlib streams written by ewfacquire
// (zlib itself), not by Go's compressor as in BenchmarkInflate:
//
//	HT_BENCH_E01=/tmp/ht-e01/disk.E01 go test -run '^$' -bench InflateImage ./evidence/ewf
func BenchmarkInflateImage(b *testing.B) {
	path := os.Getenv("HT_BENCH_E01")
	if path == "" {
		b.Skip("set HT_BENCH_E01 to an E01 image")
	}
	im, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer im.Close()
	var chunks [][]byte // deflate streams, without the zlib header
	total := 0
	dst := make([]byte, im.chunkSize)
	var f inflater
	for i := range im.nchunks {
		loc, _ := im.locate(i)
		if !loc.compressed {
			continue
		}
		z := make([]byte, loc.stored)
		if err := readFull(im.segs[loc.seg].r, z, loc.off); err != nil {
			b.Fatal(err)
		}
		n, _, err := f.inflateInto(dst, z[2:])
		if err != nil {
			b.Fatalf("chunk %d: %v", i, err)
		}
		if !allZero(dst[:n]) {
			chunks = append(chunks, z[2:])
			total += n
		}
	}
	b.Logf("%d zlib chunks, %d bytes inflated, %d stored", len(chunks), total, func() (s int) {
		for _, z := range chunks {
			s += len(z)
		}
		return s
	}())
	for _, generic := range []bool{false, true} {
		name := "inflateInto"
		if generic {
			name = "inflateInto-go"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(total))
			f := inflater{generic: generic}
			for b.Loop() {
				for _, z := range chunks {
					if _, _, err := f.inflateInto(dst, z); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	b.Run("compress-flate", func(b *testing.B) {
		b.SetBytes(int64(total))
		r := flate.NewReader(bytes.NewReader(nil))
		for b.Loop() {
			for _, z := range chunks {
				r.(flate.Resetter).Reset(bytes.NewReader(z), nil)
				if _, err := io.ReadFull(r, dst[:cap(dst)]); err != nil && err != io.ErrUnexpectedEOF {
					b.Fatal(err)
				}
			}
		}
	})
}
