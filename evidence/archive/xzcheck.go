package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The xz decoder allocates the LZMA2 dictionary a block header asks for in
// full (up to 4 GiB) before it decodes a byte, so the dictionaries are
// checked first. The xz format (tukaani.org/xz/xz-file-format.txt) puts an
// index at the end of each stream that gives every block's size, so every
// block header can be found and read without decompressing; when the index
// cannot be read (a truncated file), only the first block header is
// checked.

const (
	xzHeaderSize  = 12
	xzFooterSize  = 12
	lzma2FilterID = 0x21
)

var xzFooterMagic = []byte("YZ")

func checkXZDictionaries(r io.ReaderAt, size, maxDict int64) error {
	offsets, err := xzBlockOffsets(r, size)
	if err != nil {
		offsets = []int64{xzHeaderSize} // truncated or damaged: check what we can
	}
	for _, off := range offsets {
		dict, err := xzBlockDictionary(r, size, off)
		if err != nil {
			if off == xzHeaderSize && len(offsets) == 1 {
				return nil // not our business: let the decoder report the damage
			}
			continue
		}
		if dict > maxDict {
			return &LimitError{Limit: LimitDict, Max: maxDict,
				Detail: fmt.Sprintf("xz block at offset %d asks for a %d-byte dictionary, at most %d allowed", off, dict, maxDict)}
		}
	}
	return nil
}

// xzBlockOffsets lists the offsets of all block headers, walking the
// streams backwards from the end of the file through their indexes.
func xzBlockOffsets(r io.ReaderAt, size int64) ([]int64, error) {
	var offsets []int64
	end := size
	buf := make([]byte, 4)
	for end > 0 {
		// Stream padding: multiples of four zero bytes.
		for end >= 4 {
			if _, err := r.ReadAt(buf, end-4); err != nil {
				return nil, err
			}
			if binary.LittleEndian.Uint32(buf) != 0 {
				break
			}
			end -= 4
		}
		if end < xzHeaderSize+xzFooterSize {
			return nil, errors.New("xz: no stream footer")
		}
		footer := make([]byte, xzFooterSize)
		if _, err := r.ReadAt(footer, end-xzFooterSize); err != nil {
			return nil, err
		}
		if !bytes.Equal(footer[10:], xzFooterMagic) {
			return nil, errors.New("xz: no stream footer")
		}
		indexSize := (int64(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
		indexStart := end - xzFooterSize - indexSize
		if indexStart < xzHeaderSize {
			return nil, errors.New("xz: index out of range")
		}
		index := make([]byte, indexSize)
		if _, err := r.ReadAt(index, indexStart); err != nil {
			return nil, err
		}
		sizes, err := parseXZIndex(index)
		if err != nil {
			return nil, err
		}
		var total int64
		for _, s := range sizes {
			total += (s + 3) &^ 3
			if total > indexStart {
				return nil, errors.New("xz: index lists more data than the file holds")
			}
		}
		start := indexStart - total - xzHeaderSize
		if start < 0 {
			return nil, errors.New("xz: index lists more data than the file holds")
		}
		head := make([]byte, len(magicXZ))
		if _, err := r.ReadAt(head, start); err != nil || !bytes.Equal(head, magicXZ) {
			return nil, errors.New("xz: stream header not where the index says")
		}
		off := start + xzHeaderSize
		for _, s := range sizes {
			offsets = append(offsets, off)
			off += (s + 3) &^ 3
		}
		end = start
	}
	return offsets, nil
}

// parseXZIndex returns the unpadded sizes of the blocks an index lists.
func parseXZIndex(index []byte) ([]int64, error) {
	if len(index) < 1 || index[0] != 0 {
		return nil, errors.New("xz: bad index indicator")
	}
	p := index[1:]
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p))/2 {
		return nil, errors.New("xz: bad index record count")
	}
	p = p[n:]
	sizes := make([]int64, 0, count)
	for range count {
		unpadded, n := binary.Uvarint(p)
		if n <= 0 || unpadded == 0 || unpadded > 1<<62 {
			return nil, errors.New("xz: bad index record")
		}
		p = p[n:]
		if _, n = binary.Uvarint(p); n <= 0 {
			return nil, errors.New("xz: bad index record")
		}
		p = p[n:]
		sizes = append(sizes, int64(unpadded))
	}
	return sizes, nil
}

// xzBlockDictionary returns the largest LZMA2 dictionary the block header
// at off asks for (0 if it has no LZMA2 filter).
func xzBlockDictionary(r io.ReaderAt, size, off int64) (int64, error) {
	if off < 0 || off >= size {
		return 0, errors.New("xz: block header out of range")
	}
	b := make([]byte, 1)
	if _, err := r.ReadAt(b, off); err != nil {
		return 0, err
	}
	if b[0] == 0 {
		return 0, nil // index indicator: a stream without blocks
	}
	hdr := make([]byte, (int(b[0])+1)*4)
	if n, err := r.ReadAt(hdr, off); n < len(hdr) {
		return 0, err
	}
	flags := hdr[1]
	p := hdr[2 : len(hdr)-4]
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} { // compressed, uncompressed size
		if present {
			_, n := binary.Uvarint(p)
			if n <= 0 {
				return 0, errors.New("xz: bad block header")
			}
			p = p[n:]
		}
	}
	var dict int64
	for range int(flags&3) + 1 {
		id, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, errors.New("xz: bad filter flags")
		}
		p = p[n:]
		propSize, n := binary.Uvarint(p)
		if n <= 0 || propSize > uint64(len(p)-n) {
			return 0, errors.New("xz: bad filter flags")
		}
		props := p[n : n+int(propSize)]
		p = p[n+int(propSize):]
		if id == lzma2FilterID && len(props) == 1 {
			d := lzma2Dictionary(props[0])
			dict = max(dict, d)
		}
	}
	return dict, nil
}

// lzma2Dictionary decodes the LZMA2 dictionary size byte: 2 or 3 times a
// power of two, 40 meaning 4 GiB - 1; values above 40 are invalid and
// treated as the largest.
func lzma2Dictionary(b byte) int64 {
	if b >= 40 {
		return 1<<32 - 1
	}
	return int64(2|b&1) << (b/2 + 11)
}
