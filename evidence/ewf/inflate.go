package ewf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// This file decodes DEFLATE (RFC 1951) straight into a chunk buffer. An
// EWF chunk is a whole zlib stream of at most one chunk, so the output
// buffer is the whole window: back-references index the buffer itself, and
// nothing is copied out of a separate window afterwards, as a streaming
// io.Reader must. Every malformed stream is an error, never a panic: each
// symbol is looked up in a table that marks the unusable ones, each
// back-reference is checked against the bytes already written, and the
// output cannot outgrow the buffer.

// errDeflate is wrapped by the errors of damaged deflate data.
var errDeflate = errors.New("damaged deflate data")

// errOutputFull reports a stream that decodes to more than the buffer.
var errOutputFull = errors.New("deflate output exceeds its buffer")

// Table entries: bits 0–5 the bits to consume (at most 28, so that
// shifting by e&63, which x86 does by itself, needs no masking). A literal
// has bit 31 (litFlag) set, so that testing for one is a sign test, and
// its byte in bits 8–15. A first-level literal/length entry may hold two
// literals (pairFlag): the second byte in bits 16–23, and both codes'
// lengths in bits 0–5, so that one lookup decodes both. A length or
// distance has its base in bits 16–30, the length of its code in bits
// 8–15, and in bits 0–5 that length plus its number of extra bits: the
// code and the extra bits that follow it are consumed with one shift, and
// the extra bits are those below bit e&63 of the bits before it, from bit
// e>>8&0xff up. A first-level literal/length entry may also take a length
// and the code of the distance after it (matchFlag, without litFlag), when
// both lie within the index: bits 0–5 are then their bits, bits 6–12 the
// length less 3, bits 13–16 the distance's number of extra bits (which
// follow in the input) and bits 17–29 its base. Any other entry has bits
// 8–15 a kind (at least kindEnd, above every code length) and bits 16–30
// a value: the symbol of a code length code, or the offset of a
// second-level table (whose index width is then in bits 0–5).
const (
	litFlag     = 1 << 31
	pairFlag    = 1 << 30 // with litFlag
	matchFlag   = 1 << 30 // without litFlag
	kindEnd     = 0xf0    // kinds are at least kindEnd; code lengths are shorter
	kindLink    = 0xf1
	kindInvalid = 0xff             // also the whole entry of an unused code
	entryUnused = kindInvalid << 8 // consumes no bits
)

const (
	litPrimary  = 10 // index bits of the first-level literal/length table
	distPrimary = 8
	lenPrimary  = 7 // the code length code has codes of at most 7 bits
	maxCodeLen  = 15
)

// Base values and extra bits of the length symbols 257…285 and the
// distance symbols 0…29 (RFC 1951, 3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// The order in which the code length code's lengths are stored.
	codeLenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// huffTable decodes one Huffman code: entries[0 : 1<<primary] is indexed
// by the next primary bits of input; longer codes continue in
// second-level tables stored after it.
type huffTable struct {
	entries []uint32
	primary uint
	lengths []uint8 // of a literal/length code: the code lengths, by symbol
}

// inflater holds the tables of one decoding, reused between chunks.
type inflater struct {
	lit, dist, codeLen huffTable
	fixedLit, fixedDst huffTable // the fixed code of RFC 1951 3.2.6, built on first use
	lengths            [286 + 32]uint8
	codes              [288]uint16
	// generic makes huffmanBlock use fastSymbolsGeneric where an
	// assembly loop exists too, so that tests can compare the two.
	generic bool
}

// symbolKind says what the symbols of a Huffman code stand for.
type symbolKind int

const (
	litLenSymbols symbolKind = iota
	distSymbols
	plainSymbols // code length code: the value is the symbol
)

// symbolEntry returns the table entry of symbol sym of a code of the
// given kind, whose code takes codeBits bits of the table's index.
func symbolEntry(kind symbolKind, sym int, codeBits uint32) uint32 {
	switch kind {
	case litLenSymbols:
		switch {
		case sym < 256:
			return litFlag | uint32(sym)<<8 | codeBits
		case sym == 256:
			return kindEnd<<8 | codeBits
		case sym <= 285:
			return valueEntry(lengthBase[sym-257], lengthExtra[sym-257], codeBits)
		}
	case distSymbols:
		if sym < 30 {
			return valueEntry(distBase[sym], distExtra[sym], codeBits)
		}
	case plainSymbols:
		return uint32(sym)<<16 | codeBits
	}
	return kindInvalid<<8 | codeBits // 286, 287, distances 30, 31: part of the code, never valid data
}

// valueEntry is the entry of a length or distance symbol.
func valueEntry(base uint16, extra uint8, codeBits uint32) uint32 {
	return uint32(base)<<16 | codeBits<<8 | codeBits + uint32(extra)
}

// value returns the length or distance of value entry e, whose bits
// (code and extra bits) are the low ones of bits.
func value(e uint32, bits uint64) int {
	return int(e>>16) + int(bits&(1<<(e&63)-1)>>(e>>8&63))
}

// build makes t decode the canonical Huffman code (RFC 1951 3.2.2) whose
// code lengths are lengths (0: symbol unused); codes is scratch space of
// len(lengths). Like zlib, it refuses an over-subscribed code, and an
// incomplete one unless it is a single code of one bit; complete refuses
// that too. A code with no symbols at all is accepted: every lookup in its
// table fails (a block of literals only has no distance code).
func (t *huffTable) build(lengths []uint8, primary uint, kind symbolKind, codes []uint16, complete bool) error {
	var count [maxCodeLen + 1]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	maxLen := 0
	left := 1
	for l := 1; l <= maxCodeLen; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return fmt.Errorf("%w: over-subscribed Huffman code", errDeflate)
		}
		if count[l] > 0 {
			maxLen = l
		}
	}
	if left > 0 && maxLen > 0 && (complete || maxLen > 1) {
		return fmt.Errorf("%w: incomplete Huffman code", errDeflate)
	}
	// The symbols in the order of their codes (by length, then by
	// symbol), in codes, and the first code of each length.
	var at, next [maxCodeLen + 2]int
	code := 0
	for l := 1; l <= maxCodeLen; l++ {
		at[l+1] = at[l] + count[l]
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	sorted := codes[:at[maxCodeLen+1]]
	for sym, l := range lengths {
		if l != 0 {
			sorted[at[l]] = uint16(sym)
			at[l]++
		}
	}
	size := 1 << primary
	if cap(t.entries) < size {
		t.entries = make([]uint32, size, size+size/2)
	}
	t.entries = t.entries[:size]
	entries := t.entries
	if left > 0 {
		// Some entries stay unused; a complete code fills every one.
		for i := range entries {
			entries[i] = entryUnused
		}
	}
	t.primary = primary
	// Codes of at most primary bits, shortest first. An index's low l
	// bits are a code of length l, first bit lowest: the entries [0, 2^l)
	// are those of codes of at most l bits, and once they are all there,
	// entries [2^l, 2^(l+1)) are the same again, as the bit after them
	// does not matter.
	i, filled := 0, 1
	for l := 1; l <= min(maxLen, int(primary)); l++ {
		if count[l] == 0 {
			continue
		}
		for ; filled < 1<<l; filled *= 2 {
			copy(entries[filled:2*filled], entries[:filled])
		}
		for _, sym := range sorted[i : i+count[l]] {
			r := bits.Reverse16(uint16(next[l])) >> (16 - l)
			next[l]++
			entries[r&uint16(size-1)] = symbolEntry(kind, int(sym), uint32(l))
		}
		i += count[l]
	}
	for ; filled < size; filled *= 2 {
		copy(entries[filled:2*filled], entries[:filled])
	}
	if maxLen > int(primary) {
		t.longCodes(sorted[i:], lengths, primary, kind, next)
	}
	if kind == litLenSymbols {
		t.lengths = lengths
		t.pairLiterals()
	}
	return nil
}

// longCodes adds to t the codes longer than its primary index: each
// first-level entry they start with links to a second-level table, indexed
// by as many more bits as the longest of them needs. syms are their
// symbols in code order, and next the first code of each length.
func (t *huffTable) longCodes(syms []uint16, lengths []uint8, primary uint, kind symbolKind, next [maxCodeLen + 2]int) {
	mask := 1<<primary - 1
	var subLen [1 << litPrimary]uint8
	var subAt [1 << litPrimary]uint16 // where the second-level table of an index starts
	var rev [288]uint16               // the codes of syms, first bit lowest
	for k, sym := range syms {
		l := int(lengths[sym])
		r := bits.Reverse16(uint16(next[l])) >> (16 - l)
		next[l]++
		rev[k] = r
		head := int(r) & mask
		subLen[head] = max(subLen[head], uint8(l))
	}
	for k, sym := range syms {
		l := uint(lengths[sym])
		r := int(rev[k])
		head := r & mask
		if subAt[head] == 0 { // first code behind head: make its table
			subBits := uint32(subLen[head]) - uint32(primary)
			off := len(t.entries)
			for range 1 << subBits {
				t.entries = append(t.entries, entryUnused)
			}
			subAt[head] = uint16(off) // never 0: the first level comes first
			t.entries[head] = uint32(off)<<16 | kindLink<<8 | subBits
		}
		off, subBits := int(subAt[head]), uint(subLen[head])-primary
		rest := l - primary
		e := symbolEntry(kind, int(sym), uint32(rest))
		for i := r >> primary; i < 1<<subBits; i += 1 << rest {
			t.entries[off+i] = e
		}
	}
}

// pairLiterals makes each first-level entry whose code is a literal,
// followed in the index's remaining bits by the whole code of another
// literal, decode both. An index i starts with the code of its entry, of
// length l; the next code starts at bit l, so it is the code of entry
// i>>l, if that code is at most primary−l bits long (the bits above it in
// i>>l are zero, and a code of length l2 fills every index with the same
// low l2 bits). Going down from the top, entry i>>l (< i for i > 0) is
// still a single symbol when it is read.
func (t *huffTable) pairLiterals() {
	// With no literal code of at most half the index width, as when
	// every byte is about as frequent, no entry can hold two.
	shortest := uint(maxCodeLen)
	for _, l := range t.lengths[:256] {
		if l != 0 {
			shortest = min(shortest, uint(l))
		}
	}
	if 2*shortest > t.primary {
		return
	}
	first := t.entries[:1<<t.primary]
	for i := len(first) - 1; i >= 0; i-- {
		e := first[i]
		if e&(litFlag|pairFlag) != litFlag {
			continue
		}
		l := e & 63
		e2 := first[i>>l]
		if e2&(litFlag|pairFlag) != litFlag || l+e2&63 > uint32(t.primary) {
			continue
		}
		first[i] = litFlag | pairFlag | e2&0xff00<<8 | e&0xff00 | (l + e2&63)
	}
}

// lengthsWithDistances makes each first-level entry of t, a literal/length
// table, whose code is a length followed in the index's remaining bits by
// the code of a distance (of dist), decode both: the match's distance then
// needs only its extra bits, and decoding it waits on one table lookup
// instead of two. Text makes many short matches with short codes. Lengths
// of more than 130 and distance bases of more than 13 bits do not fit in
// an entry and are left as they are.
func (t *huffTable) lengthsWithDistances(dist *huffTable) {
	first := t.entries[:1<<t.primary]
	distFirst := dist.entries[:1<<dist.primary]
	for i, e := range first {
		if e&(litFlag|matchFlag) != 0 || e>>8&0xff >= kindEnd {
			continue
		}
		used := e & 63 // the length's code and extra bits
		if used >= uint32(t.primary) {
			continue
		}
		length := value(e, uint64(i))
		// When fewer than dist.primary bits of the index remain, the
		// distance index is padded with zeros where the input has bits
		// not known here: a code that fits in the remaining bits is
		// found whatever they are, and a longer one is skipped below.
		d := distFirst[(uint32(i)>>used)&(1<<dist.primary-1)]
		codeBits := d >> 8 & 0xff
		if codeBits >= kindEnd || used+codeBits > uint32(t.primary) || length > 130 || d>>16 >= 1<<13 {
			continue
		}
		extra := d&63 - codeBits
		first[i] = matchFlag | d>>16<<17 | extra<<13 | uint32(length-3)<<6 | used + codeBits
	}
}

// takeMatch decodes the match of an entry e with matchFlag from the bits
// that start with e's bits, and returns it and the bits after it.
func takeMatch(e uint32, bits uint64, n uint) (length, distance int, _ uint64, _ uint) {
	bits >>= e & 63
	n -= uint(e & 63)
	extra := e >> 13 & 15
	distance = int(e>>17&0x1fff) + int(bits&(1<<extra-1))
	return int(e>>6&0x7f) + 3, distance, bits >> extra, n - uint(extra)
}

// bitReader reads the bits of src lowest first (RFC 1951 3.1.1). Past
// the end it supplies zero bits and counts them as over, so that a
// truncated stream is found when it ends or when over grows past the
// refill slack.
type bitReader struct {
	src  []byte
	pos  int    // next byte of src to load
	bits uint64 // bits[0:n] are the next input bits
	n    uint
	over int // zero bytes supplied past the end
}

// refill makes at least 56 bits available.
func (br *bitReader) refill() {
	if br.pos+8 <= len(br.src) {
		br.bits |= binary.LittleEndian.Uint64(br.src[br.pos:]) << br.n
		br.pos += int(63-br.n) >> 3
		br.n |= 56
		return
	}
	for br.n <= 56 {
		var b byte
		if br.pos < len(br.src) {
			b = br.src[br.pos]
			br.pos++
		} else {
			br.over++
		}
		br.bits |= uint64(b) << br.n
		br.n += 8
	}
}

func (br *bitReader) take(k uint) uint32 {
	v := uint32(br.bits & (1<<k - 1))
	br.bits >>= k
	br.n -= k
	return v
}

// overrun says whether more bits were used than src holds.
func (br *bitReader) overrun() bool {
	return br.over > 0 && uint(br.over)*8 > br.n
}

// decodeSym decodes one symbol with t; at least 15 bits must be available.
func (br *bitReader) decodeSym(t *huffTable) uint32 {
	e := t.entries[br.bits&(1<<t.primary-1)]
	if e>>8&0xff == kindLink {
		br.bits >>= t.primary
		br.n -= t.primary
		e = t.entries[int(e>>16)+int(br.bits&(1<<(e&63)-1))]
	}
	br.bits >>= e & 63
	br.n -= uint(e & 63)
	return e
}

// inflateInto decodes the raw deflate stream at the start of src into
// dst. It returns the bytes written and the bytes of src the stream took
// (up to its last whole byte). A stream that would write more than
// len(dst) bytes fails with errOutputFull; damaged data with errDeflate.
func (f *inflater) inflateInto(dst, src []byte) (written, used int, err error) {
	// Capacities equal to lengths: the hot loops slice with s[i:i+k],
	// which the compiler checks against the capacity.
	dst, src = dst[:len(dst):len(dst)], src[:len(src):len(src)]
	br := bitReader{src: src}
	out := 0
	for {
		br.refill()
		if br.overrun() {
			return out, 0, fmt.Errorf("%w: stream truncated", errDeflate)
		}
		final := br.take(1)
		switch br.take(2) {
		case 0:
			out, err = f.storedBlock(&br, dst, out)
		case 1:
			if f.fixedLit.entries == nil {
				if err := f.buildFixed(); err != nil {
					return out, 0, err
				}
			}
			out, err = f.huffmanBlock(&br, dst, out, &f.fixedLit, &f.fixedDst)
		case 2:
			if err = f.dynamicTables(&br); err == nil {
				out, err = f.huffmanBlock(&br, dst, out, &f.lit, &f.dist)
			}
		default:
			err = fmt.Errorf("%w: reserved block type", errDeflate)
		}
		if err != nil {
			return out, 0, err
		}
		if final == 1 {
			break
		}
	}
	if br.overrun() {
		return out, 0, fmt.Errorf("%w: stream truncated", errDeflate)
	}
	// Bits still buffered but not used, rounded down to whole bytes,
	// were never part of the stream.
	used = br.pos + br.over - int(br.n/8)
	return out, used, nil
}

func (f *inflater) buildFixed() error {
	var l [288 + 32]uint8
	for i := range 288 {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	for i := 288; i < len(l); i++ {
		l[i] = 5
	}
	if err := f.fixedLit.build(l[:288], litPrimary, litLenSymbols, f.codes[:], true); err != nil {
		return err
	}
	return f.fixedDst.build(l[288:], distPrimary, distSymbols, f.codes[:], true)
}

// storedBlock copies a stored block (RFC 1951 3.2.4).
func (f *inflater) storedBlock(br *bitReader, dst []byte, out int) (int, error) {
	br.take(br.n % 8) // to the byte boundary
	// The buffered whole bytes come first, then src from br.pos.
	var hdr [4]byte
	for i := range hdr {
		if br.n < 8 {
			br.refill()
		}
		hdr[i] = byte(br.take(8))
	}
	if br.overrun() {
		return out, fmt.Errorf("%w: stream truncated", errDeflate)
	}
	n := int(binary.LittleEndian.Uint16(hdr[0:]))
	if binary.LittleEndian.Uint16(hdr[2:]) != ^uint16(n) {
		return out, fmt.Errorf("%w: stored block length check", errDeflate)
	}
	if n > len(dst)-out {
		return out, errOutputFull
	}
	for n > 0 && br.n >= 8 {
		dst[out] = byte(br.take(8))
		out++
		n--
	}
	if br.overrun() {
		return out, fmt.Errorf("%w: stream truncated", errDeflate)
	}
	// Nothing is buffered now: the rest comes straight from src.
	if n > 0 {
		br.bits, br.n = 0, 0
		if len(br.src)-br.pos < n {
			return out, fmt.Errorf("%w: stream truncated", errDeflate)
		}
		out += copy(dst[out:out+n], br.src[br.pos:])
		br.pos += n
	}
	return out, nil
}

// dynamicTables reads the code definitions of a dynamic block (RFC 1951
// 3.2.7) into f.lit and f.dist.
func (f *inflater) dynamicTables(br *bitReader) error {
	br.refill()
	nlit := int(br.take(5)) + 257
	ndist := int(br.take(5)) + 1
	nclen := int(br.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		return fmt.Errorf("%w: %d literal/length or %d distance codes", errDeflate, nlit, ndist)
	}
	var clen [19]uint8
	for i := range nclen {
		if br.n < 3 {
			br.refill()
		}
		clen[codeLenOrder[i]] = uint8(br.take(3))
	}
	if err := f.codeLen.build(clen[:], lenPrimary, plainSymbols, f.codes[:19], true); err != nil {
		return err
	}
	lengths := f.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		if br.n < 32 {
			br.refill()
		}
		e := br.decodeSym(&f.codeLen)
		if e>>8&0xff == kindInvalid {
			return fmt.Errorf("%w: invalid code length code", errDeflate)
		}
		sym := e >> 16
		var rep int
		var val uint8
		switch {
		case sym < 16:
			lengths[i] = uint8(sym)
			i++
			continue
		case sym == 16:
			if i == 0 {
				return fmt.Errorf("%w: code length repeat with no previous length", errDeflate)
			}
			val, rep = lengths[i-1], 3+int(br.take(2))
		case sym == 17:
			rep = 3 + int(br.take(3))
		default:
			rep = 11 + int(br.take(7))
		}
		if i+rep > len(lengths) {
			return fmt.Errorf("%w: code lengths run past their count", errDeflate)
		}
		for range rep {
			lengths[i] = val
			i++
		}
		if br.overrun() {
			return fmt.Errorf("%w: stream truncated", errDeflate)
		}
	}
	if lengths[256] == 0 {
		return fmt.Errorf("%w: no end-of-block code", errDeflate)
	}
	if err := f.lit.build(lengths[:nlit], litPrimary, litLenSymbols, f.codes[:], false); err != nil {
		return err
	}
	if err := f.dist.build(lengths[nlit:], distPrimary, distSymbols, f.codes[:], false); err != nil {
		return err
	}
	f.lit.lengthsWithDistances(&f.dist)
	return nil
}

// fastRoom is the output room fastSymbols keeps: the longest match, and
// the seven bytes past it that its eight-byte copies may write.
const fastRoom = 258 + 8

// Why fastSymbols stopped. The errors are made by the caller, so that the
// hot loop makes no calls: a call would make the compiler keep the loop's
// values in memory.
const (
	fastNearEnd = iota // input or output near its end: decode with care
	fastEndOfBlock
	fastBadLitLen
	fastBadDist
	fastDistTooFar
)

// fastSymbolsGeneric decodes the symbols of a Huffman block into dst from
// out on, while at least 8 bytes of input and fastRoom bytes of output remain,
// so that refilling is one load and no symbol can overflow the output. It
// makes the checks of huffmanBlock, and refills as it does when fewer than
// 48 bits are left before a symbol (two literals of one table entry count
// as one symbol). It returns the decoder's state, why it stopped, and for
// fastDistTooFar the distance. It is a function of its own, making no
// calls, and its limits use cap, as the bounds checks of s[i:i+k] do, so
// that its values fit in registers: a literal is then a table lookup, a
// sign test, two shifts and a store. fastSymbols is this loop, or the same
// in assembly where the processor allows.
func fastSymbolsGeneric(lit, dist []uint32, dst []byte, out int, src []byte, pos int, bits uint64, n uint) (int, int, uint64, uint, int, int) {
	dst, src = dst[:len(dst):len(dst)], src[:len(src):len(src)]
	litTab := (*[1 << litPrimary]uint32)(lit[:1<<litPrimary])
	for {
		// 48 bits are enough for the longest length and distance with
		// their extra bits (15 + 5 + 15 + 13).
		if n < 48 {
			if pos+8 > cap(src) {
				return out, pos, bits, n, fastNearEnd, 0
			}
			bits |= binary.LittleEndian.Uint64(src[pos:pos+8]) << (n & 63)
			pos += int(63-n) >> 3
			n |= 56
		}
		if cap(dst)-out < fastRoom {
			return out, pos, bits, n, fastNearEnd, 0
		}
		e := litTab[bits&(1<<litPrimary-1)]
		if int32(e) < 0 { // litFlag: one or two literals
			// Two bytes are written either way; a second byte that is
			// not a literal is overwritten by what follows.
			bits >>= e & 63
			n -= uint(e & 63)
			binary.LittleEndian.PutUint16(dst[out:out+2], uint16(e>>8))
			out += 1 + int(e>>30&1)
			continue
		}
		// Looked up again, from the slice, rather than reusing e: the
		// e of the literal path is then dead here, which measured a few
		// per cent faster on runs of literals (the compiler keeps it in
		// a register instead of spilling it for this path).
		e = lit[bits&(1<<litPrimary-1)]
		var length, distance int
		if e&matchFlag != 0 {
			length, distance, bits, n = takeMatch(e, bits, n)
		} else {
			if e>>8&0xff == kindLink {
				bits >>= litPrimary
				n -= litPrimary
				e = lit[int(e>>16)+int(bits&(1<<(e&63)-1))]
			}
			if int32(e) < 0 { // a literal with a long code
				bits >>= e & 63
				n -= uint(e & 63)
				dst[out] = byte(e >> 8)
				out++
				continue
			}
			if kind := e >> 8 & 0xff; kind >= kindEnd {
				if kind == kindEnd {
					bits >>= e & 63
					n -= uint(e & 63)
					return out, pos, bits, n, fastEndOfBlock, 0
				}
				return out, pos, bits, n, fastBadLitLen, 0
			}
			length = value(e, bits)
			bits >>= e & 63
			n -= uint(e & 63)

			d := dist[bits&(1<<distPrimary-1)]
			if d>>8&0xff == kindLink {
				bits >>= distPrimary
				n -= distPrimary
				d = dist[int(d>>16)+int(bits&(1<<(d&63)-1))]
			}
			if d>>8&0xff >= kindEnd {
				return out, pos, bits, n, fastBadDist, 0
			}
			distance = value(d, bits)
			bits >>= d & 63
			n -= uint(d & 63)
		}
		if distance > out {
			return out, pos, bits, n, fastDistTooFar, distance
		}
		// length ≤ 258: the copy and its slack fit in fastRoom.
		from := out - distance
		if distance >= 8 {
			// Each load lies wholly before the bytes being written.
			for k := 0; k < length; k += 8 {
				binary.LittleEndian.PutUint64(dst[out+k:out+k+8], binary.LittleEndian.Uint64(dst[from+k:from+k+8]))
			}
		} else {
			// The match repeats its first distance bytes: make eight
			// bytes of that pattern in a register, doubling it, and
			// store them at every multiple of the largest multiple of
			// distance that is at most 8, each a copy of the start.
			// (The bytes loaded past out are in the buffer, and
			// masked off.)
			w := binary.LittleEndian.Uint64(dst[from : from+8])
			w &= 1<<(8*distance) - 1
			for shift := 8 * distance; shift < 64; shift <<= 1 {
				w |= w << shift
			}
			step := 8 / distance * distance
			for k := 0; k < length; k += step {
				binary.LittleEndian.PutUint64(dst[out+k:out+k+8], w)
			}
		}
		out += length
	}
}

// huffmanBlock decodes the symbols of a Huffman block (RFC 1951 3.2.5)
// into dst from out on, up to its end-of-block code. fastSymbols decodes
// all but the symbols near the end of the input or the output, which are
// decoded here one at a time, each checked against the room left; the bit
// reader's state is kept in locals.
func (f *inflater) huffmanBlock(br *bitReader, dst []byte, out int, lit, dist *huffTable) (int, error) {
	bits, n, pos, src := br.bits, br.n, br.pos, br.src
	// The first-level tables as arrays, so that looking up needs no bounds
	// check; lengths and extra bits are masked with 63 (they are at most
	// 28), so that shifts need no range check.
	litTab := (*[1 << litPrimary]uint32)(lit.entries[:1<<litPrimary])
	distTab := (*[1 << distPrimary]uint32)(dist.entries[:1<<distPrimary])
	fast := fastSymbols
	if f.generic {
		fast = fastSymbolsGeneric
	}
	var err error
	for {
		if pos+8 <= len(src) && len(dst)-out >= fastRoom {
			var stop, distance int
			out, pos, bits, n, stop, distance = fast(lit.entries, dist.entries, dst, out, src, pos, bits, n)
			switch stop {
			case fastEndOfBlock:
				br.bits, br.n, br.pos = bits, n, pos
				return out, nil
			case fastBadLitLen:
				return out, fmt.Errorf("%w: invalid literal/length code", errDeflate)
			case fastBadDist:
				return out, fmt.Errorf("%w: invalid distance code", errDeflate)
			case fastDistTooFar:
				return out, fmt.Errorf("%w: distance %d reaches before the start of the chunk", errDeflate, distance)
			}
		}
		// Near the end of the input or the output: one symbol at a time,
		// each checked against the room left.

		// 48 bits are enough for the longest length and distance with
		// their extra bits (15 + 5 + 15 + 13).
		if n < 48 {
			if pos+8 <= len(src) {
				bits |= binary.LittleEndian.Uint64(src[pos:]) << (n & 63)
				pos += int(63-n) >> 3
				n |= 56
			} else {
				br.bits, br.n, br.pos = bits, n, pos
				br.refill()
				bits, n, pos = br.bits, br.n, br.pos
				if br.over > 8 {
					err = fmt.Errorf("%w: stream truncated", errDeflate)
					break
				}
			}
		}
		e := litTab[bits&(1<<litPrimary-1)]
		if int32(e) < 0 { // litFlag: one or two literals
			if len(dst)-out >= 2 {
				// Two bytes are written either way; a second byte that
				// is not a literal is overwritten by what follows.
				bits >>= e & 63
				n -= uint(e & 63)
				binary.LittleEndian.PutUint16(dst[out:out+2], uint16(e>>8))
				out += 1 + int(e>>30&1)
				continue
			}
			if out >= len(dst) {
				err = errOutputFull
				break
			}
			// Room for one byte: decode the first literal alone, as if
			// the entry held only it, so that the next one fails.
			k := e & 63
			if e&pairFlag != 0 {
				k = uint32(lit.lengths[e>>8&0xff])
			}
			bits >>= k
			n -= uint(k)
			dst[out] = byte(e >> 8)
			out++
			continue
		}
		var length, distance int
		if e&matchFlag != 0 {
			length, distance, bits, n = takeMatch(e, bits, n)
		} else {
			if e>>8&0xff == kindLink {
				bits >>= litPrimary
				n -= litPrimary
				e = lit.entries[int(e>>16)+int(bits&(1<<(e&63)-1))]
			}
			if int32(e) < 0 { // a literal with a long code
				if uint(out) >= uint(len(dst)) {
					err = errOutputFull
					break
				}
				bits >>= e & 63
				n -= uint(e & 63)
				dst[out] = byte(e >> 8)
				out++
				continue
			}
			if kind := e >> 8 & 0xff; kind >= kindEnd {
				if kind != kindEnd {
					err = fmt.Errorf("%w: invalid literal/length code", errDeflate)
					break
				}
				bits >>= e & 63
				n -= uint(e & 63)
				break
			}
			length = value(e, bits)
			bits >>= e & 63
			n -= uint(e & 63)

			d := distTab[bits&(1<<distPrimary-1)]
			if d>>8&0xff == kindLink {
				bits >>= distPrimary
				n -= distPrimary
				d = dist.entries[int(d>>16)+int(bits&(1<<(d&63)-1))]
			}
			if d>>8&0xff >= kindEnd {
				err = fmt.Errorf("%w: invalid distance code", errDeflate)
				break
			}
			distance = value(d, bits)
			bits >>= d & 63
			n -= uint(d & 63)
		}
		if distance > out {
			err = fmt.Errorf("%w: distance %d reaches before the start of the chunk", errDeflate, distance)
			break
		}
		if length > len(dst)-out {
			err = errOutputFull
			break
		}
		from := out - distance
		switch {
		case distance >= 8 && length <= 32 && out+40 <= len(dst):
			// Eight bytes at a time; each load lies wholly before the
			// bytes being written, and the writes past out+length are
			// overwritten by what follows.
			for k := 0; k < length; k += 8 {
				binary.LittleEndian.PutUint64(dst[out+k:], binary.LittleEndian.Uint64(dst[from+k:]))
			}
			out += length
		case distance >= length:
			copy(dst[out:out+length], dst[from:from+length])
			out += length
		default:
			// Overlapping: the source grows with every copy, doubling it.
			end := out + length
			for out < end {
				out += copy(dst[out:end], dst[from:out])
			}
		}
	}
	br.bits, br.n, br.pos = bits, n, pos
	return out, err
}
