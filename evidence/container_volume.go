package evidence

import (
	"context"
	"fmt"
	"io"

	"github.com/hashtriage/hashtriage/evidence/volume"
)

// A Gap is a part of a disk or volume that was not examined for files:
// space outside every partition, free clusters of a file system (which
// may hold deleted content; nothing is carved), a partition without a
// recognised file system. It is not an error; a scan summary should say
// how many bytes were left unexamined and why.
type Gap = volume.Gap

// sniffVolume recognises disks (MBR or GPT) and bare volumes (NTFS, FAT,
// ext2/3/4, exFAT) from their first sectors. Every ext version is named
// "ext4", the name Container documents; the items' Meta.FileSystem says
// "ext2", "ext3" or "ext4".
func sniffVolume(head []byte) Container {
	switch volume.Detect(head) {
	case "ntfs":
		return Container{Name: "ntfs", Disk: true}
	case "fat":
		return Container{Name: "fat", Disk: true}
	case "ext":
		return Container{Name: "ext4", Disk: true}
	case "exfat":
		return Container{Name: "exfat", Disk: true}
	}
	if volume.HasPartitionTable(head) {
		return Container{Name: "disk", Disk: true}
	}
	return Container{}
}

// isVolumeContainer reports whether Expand should hand c to expandVolume.
func isVolumeContainer(c Container) bool {
	switch c.Name {
	case "disk", "ntfs", "fat", "exfat", "ext4":
		return true
	}
	return false
}

// expandVolume is Expand for disks and volumes: it lists the files of
// every partition's file system as items, then one summary item (see
// WalkDisk).
func expandVolume(ctx context.Context, parent Item, f File, lim Limits, fn WalkFunc) error {
	_, err := WalkDisk(ctx, parent, f, f.Size(), fn)
	return err
}

// WalkDisk lists the files inside a disk or volume read through r (a raw
// image, a block device, E01 media, or a partition image found in an
// archive) of size bytes. parent is the item of the disk itself: children
// get the locator parent.Path + "!" + inner path ("disk.E01!p2/Users/a/x.jpg";
// a bare volume has no "pN" level; an NTFS alternate data stream ends in
// ":name"), parent's Parts followed by the inner path, and depth
// parent.Depth+1, and carry file-system metadata (MFT entry or inode
// number, deleted flag, stream name, MAC(B) times).
//
// A partition or volume that cannot be parsed becomes an item with Err that
// names it. After the files, WalkDisk sends one item of Type Other with the
// disk's own locator, Depth parent.Depth+1 and Unexamined non-nil (empty if
// everything was examined): what was not examined (see Gap). A scan should
// add those to its summary and not count that item as skipped. The same
// gaps are returned in the Summary.
//
// Items of deleted files carry Meta.Deleted; their content is what the
// file-system metadata still points at and may be partly overwritten.
func WalkDisk(ctx context.Context, parent Item, r io.ReaderAt, size int64, fn WalkFunc) (*volume.Summary, error) {
	depth := parent.Depth + 1
	sum, err := volume.Walk(ctx, r, size, func(e volume.Entry) error {
		return fn(volumeItem(parent, depth, e))
	})
	if err != nil {
		return sum, err
	}
	gaps := make([]Gap, len(sum.Gaps)) // non-nil even when empty: it marks the summary item
	copy(gaps, sum.Gaps)
	return sum, fn(Item{Path: parent.Path, Parts: parent.PathParts(), Type: Other, Depth: depth, Unexamined: gaps})
}

func volumeItem(parent Item, depth int, e volume.Entry) Item {
	it := Item{
		Path:  parent.Path + "!" + e.Path,
		Parts: parent.child(e.Path),
		Size:  e.Size,
		Depth: depth,
		Meta: Metadata{
			FileSystem: e.FileSystem,
			Inode:      e.Inode,
			Deleted:    e.Deleted,
			Stream:     e.Stream,
			Modified:   e.Modified,
			Accessed:   e.Accessed,
			Changed:    e.Changed,
			Created:    e.Created,
		},
	}
	if e.Path == "" {
		it.Path, it.Parts = parent.Path, parent.PathParts()
	}
	switch e.Kind {
	case volume.KindSymlink:
		it.Type = Symlink
	case volume.KindOther:
		it.Type = Other
	}
	if e.Err != nil {
		it.Err = fmt.Errorf("%s: %w", it.Path, e.Err)
		return it
	}
	if it.Type == Regular {
		it.Open = func() (File, error) {
			f, err := e.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.Path, err)
			}
			return f, nil
		}
	}
	return it
}

// OpenSplitRaw opens a split raw image (first segment "disk.001", then
// "disk.002", … found by number) read-only as one File. Use
// volume.IsSplitRawName to recognise the first segment's name; Sniff and
// Expand then treat the File like any raw image.
func OpenSplitRaw(firstSegment string) (File, error) {
	img, err := volume.OpenSplitRaw(firstSegment)
	if err != nil {
		return nil, err
	}
	return &imageFile{File: volume.NewFile(img, img.Size()), img: img}, nil
}

// imageFile is a File over a multi-segment image; Close closes every
// segment.
type imageFile struct {
	*volume.File
	img *volume.Image
}

func (f *imageFile) Close() error { return f.img.Close() }
