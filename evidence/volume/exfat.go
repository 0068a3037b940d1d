package volume

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"sort"
	"time"
	"unicode/utf16"
)

// exfatVolume is an exFAT file system, read after Microsoft's published
// exFAT specification: boot sector, FAT, cluster heap, directory entry
// sets (File 0x85, Stream Extension 0xC0, File Name 0xC1) and the
// allocation bitmap.
type exfatVolume struct {
	r           io.ReaderAt
	size        int64
	bps         int64
	clusterSize int64
	fatStart    int64
	heapStart   int64
	clusters    uint32
	rootCluster uint32
	fat         []byte
}

func openExFAT(r io.ReaderAt, size int64) (*exfatVolume, error) {
	var b [512]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, fmt.Errorf("exfat: reading boot sector: %w", err)
	}
	le := binary.LittleEndian
	bpsShift, spcShift := b[108], b[109]
	if string(b[3:11]) != "EXFAT   " || bpsShift < 9 || bpsShift > 12 || spcShift > 25-bpsShift {
		return nil, fmt.Errorf("exfat: invalid boot sector (sector shift %d, cluster shift %d)", bpsShift, spcShift)
	}
	v := &exfatVolume{r: r, size: size, bps: 1 << bpsShift}
	v.clusterSize = v.bps << spcShift
	v.fatStart = int64(le.Uint32(b[80:])) * v.bps
	fatLen := int64(le.Uint32(b[84:])) * v.bps
	v.heapStart = int64(le.Uint32(b[88:])) * v.bps
	v.clusters = le.Uint32(b[92:])
	v.rootCluster = le.Uint32(b[96:])
	if v.clusters == 0 || v.clusters > 0xFFFFFFF5 || fatLen < (int64(v.clusters)+2)*4 || fatLen > maxFATBytes {
		return nil, fmt.Errorf("exfat: FAT of %d bytes for %d clusters", fatLen, v.clusters)
	}
	if v.fatStart <= 0 || v.fatStart+fatLen > size || v.heapStart <= 0 || v.heapStart >= size {
		return nil, fmt.Errorf("exfat: FAT or cluster heap lies outside the volume")
	}
	if avail := (size - v.heapStart) / v.clusterSize; avail < int64(v.clusters) {
		v.clusters = uint32(avail)
	}
	v.fat = make([]byte, (int64(v.clusters)+2)*4)
	if _, err := r.ReadAt(v.fat, v.fatStart); err != nil {
		return nil, fmt.Errorf("exfat: reading FAT: %w", err)
	}
	return v, nil
}

func (v *exfatVolume) valid(c uint32) bool { return c >= 2 && c < v.clusters+2 }

func (v *exfatVolume) offset(c uint32) int64 { return v.heapStart + int64(c-2)*v.clusterSize }

// extents maps length bytes starting at cluster first, either contiguous
// (NoFatChain) or following the FAT.
func (v *exfatVolume) extents(first uint32, length int64, contiguous bool) ([]extent, error) {
	if length == 0 {
		return nil, nil
	}
	if !v.valid(first) {
		return nil, fmt.Errorf("first cluster %d is invalid", first)
	}
	if contiguous {
		if int64(first-2)*v.clusterSize+length > int64(v.clusters)*v.clusterSize {
			return nil, fmt.Errorf("%d contiguous bytes from cluster %d run past the cluster heap", length, first)
		}
		return []extent{{0, v.offset(first), length}}, nil
	}
	var xs []extent
	visited := map[uint32]bool{}
	var logical int64
	for c := first; logical < length; c = binary.LittleEndian.Uint32(v.fat[4*c:]) {
		if !v.valid(c) {
			return nil, fmt.Errorf("cluster chain ends at entry %#x after %d bytes of %d", c, logical, length)
		}
		if visited[c] {
			return nil, fmt.Errorf("cluster chain from %d loops back to cluster %d", first, c)
		}
		visited[c] = true
		n := min(v.clusterSize, length-logical)
		xs = appendExtent(xs, extent{logical, v.offset(c), n})
		logical += n
	}
	return xs, nil
}

// exfatTime decodes a timestamp with its 10 ms increment and UTC offset
// byte; without a valid offset the local time is returned as if UTC.
func exfatTime(ts uint32, ms10, utcOff byte) time.Time {
	if ts == 0 {
		return time.Time{}
	}
	t := time.Date(1980+int(ts>>25), time.Month(ts>>21&15), int(ts>>16&31), int(ts>>11&31), int(ts>>5&63), int(ts&31)*2, 0, time.UTC)
	t = t.Add(time.Duration(ms10) * 10 * time.Millisecond)
	if utcOff&0x80 != 0 {
		off := int8(utcOff<<1) >> 1 // 7-bit signed count of 15 minutes
		t = t.Add(-time.Duration(off) * 15 * time.Minute)
	}
	return t
}

type exfatWalker struct {
	v         *exfatVolume
	ctx       context.Context
	prefix    string
	emit      func(Entry) error
	seen      map[uint32]bool
	bitmap    []extent
	bitmapLen int64
}

func (v *exfatVolume) walk(ctx context.Context, prefix string, emit func(Entry) error) (*exfatWalker, error) {
	w := &exfatWalker{v: v, ctx: ctx, prefix: prefix, emit: emit, seen: map[uint32]bool{v.rootCluster: true}}
	if !v.valid(v.rootCluster) {
		return w, fmt.Errorf("exfat: root directory cluster %d is invalid", v.rootCluster)
	}
	return w, w.dir(v.rootCluster, false, 0, "", 0)
}

func (w *exfatWalker) fail(p string, err error) error {
	return w.emit(Entry{Path: joinPath(w.prefix, p), FileSystem: "exfat", Err: fmt.Errorf("exfat: %w", err)})
}

// maxDirBytes bounds one directory (the specification allows 256 MiB).
const maxDirBytes = 256 << 20

func (w *exfatWalker) dir(first uint32, contiguous bool, length int64, p string, depth int) error {
	v := w.v
	if length == 0 { // the root: follow the chain to its end
		length = min(int64(v.clusters)*v.clusterSize, maxDirBytes)
		var n int64
		visited := map[uint32]bool{}
		for c := first; v.valid(c) && !visited[c] && n < length; c = binary.LittleEndian.Uint32(v.fat[4*c:]) {
			visited[c] = true
			n += v.clusterSize
		}
		length = n
	}
	if length > maxDirBytes || length > v.size {
		return w.fail(p, fmt.Errorf("directory of %d bytes", length))
	}
	xs, err := v.extents(first, length, contiguous)
	if err != nil {
		return w.fail(p, fmt.Errorf("directory: %w", err))
	}
	data := make([]byte, length)
	if _, err := (&extentReader{src: v.r, extents: xs, what: p}).ReadAt(data, 0); err != nil {
		return w.fail(p, err)
	}
	// absOffset maps a byte of the directory to the volume, for inode numbers.
	absOffset := func(i int64) int64 {
		j := sort.Search(len(xs), func(j int) bool { return xs[j].logical+xs[j].length > i })
		return xs[j].physical + i - xs[j].logical
	}
	type set struct {
		name    string
		entry   []byte
		stream  []byte
		deleted bool
		inode   uint64
	}
	var sets []set
	le := binary.LittleEndian
	for i := int64(0); i+32 <= int64(len(data)); i += 32 {
		e := data[i : i+32]
		typ := e[0]
		if typ == 0 {
			break
		}
		if typ == 0x81 && p == "" && w.bitmap == nil {
			bx, err := v.extents(le.Uint32(e[20:]), int64(le.Uint64(e[24:])), false)
			if err == nil {
				w.bitmap, w.bitmapLen = bx, int64(le.Uint64(e[24:]))
			}
			continue
		}
		if typ&0x7F != 0x05 { // not a File entry, live (0x85) or deleted (0x05)
			continue
		}
		secondary := int64(e[1])
		if secondary < 2 || i+32*(secondary+1) > int64(len(data)) {
			continue
		}
		s := set{entry: e, deleted: typ&0x80 == 0}
		var name []uint16
		okSet := true
		for k := int64(1); k <= secondary; k++ {
			se := data[i+32*k : i+32*(k+1)]
			if se[0]&0x80 == 0 != s.deleted {
				okSet = false
				break
			}
			switch se[0] & 0x7F {
			case 0x40:
				if k != 1 {
					okSet = false
				}
				s.stream = se
			case 0x41:
				for c := 2; c+1 < 32; c += 2 {
					name = append(name, le.Uint16(se[c:]))
				}
			}
		}
		if !okSet || s.stream == nil {
			continue
		}
		if n := int(s.stream[3]); n <= len(name) {
			name = name[:n]
		}
		s.name = safeName(string(utf16.Decode(name)))
		s.inode = uint64(3 + (absOffset(i)-v.heapStart)/32)
		sets = append(sets, s)
		i += 32 * secondary
	}
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].name < sets[j].name })
	for _, s := range sets {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		cp := path.Join(p, s.name)
		flags := s.stream[1]
		first := le.Uint32(s.stream[20:])
		size := int64(le.Uint64(s.stream[24:]))
		valid := int64(le.Uint64(s.stream[8:]))
		contiguous := flags&2 != 0
		attrs := le.Uint16(s.entry[4:])
		if attrs&0x10 != 0 {
			if s.deleted || w.seen[first] {
				continue // deleted directories are not followed; loops are cut
			}
			if depth+1 > maxDirDepth {
				if err := w.fail(cp, fmt.Errorf("directory nesting deeper than %d", maxDirDepth)); err != nil {
					return err
				}
				continue
			}
			w.seen[first] = true
			if err := w.dir(first, contiguous, size, cp, depth+1); err != nil {
				return err
			}
			continue
		}
		ent := Entry{Path: joinPath(w.prefix, cp), Size: size, FileSystem: "exfat", Inode: s.inode, Deleted: s.deleted,
			Created:  exfatTime(le.Uint32(s.entry[8:]), s.entry[20], s.entry[22]),
			Modified: exfatTime(le.Uint32(s.entry[12:]), s.entry[21], s.entry[23]),
			Accessed: exfatTime(le.Uint32(s.entry[16:]), 0, s.entry[24]),
		}
		if size < 0 || valid < 0 || valid > size {
			ent.Err = fmt.Errorf("exfat: entry claims %d bytes with %d valid", size, valid)
		} else {
			if s.deleted && !contiguous {
				// The chain of a deleted file is not trustworthy: read
				// the clusters that follow the first one.
				contiguous = true
				ent.Note = "deleted: content read from contiguous clusters after the first cluster, unverified"
			} else if s.deleted {
				ent.Note = "deleted: content read from its contiguous allocation, unverified"
			}
			xs, err := v.extents(first, valid, contiguous)
			if err != nil {
				ent.Err = fmt.Errorf("exfat: %w", err)
			} else {
				if valid < size {
					xs = appendExtent(xs, extent{valid, -1, size - valid}) // beyond ValidDataLength reads as zeros
				}
				r := &extentReader{src: v.r, extents: xs, what: ent.Path}
				ent.open = func() (*File, error) { return NewFile(r, size), nil }
			}
		}
		if err := w.emit(ent); err != nil {
			return err
		}
	}
	return nil
}

// freeBytes counts the clear bits of the allocation bitmap.
func (w *exfatWalker) freeBytes() (int64, error) {
	v := w.v
	if w.bitmap == nil {
		return 0, fmt.Errorf("exfat: no allocation bitmap in the root directory")
	}
	need := (int64(v.clusters) + 7) / 8
	if w.bitmapLen < need || need > maxFATBytes {
		return 0, fmt.Errorf("exfat: allocation bitmap of %d bytes for %d clusters", w.bitmapLen, v.clusters)
	}
	b := make([]byte, need)
	if _, err := (&extentReader{src: v.r, extents: w.bitmap, what: "allocation bitmap"}).ReadAt(b, 0); err != nil {
		return 0, err
	}
	var free int64
	for c := int64(0); c < int64(v.clusters); c++ {
		if b[c/8]&(1<<(c%8)) == 0 {
			free++
		}
	}
	return free * v.clusterSize, nil
}
