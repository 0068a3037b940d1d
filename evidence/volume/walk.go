// Package volume reads disks and volumes strictly read-only, through any
// io.ReaderAt: raw and split raw images, block devices, or the media of an
// E01 image. It finds the partitions of an MBR or GPT table and lists the
// files of the FAT12/16/32, exFAT, NTFS and ext2/3/4 file systems on them,
// including deleted NTFS records and deleted FAT and exFAT entries, and NTFS
// alternate data streams.
//
// Every entry's content is read through the disk's ReaderAt on demand:
// nothing is copied ahead or mounted. What the package could not examine
// (unpartitioned space, free clusters, partitions without a recognised
// file system) is reported in a Summary, so that a scan can say so.
package volume

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// A Volume describes one partition (or the bare volume of a disk without a
// partition table) and what became of it.
type Volume struct {
	Name       string // "p2"; "" for a bare volume
	Offset     int64  // byte offset on the disk
	Length     int64
	Type       string // partition type ("0x07", a GPT type GUID); "" for a bare volume
	Label      string // GPT partition name
	FileSystem string // "ntfs", "fat32", "ext4", …; "" if none was recognised
	Entries    int64  // entries listed (files and streams, including entries with Err)
	Err        error  // why the volume was not (fully) examined; nil if it was
}

// A Gap is a part of the disk that was not examined for files. A scan
// that reports only file-system entries has not looked at these bytes;
// they may still hold content (deleted data, carvable images).
type Gap struct {
	Volume string // the partition ("p2"), or "" for the disk itself
	Offset int64  // byte offset on the disk; -1 when the bytes are scattered (free clusters)
	Length int64  // bytes
	Reason string // "unpartitioned space", "free clusters (not carved)", "no recognised file system", …
}

// A Summary says how a disk was laid out and what was not examined.
type Summary struct {
	Size    int64
	Scheme  string // "mbr", "gpt", or "" for a bare volume or an unrecognised disk
	Volumes []Volume
	Gaps    []Gap
}

// UnexaminedBytes is the total length of the gaps.
func (s *Summary) UnexaminedBytes() int64 {
	var n int64
	for _, g := range s.Gaps {
		n += g.Length
	}
	return n
}

// String renders the summary as one line per volume and gap, for logs.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "disk of %d bytes, partition table %q\n", s.Size, s.Scheme)
	for _, v := range s.Volumes {
		fmt.Fprintf(&b, "volume %q at %d+%d type %q fs %q: %d entries", v.Name, v.Offset, v.Length, v.Type, v.FileSystem, v.Entries)
		if v.Err != nil {
			fmt.Fprintf(&b, ", error: %v", v.Err)
		}
		b.WriteByte('\n')
	}
	for _, g := range s.Gaps {
		fmt.Fprintf(&b, "not examined: %q at %d, %d bytes: %s\n", g.Volume, g.Offset, g.Length, g.Reason)
	}
	return b.String()
}

// Detect names the file system at the start of a volume: "ntfs", "fat",
// "ext", "exfat", or "" if none is recognised. head should hold at least the first
// 2048 bytes.
func Detect(head []byte) string {
	switch {
	case isNTFS(head):
		return "ntfs"
	case isFAT(head):
		return "fat"
	case isExt(head):
		return "ext"
	case len(head) >= 512 && string(head[3:11]) == "EXFAT   ":
		return "exfat"
	}
	return ""
}

// HasPartitionTable reports whether head (the first sectors of a disk, at
// least 1024 bytes) starts with an MBR or a protective MBR for a GPT, and
// not with a file system's boot sector.
func HasPartitionTable(head []byte) bool {
	if len(head) < 1024 || Detect(head) != "" {
		return false
	}
	t, err := ReadTable(bytesReaderAt(head), int64(len(head))+1<<40)
	if err != nil {
		return !errors.Is(err, errNoTable)
	}
	if t.Scheme != "mbr" {
		return true
	}
	// 55 AA and four valid status bytes can still be chance: an MBR must
	// also have an entry that starts after sector 0 and is not empty.
	for _, p := range append(append([]Partition(nil), t.Partitions...), t.Containers...) {
		if p.Start >= t.SectorSize && p.Length > 0 {
			return true
		}
	}
	return false
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Walk lists the files of the disk or volume r of size bytes and calls fn
// for each, partition by partition in table order and, within a volume,
// depth first with each directory's entries sorted by name (NTFS, whose
// records are read in MFT order: sorted by full path). A partition or volume that cannot be parsed
// reaches fn as an Entry with Err whose Path names the partition. Walk
// fails only if fn fails or ctx is cancelled; the Summary is returned in
// every case.
func Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Entry) error) (*Summary, error) {
	s := &Summary{Size: size}
	if size <= 0 {
		return s, fn(Entry{Err: errors.New("empty disk or volume")})
	}
	head := make([]byte, min(size, 64<<10))
	if _, err := r.ReadAt(head, 0); err != nil && !(err == io.EOF) {
		s.Gaps = append(s.Gaps, Gap{Offset: 0, Length: size, Reason: "unreadable"})
		return s, fn(Entry{Err: fmt.Errorf("reading the first sectors: %w", err)})
	}
	if fsName := Detect(head); fsName != "" {
		vol := Volume{Offset: 0, Length: size}
		err := walkVolume(ctx, s, &vol, r, fn)
		s.Volumes = append(s.Volumes, vol)
		return s, unwrapCallback(err)
	}
	t, err := ReadTable(r, size)
	if err != nil {
		why := "no partition table and no recognised file system"
		if !errors.Is(err, errNoTable) {
			why = fmt.Sprintf("partition table unreadable: %v", err)
		}
		s.Volumes = append(s.Volumes, Volume{Length: size, Err: errors.New(why)})
		s.Gaps = append(s.Gaps, Gap{Offset: 0, Length: size, Reason: why})
		return s, fn(Entry{Err: errors.New(why)})
	}
	s.Scheme = t.Scheme
	for _, w := range t.Warnings {
		if err := fn(Entry{Err: w}); err != nil {
			return s, err
		}
	}
	for _, p := range t.Partitions {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		vol := Volume{Name: p.Name, Offset: p.Start, Length: p.Length, Type: p.Type, Label: p.Label}
		if p.Err != nil {
			vol.Err = p.Err
			s.Volumes = append(s.Volumes, vol)
			if err := fn(Entry{Path: p.Name, Err: p.Err}); err != nil {
				return s, err
			}
			continue
		}
		if reason, ok := noFileSystemTypes[strings.ToUpper(p.Type)]; ok {
			s.Gaps = append(s.Gaps, Gap{Volume: p.Name, Offset: p.Start, Length: p.Length, Reason: reason})
			s.Volumes = append(s.Volumes, vol)
			continue
		}
		err := walkVolume(ctx, s, &vol, io.NewSectionReader(r, p.Start, p.Length), fn)
		s.Volumes = append(s.Volumes, vol)
		if err != nil {
			return s, unwrapCallback(err)
		}
	}
	s.Gaps = append(s.Gaps, unpartitioned(t, size)...)
	return s, nil
}

// noFileSystemTypes are partition types that by definition hold no file
// system; they are gaps, not errors.
var noFileSystemTypes = map[string]string{
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved partition (holds no file system)",
	"21686148-6449-6E6F-744E-656564454649": "BIOS boot partition (holds no file system)",
}

// walkVolume lists one volume, whose offset on the disk is vol.Offset.
func walkVolume(ctx context.Context, s *Summary, vol *Volume, r io.ReaderAt, fn func(Entry) error) (err error) {
	count := func(e Entry) error {
		vol.Entries++
		if err := fn(e); err != nil {
			return callbackError{err}
		}
		return nil
	}
	fail := func(why error) error {
		vol.Err = why
		s.Gaps = append(s.Gaps, Gap{Volume: vol.Name, Offset: vol.Offset, Length: vol.Length, Reason: why.Error()})
		return count(Entry{Path: vol.Name, Err: why})
	}
	head := make([]byte, min(vol.Length, 4096))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return fail(fmt.Errorf("reading the volume's first sectors: %w", err))
	}
	// A bug or an unforeseen structure in a parser must not end the scan.
	defer func() {
		if p := recover(); p != nil {
			err = fail(fmt.Errorf("%s: parser failure: %v", vol.FileSystem, p))
		}
	}()
	if d := declaredSize(head); d > vol.Length {
		vol.Err = fmt.Errorf("volume truncated: its file system declares %d bytes, %d are present; content beyond the end cannot be read", d, vol.Length)
		if err := count(Entry{Path: vol.Name, Err: vol.Err}); err != nil {
			return err
		}
	}
	var free int64
	var walkErr error
	var extra []Gap
	switch Detect(head) {
	case "ntfs":
		vol.FileSystem = "ntfs"
		v, err := openNTFS(r, vol.Length)
		if err != nil {
			return fail(err)
		}
		walkErr = v.walk(ctx, vol.Name, count)
		if f, err := v.freeBytes(); err == nil {
			free = f
		} else {
			extra = append(extra, Gap{Volume: vol.Name, Offset: -1, Reason: fmt.Sprintf("free space unknown: %v", err)})
		}
	case "fat":
		v, err := openFAT(r, vol.Length)
		if err != nil {
			vol.FileSystem = "fat"
			return fail(err)
		}
		vol.FileSystem = v.kind
		walkErr = v.walk(ctx, vol.Name, count)
		free = v.freeBytes()
	case "ext":
		v, err := openExt(r, vol.Length)
		if err != nil {
			vol.FileSystem = "ext"
			return fail(err)
		}
		vol.FileSystem = v.kind
		w := &extWalker{v: v, ctx: ctx, prefix: vol.Name, emit: count, seen: map[uint32]bool{2: true}}
		walkErr = w.dir(2, "", 0)
		free = int64(min(v.freeBlocks, v.blocks)) * v.bs
		if w.deletedNames > 0 {
			extra = append(extra, Gap{Volume: vol.Name, Offset: -1, Reason: fmt.Sprintf("%d deleted directory entries: %s does not keep the content of deleted files", w.deletedNames, v.kind)})
		}
	case "exfat":
		vol.FileSystem = "exfat"
		v, err := openExFAT(r, vol.Length)
		if err != nil {
			return fail(err)
		}
		var w *exfatWalker
		w, walkErr = v.walk(ctx, vol.Name, count)
		if f, err := w.freeBytes(); err == nil {
			free = f
		} else {
			extra = append(extra, Gap{Volume: vol.Name, Offset: -1, Reason: fmt.Sprintf("free space unknown: %v", err)})
		}
	default:
		why := "no recognised file system"
		if vol.Type != "" {
			why = fmt.Sprintf("partition type %s: no recognised file system (NTFS, FAT, ext)", vol.Type)
		}
		return fail(errors.New(why))
	}
	if walkErr != nil {
		if ctx.Err() != nil {
			return walkErr
		}
		var cbErr callbackError
		if errors.As(walkErr, &cbErr) {
			return walkErr
		}
		if err := fail(fmt.Errorf("%s: walk stopped: %w", vol.FileSystem, walkErr)); err != nil {
			return err
		}
	}
	if free > 0 {
		s.Gaps = append(s.Gaps, Gap{Volume: vol.Name, Offset: -1, Length: free, Reason: vol.FileSystem + " free space (unallocated clusters, not carved)"})
	}
	s.Gaps = append(s.Gaps, extra...)
	return nil
}

// declaredSize is the volume size a file system's boot sector or
// superblock claims, or 0 if unknown.
func declaredSize(head []byte) int64 {
	le := binary.LittleEndian
	switch Detect(head) {
	case "ntfs":
		return int64(le.Uint64(head[0x28:])) * int64(le.Uint16(head[0x0B:]))
	case "fat":
		total := int64(le.Uint16(head[19:]))
		if total == 0 {
			total = int64(le.Uint32(head[32:]))
		}
		return total * int64(le.Uint16(head[11:]))
	case "exfat":
		return int64(le.Uint64(head[72:])) << min(head[108], 12)
	case "ext":
		if le.Uint32(head[1024+24:]) > 6 {
			return 0
		}
		blocks := int64(le.Uint32(head[1024+4:]))
		if le.Uint32(head[1024+96:])&extIncompat64 != 0 {
			blocks |= int64(le.Uint32(head[1024+336:])&0xFFFF) << 32
		}
		return blocks << (10 + le.Uint32(head[1024+24:]))
	}
	return 0
}

// callbackError marks an error returned by the caller's function, which
// must stop the walk rather than be reported as a damaged volume.
type callbackError struct{ err error }

func (c callbackError) Error() string { return c.err.Error() }

func unwrapCallback(err error) error {
	var cb callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	return err
}

// unpartitioned returns the disk ranges no usable partition covers.
func unpartitioned(t *Table, size int64) []Gap {
	type span struct{ a, b int64 }
	var spans []span
	for _, p := range t.Partitions {
		if p.Err == nil {
			spans = append(spans, span{p.Start, p.Start + p.Length})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var gaps []Gap
	pos := int64(0)
	for _, sp := range spans {
		if sp.a > pos {
			gaps = append(gaps, Gap{Offset: pos, Length: sp.a - pos, Reason: "outside any partition (partition table, alignment gap or unpartitioned space)"})
		}
		pos = max(pos, sp.b)
	}
	if pos < size {
		gaps = append(gaps, Gap{Offset: pos, Length: size - pos, Reason: "outside any partition (partition table, alignment gap or unpartitioned space)"})
	}
	return gaps
}
