package archive

import (
	"bytes"
)

// A Format names an archive or compression format.
type Format string

// The formats Walk reads. The empty Format means "not an archive".
const (
	Zip      Format = "zip"
	Tar      Format = "tar"
	Gzip     Format = "gzip"
	Bzip2    Format = "bzip2"
	XZ       Format = "xz"
	SevenZip Format = "7z"
	RAR      Format = "rar"
)

// Formats lists every format Walk reads, in a fixed order.
var Formats = []Format{Zip, Tar, Gzip, Bzip2, XZ, SevenZip, RAR}

// HeadSize is how many leading bytes Detect needs: a TAR header block.
const HeadSize = 512

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicGzip     = []byte{0x1f, 0x8b, 0x08} // deflate is the only defined method
	magicXZ       = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magic7z       = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}
	magicRAR4     = []byte("Rar!\x1a\x07\x00")
	magicRAR5     = []byte("Rar!\x1a\x07\x01\x00")
	bzip2Block    = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59} // BCD pi
	bzip2End      = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90} // BCD sqrt(pi)
)

// Detect recognises the format of content that starts with head (at least
// HeadSize bytes, or the whole content if it is shorter). It returns "" if
// head is none of the formats Walk reads. Self-extracting archives (an
// executable with an archive appended) are not recognised.
func Detect(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZipEmpty):
		return Zip
	case bytes.HasPrefix(head, magic7z):
		return SevenZip
	case bytes.HasPrefix(head, magicRAR4), bytes.HasPrefix(head, magicRAR5):
		return RAR
	case bytes.HasPrefix(head, magicXZ):
		return XZ
	case isGzip(head):
		return Gzip
	case isBzip2(head):
		return Bzip2
	case isTar(head):
		return Tar
	}
	return ""
}

// isGzip checks the magic and deflate method, and then (three bytes
// being common enough by chance) that the reserved flag bits are clear and
// the operating system byte is one RFC 1952 defines (0-13, or 255).
func isGzip(head []byte) bool {
	if len(head) < 10 || !bytes.HasPrefix(head, magicGzip) {
		return false
	}
	return head[3]&0xe0 == 0 && (head[9] <= 13 || head[9] == 255)
}

// isBzip2 checks "BZh", a block size digit, and the magic of the first
// block or of the end of an empty stream: "BZh" alone is too common in text.
func isBzip2(head []byte) bool {
	if len(head) < 10 || head[0] != 'B' || head[1] != 'Z' || head[2] != 'h' || head[3] < '1' || head[3] > '9' {
		return false
	}
	return bytes.Equal(head[4:10], bzip2Block) || bytes.Equal(head[4:10], bzip2End)
}

// isTar recognises a TAR header block: the POSIX or GNU magic at offset
// 257, or, for old v7 archives that have no magic, a valid header checksum
// over a block whose name and size fields look like a header's.
func isTar(head []byte) bool {
	if len(head) < HeadSize {
		return false
	}
	blk := head[:HeadSize]
	magic := blk[257:265]
	if bytes.Equal(magic[:6], []byte("ustar\x00")) || bytes.Equal(magic, []byte("ustar  \x00")) {
		return tarChecksumOK(blk)
	}
	// v7: a name, an octal size, and a checksum that matches.
	if blk[0] == 0 {
		return false
	}
	if _, ok := parseOctal(blk[124:136]); !ok {
		return false
	}
	return tarChecksumOK(blk)
}

// tarChecksumOK compares the header checksum field (offset 148, 8 bytes)
// with the sum of the block's bytes, the field itself counted as spaces.
// Historic implementations summed signed chars, so both sums are accepted.
func tarChecksumOK(blk []byte) bool {
	want, ok := parseOctal(blk[148:156])
	if !ok {
		return false
	}
	var unsigned, signed int64
	for i, b := range blk {
		if i >= 148 && i < 156 {
			b = ' '
		}
		unsigned += int64(b)
		signed += int64(int8(b))
	}
	return want == unsigned || want == signed
}

// parseOctal parses a NUL- or space-terminated octal field, allowing
// leading spaces. An empty field is not a number.
func parseOctal(field []byte) (int64, bool) {
	field = bytes.TrimLeft(field, " ")
	if i := bytes.IndexAny(field, " \x00"); i >= 0 {
		field = field[:i]
	}
	if len(field) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return 0, false
		}
		if n > 1<<60 {
			return 0, false
		}
		n = n<<3 | int64(c-'0')
	}
	return n, true
}
