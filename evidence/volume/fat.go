package volume

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf16"
)

// fatVolume is a FAT12/16/32 file system read from its boot sector.
type fatVolume struct {
	r             io.ReaderAt
	size          int64
	kind          string // "fat12", "fat16", "fat32"
	bps           int64  // bytes per sector
	clusterSize   int64
	fatStart      int64 // byte offset of the first FAT
	fatBytes      int64
	rootStart     int64 // FAT12/16: byte offset of the fixed root directory
	rootBytes     int64
	rootCluster   uint32 // FAT32
	dataStart     int64  // byte offset of cluster 2
	firstDataSect int64  // first sector after the FATs (The Sleuth Kit's inode base)
	clusters      uint32 // number of data clusters
	fat           []byte
}

// maxFATBytes bounds the in-memory copy of the allocation table (a FAT32
// volume with 2^28 clusters needs 1 GiB; real ones need a few MiB).
const maxFATBytes = 256 << 20

// maxDirDepth bounds directory recursion in every file system.
const maxDirDepth = 128

func isFAT(b []byte) bool {
	if len(b) < 512 || b[510] != 0x55 || b[511] != 0xAA {
		return false
	}
	if b[0] != 0xEB && b[0] != 0xE9 {
		return false
	}
	_, err := parseFATBoot(b, 1<<62)
	return err == nil
}

func parseFATBoot(b []byte, size int64) (*fatVolume, error) {
	le := binary.LittleEndian
	bps := int64(le.Uint16(b[11:]))
	spc := int64(b[13])
	reserved := int64(le.Uint16(b[14:]))
	nfats := int64(b[16])
	rootEntries := int64(le.Uint16(b[17:]))
	total := int64(le.Uint16(b[19:]))
	if total == 0 {
		total = int64(le.Uint32(b[32:]))
	}
	fatSects := int64(le.Uint16(b[22:]))
	if fatSects == 0 {
		fatSects = int64(le.Uint32(b[36:]))
	}
	switch bps {
	case 512, 1024, 2048, 4096:
	default:
		return nil, fmt.Errorf("FAT: %d bytes per sector", bps)
	}
	if spc == 0 || spc&(spc-1) != 0 || reserved == 0 || nfats == 0 || nfats > 4 || fatSects == 0 || total == 0 {
		return nil, fmt.Errorf("FAT: implausible boot sector (sectors/cluster %d, reserved %d, FATs %d, FAT sectors %d, total %d)", spc, reserved, nfats, fatSects, total)
	}
	v := &fatVolume{bps: bps, clusterSize: bps * spc}
	v.fatStart = reserved * bps
	v.fatBytes = fatSects * bps
	v.firstDataSect = reserved + nfats*fatSects
	v.rootStart = v.firstDataSect * bps
	rootSects := (rootEntries*32 + bps - 1) / bps
	v.rootBytes = rootEntries * 32
	dataSect := v.firstDataSect + rootSects
	if dataSect >= total {
		return nil, fmt.Errorf("FAT: data area starts at sector %d beyond the %d sectors of the volume", dataSect, total)
	}
	v.dataStart = dataSect * bps
	clusters := (total - dataSect) / spc
	if clusters > 0x0FFFFFF5 {
		return nil, fmt.Errorf("FAT: %d clusters", clusters)
	}
	v.clusters = uint32(clusters)
	switch {
	case clusters < 4085:
		v.kind = "fat12"
	case clusters < 65525:
		v.kind = "fat16"
	default:
		v.kind = "fat32"
		v.rootCluster = le.Uint32(b[44:])
		v.rootBytes = 0
	}
	if v.kind != "fat32" && rootEntries == 0 {
		return nil, fmt.Errorf("FAT: %s without root directory entries", v.kind)
	}
	need := map[string]int64{"fat12": (clusters + 2) * 3 / 2, "fat16": (clusters + 2) * 2, "fat32": (clusters + 2) * 4}[v.kind]
	if v.fatBytes < need {
		return nil, fmt.Errorf("FAT: allocation table of %d bytes is too small for %d clusters", v.fatBytes, clusters)
	}
	if v.fatBytes > maxFATBytes {
		return nil, fmt.Errorf("FAT: allocation table of %d bytes exceeds the %d byte limit", v.fatBytes, maxFATBytes)
	}
	if v.fatStart+v.fatBytes > size {
		return nil, fmt.Errorf("FAT: allocation table ends beyond the volume")
	}
	return v, nil
}

func openFAT(r io.ReaderAt, size int64) (*fatVolume, error) {
	var b [512]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, fmt.Errorf("FAT: reading boot sector: %w", err)
	}
	v, err := parseFATBoot(b[:], size)
	if err != nil {
		return nil, err
	}
	v.r, v.size = r, size
	// Trust no more clusters than the volume actually holds.
	if avail := (size - v.dataStart) / v.clusterSize; avail < int64(v.clusters) {
		if avail < 0 {
			avail = 0
		}
		v.clusters = uint32(avail)
	}
	v.fat = make([]byte, v.fatBytes)
	if _, err := r.ReadAt(v.fat, v.fatStart); err != nil {
		return nil, fmt.Errorf("FAT: reading allocation table at byte %d: %w", v.fatStart, err)
	}
	return v, nil
}

// next returns the FAT entry of cluster c.
func (v *fatVolume) next(c uint32) uint32 {
	switch v.kind {
	case "fat12":
		i := int(c) * 3 / 2
		if i+1 >= len(v.fat) {
			return 0x0FFFFFF7
		}
		x := uint32(binary.LittleEndian.Uint16(v.fat[i:]))
		if c&1 == 1 {
			x >>= 4
		} else {
			x &= 0xFFF
		}
		if x >= 0xFF7 {
			x |= 0x0FFFF000
		}
		return x
	case "fat16":
		i := int(c) * 2
		if i+1 >= len(v.fat) {
			return 0x0FFFFFF7
		}
		x := uint32(binary.LittleEndian.Uint16(v.fat[i:]))
		if x >= 0xFFF7 {
			x |= 0x0FFF0000
		}
		return x
	default:
		i := int(c) * 4
		if i+3 >= len(v.fat) {
			return 0x0FFFFFF7
		}
		return binary.LittleEndian.Uint32(v.fat[i:]) & 0x0FFFFFFF
	}
}

func (v *fatVolume) validCluster(c uint32) bool { return c >= 2 && c < v.clusters+2 }

func (v *fatVolume) clusterOffset(c uint32) int64 {
	return v.dataStart + int64(c-2)*v.clusterSize
}

// errChainEnd marks a chain that ends (end-of-chain mark) before the
// bytes asked for: normal for directories, an error for files.
var errChainEnd = errors.New("cluster chain ends")

// chain follows the allocation chain from start for at most maxBytes of
// content and returns it as extents. A chain that loops, points outside the
// volume or ends early is an error.
func (v *fatVolume) chain(start uint32, maxBytes int64) ([]extent, error) {
	var xs []extent
	var logical int64
	c := start
	visited := map[uint32]bool{}
	for logical < maxBytes {
		if !v.validCluster(c) {
			err := fmt.Errorf("cluster chain ends at entry %#x after %d bytes of %d", c, logical, maxBytes)
			if c >= 0x0FFFFFF8 {
				err = fmt.Errorf("%w after %d bytes of %d", errChainEnd, logical, maxBytes)
			}
			return xs, err
		}
		if visited[c] {
			return xs, fmt.Errorf("cluster chain from %d loops back to cluster %d", start, c)
		}
		visited[c] = true
		xs = appendExtent(xs, extent{logical: logical, physical: v.clusterOffset(c), length: v.clusterSize})
		logical += v.clusterSize
		c = v.next(c)
	}
	if n := len(xs); n > 0 {
		xs[n-1].length -= logical - maxBytes // last cluster is partly used
	}
	return xs, nil
}

func (v *fatVolume) freeBytes() int64 {
	var free int64
	for c := uint32(2); c < v.clusters+2; c++ {
		if v.next(c) == 0 {
			free++
		}
	}
	return free * v.clusterSize
}

type fatDirent struct {
	name     string
	attr     byte
	cluster  uint32
	size     int64
	deleted  bool
	inode    uint64
	created  time.Time
	modified time.Time
	accessed time.Time
}

// walk enumerates every file, live and deleted, sorted by name within
// each directory.
func (v *fatVolume) walk(ctx context.Context, prefix string, emit func(Entry) error) error {
	w := &fatWalker{v: v, ctx: ctx, emit: emit, prefix: prefix, seen: map[uint32]bool{}}
	if v.kind == "fat32" {
		if !v.validCluster(v.rootCluster) {
			return fmt.Errorf("FAT32: root directory cluster %d is invalid", v.rootCluster)
		}
		w.seen[v.rootCluster] = true
		return w.dirCluster(v.rootCluster, "", false, 0)
	}
	xs := []extent{{0, v.rootStart, v.rootBytes}}
	return w.dir(xs, "", false, 0)
}

type fatWalker struct {
	v      *fatVolume
	ctx    context.Context
	emit   func(Entry) error
	prefix string
	seen   map[uint32]bool // directory start clusters already walked
}

// maxFATDirBytes is the largest directory the FAT specification allows
// (65536 entries of 32 bytes).
const maxFATDirBytes = 65536 * 32

func (w *fatWalker) dirCluster(start uint32, dir string, deleted bool, depth int) error {
	v := w.v
	var xs []extent
	if deleted {
		// A deleted directory's chain is gone: read its first cluster only.
		xs = []extent{{0, v.clusterOffset(start), v.clusterSize}}
	} else {
		var err error
		xs, err = v.chain(start, min(int64(v.clusters)*v.clusterSize, maxFATDirBytes))
		if err != nil && !errors.Is(err, errChainEnd) {
			if err := w.fail(dir, fmt.Errorf("directory cluster chain: %w", err)); err != nil {
				return err
			}
		}
	}
	return w.dir(xs, dir, deleted, depth)
}

// dir reads a whole directory, mapped by xs, and walks its entries.
func (w *fatWalker) dir(xs []extent, dir string, deleted bool, depth int) error {
	var size int64
	for _, x := range xs {
		size = x.logical + x.length
	}
	buf := make([]byte, size)
	if _, err := (&extentReader{src: w.v.r, extents: xs, what: joinPath(w.prefix, dir)}).ReadAt(buf, 0); err != nil {
		return w.fail(dir, fmt.Errorf("reading directory: %w", err))
	}
	abs := func(i int64) int64 {
		j := sort.Search(len(xs), func(j int) bool { return xs[j].logical+xs[j].length > i })
		return xs[j].physical + i - xs[j].logical
	}
	ents := w.entries(buf, abs, deleted)
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
	for _, d := range ents {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if err := w.entry(d, dir, depth); err != nil {
			return err
		}
	}
	return nil
}

func (w *fatWalker) fail(p string, err error) error {
	return w.emit(Entry{Path: joinPath(w.prefix, p), FileSystem: w.v.kind, Err: err})
}

// entries decodes the 32-byte directory entries in buf; abs maps a byte
// of buf to its offset in the volume (for inode numbers).
func (w *fatWalker) entries(buf []byte, abs func(int64) int64, parentDeleted bool) []fatDirent {
	v := w.v
	var out []fatDirent
	var lfn []uint16
	var lfnSum byte
	var lfnOK bool
	for i := 0; i+32 <= len(buf); i += 32 {
		e := buf[i : i+32]
		if e[0] == 0 {
			break
		}
		deleted := e[0] == 0xE5
		attr := e[11]
		if attr&0x3F == 0x0F { // long-name piece; pieces precede their short entry, last piece first
			// A deleted piece has lost its sequence byte (0xE5 replaces
			// it), so pieces are grouped by checksum.
			if (!deleted && e[0]&0x40 != 0) || !lfnOK || e[13] != lfnSum || len(lfn) > 255 {
				lfn, lfnSum, lfnOK = nil, e[13], true
			}
			piece := make([]uint16, 0, 13)
			for _, o := range []int{1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30} {
				piece = append(piece, binary.LittleEndian.Uint16(e[o:]))
			}
			lfn = append(piece, lfn...)
			continue
		}
		long, haveLong := "", false
		if lfnOK && lfnChecksum(e[:11]) == lfnSum {
			long, haveLong = decodeLFN(lfn), true
		}
		lfn, lfnOK = nil, false
		if attr&0x08 != 0 { // volume label
			continue
		}
		name := shortName(e)
		if haveLong && long != "" {
			name = long
		}
		if name == "." || name == ".." {
			continue
		}
		a := abs(int64(i))
		d := fatDirent{
			name:     strings.ReplaceAll(name, "/", "_"),
			attr:     attr,
			cluster:  uint32(binary.LittleEndian.Uint16(e[26:])),
			size:     int64(binary.LittleEndian.Uint32(e[28:])),
			deleted:  deleted || parentDeleted,
			inode:    uint64(3 + (a/v.bps-v.firstDataSect)*(v.bps/32) + (a%v.bps)/32),
			created:  fatTime(binary.LittleEndian.Uint16(e[16:]), binary.LittleEndian.Uint16(e[14:]), e[13]),
			modified: fatTime(binary.LittleEndian.Uint16(e[24:]), binary.LittleEndian.Uint16(e[22:]), 0),
			accessed: fatTime(binary.LittleEndian.Uint16(e[18:]), 0, 0),
		}
		if v.kind == "fat32" {
			d.cluster |= uint32(binary.LittleEndian.Uint16(e[20:])) << 16
		}
		out = append(out, d)
	}
	return out
}

func (w *fatWalker) entry(d fatDirent, dir string, depth int) error {
	v := w.v
	p := path.Join(dir, d.name)
	if d.attr&0x10 != 0 {
		if !v.validCluster(d.cluster) || w.seen[d.cluster] {
			if !d.deleted && !w.seen[d.cluster] {
				return w.fail(p, fmt.Errorf("directory start cluster %d is invalid", d.cluster))
			}
			return nil // a loop, or a deleted directory whose clusters were reused
		}
		if depth+1 > maxDirDepth {
			return w.fail(p, fmt.Errorf("directory nesting deeper than %d", maxDirDepth))
		}
		if d.deleted && !w.looksLikeDir(d.cluster) {
			return nil // the deleted directory's cluster now holds something else
		}
		w.seen[d.cluster] = true
		return w.dirCluster(d.cluster, p, d.deleted, depth+1)
	}
	ent := Entry{
		Path: joinPath(w.prefix, p), Size: d.size, FileSystem: v.kind, Inode: d.inode, Deleted: d.deleted,
		Modified: d.modified, Accessed: d.accessed, Created: d.created,
	}
	var xs []extent
	switch {
	case d.size == 0:
	case d.deleted:
		// The chain is cleared on deletion; the start cluster and size
		// survive. Read the clusters that follow contiguously.
		need := (d.size + v.clusterSize - 1) / v.clusterSize
		if !v.validCluster(d.cluster) || int64(d.cluster-2)+need > int64(v.clusters) {
			ent.Err = fmt.Errorf("deleted file: start cluster %d and size %d do not fit the volume; content not recoverable from metadata", d.cluster, d.size)
			break
		}
		xs = []extent{{0, v.clusterOffset(d.cluster), d.size}}
		ent.Note = "deleted: content read from contiguous clusters after the start cluster, unverified"
	default:
		var err error
		xs, err = v.chain(d.cluster, d.size)
		if err != nil {
			ent.Err = fmt.Errorf("%s: %w", v.kind, err)
		}
	}
	if ent.Err == nil {
		r := &extentReader{src: v.r, extents: xs, what: ent.Path}
		size := d.size
		ent.open = func() (*File, error) { return NewFile(r, size), nil }
	}
	return w.emit(ent)
}

func (w *fatWalker) looksLikeDir(c uint32) bool {
	var b [32]byte
	if _, err := w.v.r.ReadAt(b[:], w.v.clusterOffset(c)); err != nil {
		return false
	}
	return string(b[:11]) == ".          " && b[11]&0x10 != 0
}

func lfnChecksum(short []byte) byte {
	var sum byte
	for _, c := range short[:11] {
		sum = (sum>>1 | sum<<7) + c
	}
	return sum
}

func decodeLFN(u []uint16) string {
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u))
}

func shortName(e []byte) string {
	b := append([]byte(nil), e[:11]...)
	switch b[0] {
	case 0xE5:
		b[0] = '_' // the first character is lost on deletion
	case 0x05:
		b[0] = 0xE5
	}
	base := strings.TrimRight(string(latin1(b[:8])), " ")
	ext := strings.TrimRight(string(latin1(b[8:11])), " ")
	if e[12]&0x08 != 0 {
		base = strings.ToLower(base)
	}
	if e[12]&0x10 != 0 {
		ext = strings.ToLower(ext)
	}
	if ext != "" {
		return base + "." + ext
	}
	return base
}

// latin1 maps OEM bytes to runes; the OEM code page is unknown, and
// Latin-1 keeps every byte distinct.
func latin1(b []byte) []rune {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return r
}

// fatTime decodes a FAT date and time. FAT stores local time without a
// zone; it is returned as if it were UTC.
func fatTime(date, tm uint16, tenths byte) time.Time {
	if date == 0 {
		return time.Time{}
	}
	t := time.Date(1980+int(date>>9), time.Month(date>>5&15), int(date&31),
		int(tm>>11), int(tm>>5&63), int(tm&31)*2, 0, time.UTC)
	return t.Add(time.Duration(tenths) * 10 * time.Millisecond)
}

func joinPath(prefix, p string) string {
	p = strings.TrimPrefix(p, "/")
	if prefix == "" {
		return p
	}
	if p == "" {
		return prefix
	}
	return prefix + "/" + p
}
