package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hashtriage/hashtriage/evidence/ewf"
)

// ewfSignature starts every EWF-E01 segment file.
var ewfSignature = []byte("EVF\x09\x0d\x0a\xff\x00")

// sniffEWF recognises an EWF-E01 segment file by its signature.
func sniffEWF(head []byte) Container {
	if bytes.HasPrefix(head, ewfSignature) {
		return Container{Name: "e01", Disk: true}
	}
	return Container{}
}

// openEWF opens the image whose first segment is parent. A host file
// (depth 0) is opened by path so that its sibling segments (.E02, …) are
// found; an image inside another container can only be a single segment
// and is read through f.
func openEWF(parent Item, f File) (*ewf.Image, error) {
	if parent.Depth == 0 {
		if st, err := os.Stat(parent.Path); err == nil && st.Mode().IsRegular() {
			return ewf.Open(parent.Path)
		}
	}
	return ewf.OpenSegments([]io.ReaderAt{f}, []int64{f.Size()}, []string{parent.Path})
}

// expandEWF is Expand for EWF-E01 images. A later segment file (.E02, …)
// yields nothing when its first segment lies next to it, since the first
// segment's expansion reads the whole set, and an error item otherwise.
// For a first segment it reports what the image itself
// says is wrong (structural problems, sectors unreadable at acquisition)
// as items with Err, then lists the files of the media's partitions and
// file systems (WalkDisk). A chunk that fails its check surfaces as the
// Err of each item whose content lies in it, naming the media byte range.
func expandEWF(ctx context.Context, parent Item, f File, lim Limits, fn WalkFunc) error {
	var head [16]byte
	n, _ := f.ReadAt(head[:], 0)
	if seg, ok := ewf.SegmentNumber(head[:n]); ok && seg > 1 {
		// A later segment of a set is read through its first segment; on
		// its own it holds no complete media.
		if first, ok := ewf.FirstSegmentPath(parent.Path, seg); ok && parent.Depth == 0 {
			if _, err := os.Stat(first); err == nil {
				return nil
			}
		}
		return fn(Item{Path: parent.Path, Depth: parent.Depth, Err: fmt.Errorf("%s: EWF segment %d whose first segment was not found; its content was not examined", parent.Path, seg)})
	}
	im, err := openEWF(parent, f)
	if err != nil {
		return fn(Item{Path: parent.Path, Depth: parent.Depth, Err: fmt.Errorf("%s: %w", parent.Path, err)})
	}
	defer im.Close()
	for _, p := range im.Problems() {
		if err := fn(Item{Path: parent.Path, Depth: parent.Depth, Err: fmt.Errorf("%s: %w", parent.Path, p)}); err != nil {
			return err
		}
	}
	for _, r := range im.AcquisitionErrors() {
		err := fmt.Errorf("%s: media bytes %d-%d could not be read at acquisition; the image holds substitute data there", parent.Path, r.Offset, r.Offset+r.Length-1)
		if err := fn(Item{Path: parent.Path, Depth: parent.Depth, Err: err}); err != nil {
			return err
		}
	}
	_, err = WalkDisk(ctx, parent, im, im.Size(), fn)
	return err
}
