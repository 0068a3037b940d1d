package evidence

import (
	"context"
	"fmt"
)

// SniffSize is how many leading bytes Sniff needs to recognise every
// container format (the ext superblock magic sits at offset 1080, the
// tar magic at 257, NTFS/FAT boot sectors in the first 512 bytes).
const SniffSize = 64 << 10

// A Container names a container format recognised from content.
type Container struct {
	Name string // "zip", "tar", "gzip", "bzip2", "xz", "7z", "rar", "e01", "disk" (MBR/GPT), "ntfs", "fat", "exfat", "ext4"; "" if none
	// Disk is true for disk images and volumes. Their own bytes are not an
	// item to match (no list holds the digest of a whole drive) and are not
	// hashed as one; archives are hashed and matched as items, then expanded.
	Disk bool
}

// Sniff recognises the container format of content that starts with head
// (at least SniffSize bytes, or the whole content if shorter). It looks at
// content only, never at names.
func Sniff(head []byte) Container {
	if c := sniffEWF(head); c.Name != "" {
		return c
	}
	if c := sniffVolume(head); c.Name != "" {
		return c
	}
	if c := sniffArchive(head); c.Name != "" {
		return c
	}
	return Container{}
}

// Expand walks the items inside parent, whose open content is f and whose
// format Sniff found to be c. Children get the locator parent.Path + "!" +
// inner path, the Parts of parent followed by the inner path, and depth
// parent.Depth+1; items about the container itself (errors, the summary of
// a disk, an image's ImageInfo) carry parent's locator and Parts. Limits
// bound the expansion; hitting one yields an item with Err set (the scan
// reports it), not a silent stop.
func Expand(ctx context.Context, parent Item, f File, c Container, lim Limits, fn WalkFunc) error {
	return ExpandWait(ctx, parent, f, c, lim, fn, nil)
}

// RandomAccess reports whether the children of containers of format c
// (ZIP archives, disk images and volumes) can be opened and read after the
// walk function has returned for them, from any goroutine and concurrently
// (see Item.Open). Members of the other formats are streamed: they must be
// read while the walk function runs.
func RandomAccess(c Container) bool {
	return c.Disk || c.Name == "zip"
}

// ExpandWait is Expand for callers that hand the children of random-access
// containers to other goroutines. wait, if not nil, is called exactly once,
// after fn has been called for the last child and before Expand releases
// what the children read from (the segment files of an E01 image); it
// should return once the caller is done with every child it kept.
func ExpandWait(ctx context.Context, parent Item, f File, c Container, lim Limits, fn WalkFunc, wait func()) error {
	if wait == nil {
		wait = func() {}
	}
	fn = withParentParts(parent, fn)
	if c.Name == "e01" && parent.Depth < lim.MaxDepth {
		return expandEWF(ctx, parent, f, lim, fn, wait)
	}
	defer wait()
	if parent.Depth >= lim.MaxDepth {
		return fn(Item{Path: parent.Path, Parts: parent.PathParts(), Depth: parent.Depth, Err: fmt.Errorf("container nesting depth limit %d reached; %s content not examined", lim.MaxDepth, c.Name)})
	}
	if isVolumeContainer(c) {
		return expandVolume(ctx, parent, f, lim, fn)
	}
	if isArchiveContainer(c) {
		return expandArchive(ctx, parent, f, c, lim, fn)
	}
	return fmt.Errorf("%s: %s containers are not supported yet", parent.Path, c.Name)
}

// withParentParts gives the items an expansion sends at the container's
// own locator (its errors, a disk's summary item, an image's ImageInfo
// item) the container's Parts, so that the code building them need not
// repeat them; children carry their own.
func withParentParts(parent Item, fn WalkFunc) WalkFunc {
	return func(it Item) error {
		if it.Parts == nil && it.Path == parent.Path {
			it.Parts = parent.PathParts()
		}
		return fn(it)
	}
}
