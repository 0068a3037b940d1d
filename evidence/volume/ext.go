package volume

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"sort"
	"time"
)

// extVolume is an ext2/3/4 file system: the read-only subset needed to
// list files and read their content (superblock, group descriptors,
// inodes, extent trees and block maps, linear directory blocks, which
// also covers hashed directories).
type extVolume struct {
	r           io.ReaderAt
	size        int64
	kind        string
	bs          int64 // block size
	blocks      uint64
	freeBlocks  uint64
	inodes      uint32
	ipg         uint32 // inodes per group
	inodeSize   int64
	descSize    int64
	firstData   uint64
	groups      uint32
	inodeTables []uint64
}

const (
	extMagic          = 0xEF53
	extIncompatExtent = 0x40
	extIncompat64     = 0x80
	extIncompatMetaBG = 0x10
	extInlineDataFl   = 0x10000000
	extExtentsFl      = 0x80000
	extEncryptFl      = 0x800
	maxExtents        = 1 << 20 // per file; a 4 KiB-block file of 4 TiB fits
)

// isExt recognises an ext2/3/4 superblock at offset 1024. The two-byte
// magic alone turns up in one random file in 65,536, so the fields every
// mke2fs writes must be sane too; openExt checks the rest.
func isExt(b []byte) bool {
	return len(b) >= 1024+512 && extSuperblockSane(b[1024:1024+512])
}

// extSuperblockSane checks the superblock sb (its first 512 bytes) for
// values no ext2/3/4 file system has been created with.
func extSuperblockSane(sb []byte) bool {
	le := binary.LittleEndian
	if le.Uint16(sb[56:]) != extMagic {
		return false
	}
	inodes, blocksLo := le.Uint32(sb[0:]), le.Uint32(sb[4:])
	firstData, logBS := le.Uint32(sb[20:]), le.Uint32(sb[24:])
	bpg, ipg := le.Uint32(sb[32:]), le.Uint32(sb[40:])
	state, errPolicy := le.Uint16(sb[58:]), le.Uint16(sb[60:])
	creatorOS, rev := le.Uint32(sb[72:]), le.Uint32(sb[76:])
	incompat := le.Uint32(sb[96:])
	if logBS > 6 || rev > 1 || inodes == 0 || bpg == 0 || ipg == 0 {
		return false
	}
	bs := uint32(1024) << logBS
	// One block of bitmap per group bounds the inodes of a group; the
	// blocks of a group likewise, unless bigalloc counts clusters.
	if ipg > 8*bs || ipg > inodes {
		return false
	}
	// The superblock sits in block 1 with 1 KiB blocks, else in block 0.
	if (logBS == 0 && firstData != 1) || (logBS > 0 && firstData != 0) {
		return false
	}
	// s_state: clean, errors, orphans being recovered; s_errors: continue,
	// remount read-only, panic (0 from very old mke2fs); s_creator_os:
	// Linux, Hurd, Masix, FreeBSD, Lites.
	if state > 7 || errPolicy > 3 || creatorOS > 4 {
		return false
	}
	blocksHi := uint32(0)
	if incompat&extIncompat64 != 0 {
		blocksHi = le.Uint32(sb[336:])
	}
	if blocksLo == 0 && blocksHi == 0 {
		return false
	}
	if rev >= 1 {
		inodeSize := uint32(le.Uint16(sb[88:]))
		if inodeSize < 128 || inodeSize > bs || inodeSize&(inodeSize-1) != 0 {
			return false
		}
		if le.Uint32(sb[84:]) == 0 { // s_first_ino: the first non-reserved inode
			return false
		}
	}
	return true
}

func openExt(r io.ReaderAt, size int64) (*extVolume, error) {
	sb := make([]byte, 1024)
	if _, err := r.ReadAt(sb, 1024); err != nil {
		return nil, fmt.Errorf("ext: reading superblock: %w", err)
	}
	le := binary.LittleEndian
	if le.Uint16(sb[56:]) != extMagic {
		return nil, fmt.Errorf("ext: no superblock magic")
	}
	v := &extVolume{r: r, size: size}
	logBS := le.Uint32(sb[24:])
	if logBS > 6 {
		return nil, fmt.Errorf("ext: block size 2^(10+%d)", logBS)
	}
	v.bs = 1024 << logBS
	v.inodes = le.Uint32(sb[0:])
	v.blocks = uint64(le.Uint32(sb[4:]))
	v.freeBlocks = uint64(le.Uint32(sb[12:]))
	v.firstData = uint64(le.Uint32(sb[20:]))
	bpg := le.Uint32(sb[32:])
	v.ipg = le.Uint32(sb[40:])
	v.inodeSize = 128
	if le.Uint32(sb[76:]) >= 1 {
		v.inodeSize = int64(le.Uint16(sb[88:]))
	}
	compat, incompat := le.Uint32(sb[92:]), le.Uint32(sb[96:])
	v.descSize = 32
	if incompat&extIncompat64 != 0 {
		v.descSize = int64(le.Uint16(sb[254:]))
		v.blocks |= uint64(le.Uint32(sb[336:])) << 32
		v.freeBlocks |= uint64(le.Uint32(sb[344:])) << 32
		if v.descSize < 32 || v.descSize > 1024 {
			return nil, fmt.Errorf("ext: group descriptor size %d", v.descSize)
		}
	}
	switch {
	case incompat&extIncompatExtent != 0:
		v.kind = "ext4"
	case compat&0x4 != 0:
		v.kind = "ext3"
	default:
		v.kind = "ext2"
	}
	if incompat&extIncompatMetaBG != 0 {
		return nil, fmt.Errorf("%s: meta_bg group descriptor layout is not supported", v.kind)
	}
	if bpg == 0 || v.ipg == 0 || v.inodeSize < 128 || v.inodeSize > v.bs || v.inodeSize&(v.inodeSize-1) != 0 {
		return nil, fmt.Errorf("%s: implausible superblock (blocks/group %d, inodes/group %d, inode size %d)", v.kind, bpg, v.ipg, v.inodeSize)
	}
	if v.blocks == 0 || v.blocks > uint64(size/v.bs)+1 {
		// A truncated image: trust only what is there.
		if v.blocks == 0 {
			return nil, fmt.Errorf("%s: zero blocks", v.kind)
		}
		v.blocks = uint64(size / v.bs)
	}
	groups := (v.blocks - v.firstData + uint64(bpg) - 1) / uint64(bpg)
	if groups == 0 || groups > uint64(size/v.descSize) {
		return nil, fmt.Errorf("%s: %d block groups do not fit the volume", v.kind, groups)
	}
	v.groups = uint32(groups)
	gdt := make([]byte, int64(groups)*v.descSize)
	if _, err := r.ReadAt(gdt, int64(v.firstData+1)*v.bs); err != nil {
		return nil, fmt.Errorf("%s: reading group descriptors: %w", v.kind, err)
	}
	v.inodeTables = make([]uint64, groups)
	for g := range v.inodeTables {
		d := gdt[int64(g)*v.descSize:]
		t := uint64(le.Uint32(d[8:]))
		if v.descSize >= 64 {
			t |= uint64(le.Uint32(d[0x28:])) << 32
		}
		v.inodeTables[g] = t
	}
	return v, nil
}

type extInode struct {
	num   uint32
	mode  uint16
	dtime uint32
	flags uint32
	size  int64
	block []byte // the 60-byte i_block area
	times [4]time.Time
}

func (v *extVolume) inode(n uint32) (*extInode, error) {
	if n == 0 || n > v.inodes {
		return nil, fmt.Errorf("inode %d out of range", n)
	}
	g := (n - 1) / v.ipg
	if g >= v.groups {
		return nil, fmt.Errorf("inode %d: group %d beyond the %d groups", n, g, v.groups)
	}
	tb := v.inodeTables[g]
	if tb >= v.blocks {
		return nil, fmt.Errorf("inode %d: inode table block %d beyond the volume", n, tb)
	}
	b := make([]byte, v.inodeSize)
	if _, err := v.r.ReadAt(b, int64(tb)*v.bs+int64((n-1)%v.ipg)*v.inodeSize); err != nil {
		return nil, fmt.Errorf("inode %d: %w", n, err)
	}
	le := binary.LittleEndian
	in := &extInode{num: n, mode: le.Uint16(b[0:]), flags: le.Uint32(b[32:]), block: b[40:100]}
	in.size = int64(le.Uint32(b[4:])) | int64(le.Uint32(b[108:]))<<32
	in.dtime = le.Uint32(b[20:])
	extra := 0
	if v.inodeSize > 128 {
		extra = int(le.Uint16(b[128:]))
	}
	ts := func(secOff, extraOff int) time.Time {
		sec := int64(int32(le.Uint32(b[secOff:])))
		var nsec int64
		if extraOff > 0 && 128+extra >= extraOff+4 {
			x := le.Uint32(b[extraOff:])
			sec += int64(x&3) << 32
			nsec = int64(x >> 2)
		}
		if sec == 0 && nsec == 0 {
			return time.Time{}
		}
		return time.Unix(sec, nsec).UTC()
	}
	in.times = [4]time.Time{ts(16, 0x88), ts(8, 0x8C), ts(12, 0x84), {}}
	if 128+extra >= 0x94+4 {
		in.times[3] = ts(0x90, 0x94)
	}
	return in, nil
}

// extents maps the inode's content to the volume, with holes filled in up
// to size.
func (v *extVolume) extents(in *extInode) ([]extent, error) {
	var xs []extent
	var err error
	if in.flags&extExtentsFl != 0 {
		visited := map[uint64]bool{}
		xs, err = v.extentTree(in.block, 0, visited, nil)
	} else {
		xs, err = v.blockMap(in)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].logical < xs[j].logical })
	var out []extent
	var pos int64
	for _, x := range xs {
		if x.logical < pos {
			return nil, fmt.Errorf("overlapping extents at file byte %d", x.logical)
		}
		if x.logical >= in.size {
			break
		}
		if x.logical > pos {
			out = appendExtent(out, extent{pos, -1, x.logical - pos})
		}
		x.length = min(x.length, in.size-x.logical)
		out = appendExtent(out, x)
		pos = x.logical + x.length
	}
	if pos < in.size {
		out = appendExtent(out, extent{pos, -1, in.size - pos})
	}
	return out, nil
}

func (v *extVolume) extentTree(node []byte, depth int, visited map[uint64]bool, xs []extent) ([]extent, error) {
	le := binary.LittleEndian
	if len(node) < 12 || le.Uint16(node[0:]) != 0xF30A {
		return xs, fmt.Errorf("bad extent header")
	}
	entries := int(le.Uint16(node[2:]))
	d := int(le.Uint16(node[6:]))
	if 12+12*entries > len(node) || d > 5 || depth > 5 {
		return xs, fmt.Errorf("extent node with %d entries at depth %d does not fit", entries, d)
	}
	for i := 0; i < entries; i++ {
		e := node[12+12*i:]
		lblock := int64(le.Uint32(e[0:]))
		if d == 0 {
			n := int64(le.Uint16(e[4:]))
			unwritten := n > 32768
			if unwritten {
				n -= 32768
			}
			start := uint64(le.Uint16(e[6:]))<<32 | uint64(le.Uint32(e[8:]))
			if start+uint64(n) > v.blocks {
				return xs, fmt.Errorf("extent at block %d+%d lies beyond the volume", start, n)
			}
			phys := int64(start) * v.bs
			if unwritten {
				phys = -1 // allocated but never written: reads as zeros
			}
			xs = append(xs, extent{lblock * v.bs, phys, n * v.bs})
			if len(xs) > maxExtents {
				return xs, fmt.Errorf("more than %d extents", maxExtents)
			}
			continue
		}
		leaf := uint64(le.Uint16(e[8:]))<<32 | uint64(le.Uint32(e[4:]))
		if leaf >= v.blocks || visited[leaf] {
			return xs, fmt.Errorf("extent index points to block %d (outside the volume or already visited)", leaf)
		}
		visited[leaf] = true
		b := make([]byte, v.bs)
		if _, err := v.r.ReadAt(b, int64(leaf)*v.bs); err != nil {
			return xs, fmt.Errorf("reading extent block %d: %w", leaf, err)
		}
		var err error
		if xs, err = v.extentTree(b, depth+1, visited, xs); err != nil {
			return xs, err
		}
	}
	return xs, nil
}

// blockMap reads the ext2/3 direct and indirect block pointers.
func (v *extVolume) blockMap(in *extInode) ([]extent, error) {
	le := binary.LittleEndian
	nblocks := (in.size + v.bs - 1) / v.bs
	var xs []extent
	var lblock int64
	ptrs := v.bs / 4
	var walk func(b uint32, level int) error
	walk = func(b uint32, level int) error {
		if lblock >= nblocks {
			return nil
		}
		if level == 0 {
			if b != 0 {
				if uint64(b) >= v.blocks {
					return fmt.Errorf("block pointer %d beyond the volume", b)
				}
				xs = appendExtent(xs, extent{lblock * v.bs, int64(b) * v.bs, v.bs})
			}
			lblock++
			return nil
		}
		span := int64(1)
		for i := 0; i < level; i++ {
			span *= ptrs
		}
		if b == 0 {
			lblock += span // a hole
			return nil
		}
		if uint64(b) >= v.blocks {
			return fmt.Errorf("indirect block %d beyond the volume", b)
		}
		buf := make([]byte, v.bs)
		if _, err := v.r.ReadAt(buf, int64(b)*v.bs); err != nil {
			return fmt.Errorf("reading indirect block %d: %w", b, err)
		}
		for i := int64(0); i < ptrs && lblock < nblocks; i++ {
			if err := walk(le.Uint32(buf[4*i:]), level-1); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < 15; i++ {
		level := 0
		if i >= 12 {
			level = i - 11
		}
		if err := walk(le.Uint32(in.block[4*i:]), level); err != nil {
			return xs, err
		}
		if len(xs) > maxExtents {
			return xs, fmt.Errorf("more than %d extents", maxExtents)
		}
	}
	return xs, nil
}

type extWalker struct {
	v      *extVolume
	ctx    context.Context
	prefix string
	emit   func(Entry) error
	seen   map[uint32]bool // directory inodes already walked
	// deletedNames counts directory entries found in the slack of live
	// entries: names of deleted files, whose content ext4 does not keep.
	deletedNames int64
}

func (w *extWalker) fail(p string, inode uint32, err error) error {
	return w.emit(Entry{Path: joinPath(w.prefix, p), FileSystem: w.v.kind, Inode: uint64(inode), Err: fmt.Errorf("%s: %w", w.v.kind, err)})
}

func (w *extWalker) dir(num uint32, dirPath string, depth int) error {
	v := w.v
	in, err := v.inode(num)
	if err != nil {
		return w.fail(dirPath, num, err)
	}
	if in.flags&extInlineDataFl != 0 {
		return w.fail(dirPath, num, fmt.Errorf("directory with inline data is not supported"))
	}
	if in.size > min(1<<28, v.size) {
		return w.fail(dirPath, num, fmt.Errorf("directory of %d bytes", in.size))
	}
	xs, err := v.extents(in)
	if err != nil {
		return w.fail(dirPath, num, fmt.Errorf("directory inode %d: %w", num, err))
	}
	data := make([]byte, in.size)
	if _, err := (&extentReader{src: v.r, extents: xs, what: dirPath}).ReadAt(data, 0); err != nil {
		return w.fail(dirPath, num, err)
	}
	var ents, deleted []dirent
	le := binary.LittleEndian
	for blk := int64(0); blk < int64(len(data)); blk += v.bs {
		b := data[blk:min(blk+v.bs, int64(len(data)))]
		for off := 0; off+8 <= len(b); {
			ino := le.Uint32(b[off:])
			recLen := int(le.Uint16(b[off+4:]))
			nameLen := int(b[off+6])
			if recLen < 8 || off+recLen > len(b) || recLen%4 != 0 {
				break // corrupt: the rest of this block is unreadable
			}
			if ino != 0 && 8+nameLen <= recLen {
				ents = append(ents, dirent{inode: ino, name: string(b[off+8 : off+8+nameLen]), ftype: b[off+7]})
			}
			if used := (8 + nameLen + 3) &^ 3; recLen-used >= 12 {
				deleted = append(deleted, slackNames(b[off+used:off+recLen])...)
			}
			off += recLen
		}
	}
	for i := range deleted {
		deleted[i].deleted = true
	}
	ents = append(ents, deleted...)
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
	for _, d := range ents {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if d.name == "." || d.name == ".." {
			continue
		}
		p := path.Join(dirPath, safeName(d.name))
		if d.deleted {
			if err := w.deletedFile(d, p); err != nil {
				return err
			}
			continue
		}
		if d.ftype == 2 || d.ftype == 0 {
			child, err := v.inode(d.inode)
			if err != nil {
				if err := w.fail(p, d.inode, err); err != nil {
					return err
				}
				continue
			}
			if child.mode&0xF000 == 0x4000 {
				if w.seen[d.inode] {
					continue // a hard-linked directory or a loop
				}
				if depth+1 > maxDirDepth {
					if err := w.fail(p, d.inode, fmt.Errorf("directory nesting deeper than %d", maxDirDepth)); err != nil {
						return err
					}
					continue
				}
				w.seen[d.inode] = true
				if err := w.dir(d.inode, p, depth+1); err != nil {
					return err
				}
				continue
			}
		}
		if err := w.file(d.inode, p); err != nil {
			return err
		}
	}
	return nil
}

type dirent struct {
	inode   uint32
	name    string
	ftype   byte
	deleted bool // found in the slack of a live entry
}

// slackNames returns plausible directory entries left in the unused tail
// of a live entry, where ext deletes a name by growing the previous
// entry's rec_len over it.
func slackNames(b []byte) []dirent {
	var out []dirent
	le := binary.LittleEndian
	for off := 0; off+8 <= len(b); {
		recLen := int(le.Uint16(b[off+4:]))
		nameLen := int(b[off+6])
		if ino := le.Uint32(b[off:]); ino != 0 && nameLen > 0 && off+8+nameLen <= len(b) {
			out = append(out, dirent{inode: ino, name: string(b[off+8 : off+8+nameLen]), ftype: b[off+7]})
		}
		step := (8 + nameLen + 3) &^ 3
		if recLen >= step && recLen%4 == 0 && off+recLen <= len(b) {
			step = recLen
		}
		off += step
	}
	return out
}

// deletedFile lists a deleted name whose inode still maps its content
// (deleted but not wiped, as by tools other than the kernel). Names whose
// inode was reused, or whose extents were cleared as the kernel does, are
// only counted: ext keeps nothing to read.
func (w *extWalker) deletedFile(d dirent, p string) error {
	v := w.v
	in, err := v.inode(d.inode)
	if err != nil || in.mode&0xF000 != 0x8000 || in.dtime == 0 || in.size <= 0 || in.flags&(extInlineDataFl|extEncryptFl) != 0 {
		w.deletedNames++
		return nil
	}
	xs, err := v.extents(in)
	mapped := false
	for _, x := range xs {
		mapped = mapped || x.physical >= 0
	}
	if err != nil || !mapped || in.size > int64(v.blocks)*v.bs {
		w.deletedNames++
		return nil
	}
	r := &extentReader{src: v.r, extents: xs, what: joinPath(w.prefix, p)}
	size := in.size
	return w.emit(Entry{Path: joinPath(w.prefix, p), Size: size, FileSystem: v.kind, Inode: uint64(d.inode), Deleted: true,
		Modified: in.times[0], Accessed: in.times[1], Changed: in.times[2], Created: in.times[3],
		Note: "deleted inode whose block map survived: content unverified",
		open: func() (*File, error) { return NewFile(r, size), nil }})
}

func (w *extWalker) file(num uint32, p string) error {
	v := w.v
	in, err := v.inode(num)
	if err != nil {
		return w.fail(p, num, err)
	}
	ent := Entry{Path: joinPath(w.prefix, p), FileSystem: v.kind, Inode: uint64(num),
		Modified: in.times[0], Accessed: in.times[1], Changed: in.times[2], Created: in.times[3]}
	switch in.mode & 0xF000 {
	case 0x8000:
		ent.Size = in.size
	case 0xA000:
		ent.Kind = KindSymlink
		return w.emit(ent)
	default:
		ent.Kind = KindOther
		return w.emit(ent)
	}
	switch {
	case in.flags&extEncryptFl != 0:
		ent.Err = fmt.Errorf("%s: inode %d is encrypted (fscrypt): content cannot be read", v.kind, num)
	case in.flags&extInlineDataFl != 0:
		ent.Err = fmt.Errorf("%s: inode %d keeps its data inline, which is not supported", v.kind, num)
	case in.size < 0 || in.size > int64(v.blocks)*v.bs*64:
		ent.Err = fmt.Errorf("%s: inode %d claims %d bytes", v.kind, num, in.size)
	default:
		xs, err := v.extents(in)
		if err != nil {
			ent.Err = fmt.Errorf("%s: inode %d: %w", v.kind, num, err)
			break
		}
		r := &extentReader{src: v.r, extents: xs, what: ent.Path}
		size := in.size
		ent.open = func() (*File, error) { return NewFile(r, size), nil }
	}
	return w.emit(ent)
}
