package ewf

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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
	return map[string][]byte{
		"empty": {}, "one": {42}, "random": random, "text": text.Bytes(),
		"zeros": make([]byte, 40000), "runs": runs, "skewed": skewed, "mixed": mixed,
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
	var f inflater
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

// TestInflateFixedBlock decodes hand-made fixed-code blocks (RFC 1951
// 3.2.6), including a back-reference that overlaps its own output.
func TestInflateFixedBlock(t *testing.T) {
	// BFINAL=1, BTYPE=01, literal 'a' (0x61: code 0x30+0x61 in 8 bits),
	// length 257 → 3, distance code 0 → 1, end of block.
	var bits []uint8
	put := func(v, n int, msbFirst bool) {
		for k := range n {
			if msbFirst {
				bits = append(bits, uint8(v>>(n-1-k)&1))
			} else {
				bits = append(bits, uint8(v>>k&1))
			}
		}
	}
	put(1, 1, false)
	put(1, 2, false)
	put(0x30+'a', 8, true)
	put(1, 7, true) // symbol 257: 7-bit code 0000001
	put(0, 5, true) // distance 1
	put(0, 7, true) // end of block
	src := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		src[i/8] |= b << (i % 8)
	}
	var f inflater
	dst := make([]byte, 10)
	n, used, err := f.inflateInto(dst, src)
	if err != nil || string(dst[:n]) != "aaaa" || used != len(src) {
		t.Fatalf("inflateInto = %q, %d, %v; want \"aaaa\", %d", dst[:n], used, err, len(src))
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
			b.Run(fmt.Sprintf("%s/level=%d/inflateInto", c.name, level), func(b *testing.B) {
				b.SetBytes(int64(total))
				var f inflater
				for b.Loop() {
					for _, z := range chunks {
						if n, _, err := f.inflateInto(dst, z); err != nil || n != len(dst) {
							b.Fatal(n, err)
						}
					}
				}
			})
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
