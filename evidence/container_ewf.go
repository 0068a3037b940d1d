package evidence

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

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
//
// wait is called once before the image is closed (see ExpandWait), on
// every path: children handed to other goroutines read through the image.
func expandEWF(ctx context.Context, parent Item, f File, lim Limits, fn WalkFunc, wait func()) error {
	waited := false
	defer func() {
		if !waited {
			wait()
		}
	}()
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
	defer func() {
		waited = true
		wait()
		im.Close()
	}()
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
	// The check reads every chunk once more, from the first on, while the
	// walk reads the files: the two share the image's chunk cache, and the
	// check keeps a core busy that the walk leaves idle while it hashes.
	var (
		verified  ewf.VerifyResult
		verifyErr error
		verifying = make(chan struct{})
	)
	if lim.VerifyImages {
		go func() {
			defer close(verifying)
			verified, verifyErr = im.Verify(ctx)
		}()
	} else {
		close(verifying)
	}
	_, err = WalkDisk(ctx, parent, im, im.Size(), fn)
	<-verifying
	if err != nil {
		return err
	}
	info := imageInfo(parent.Path, im)
	if lim.VerifyImages {
		for _, err := range addVerification(&info, verified, verifyErr) {
			err = fmt.Errorf("%s: %w", parent.Path, err)
			if err := fn(Item{Path: parent.Path, Depth: parent.Depth, Err: err}); err != nil {
				return err
			}
		}
	}
	return fn(Item{Path: parent.Path, Depth: parent.Depth, Type: Other, Image: &info})
}

// imageInfo copies the acquisition header and stored hashes of im.
func imageInfo(path string, im *ewf.Image) ImageInfo {
	h := im.Header()
	md5, sha1 := im.StoredHashes()
	return ImageInfo{
		Path: path, Format: "e01", Size: im.Size(),
		CaseNumber: h.CaseNumber, EvidenceNumber: h.EvidenceNumber, Examiner: h.Examiner,
		Description: h.Description, Notes: h.Notes, Model: h.Model, SerialNumber: h.SerialNumber,
		DeviceLabel: h.DeviceLabel, Software: h.Software, Platform: h.Platform,
		Acquired: headerTime(h.Acquired, h.AcquiredRaw), System: headerTime(h.System, h.SystemRaw),
		StoredMD5: hexOrEmpty(md5), StoredSHA1: hexOrEmpty(sha1),
	}
}

// addVerification records the outcome of ewf.Image.Verify and returns one
// error for each bad range. A check that did not finish (cancelled, or a
// read error that is not a chunk's) cannot vouch for the image: "not
// verifiable", with the reason.
func addVerification(info *ImageInfo, res ewf.VerifyResult, err error) []error {
	if err != nil {
		info.Verification = ewf.NotVerifiable.String()
		info.VerifyError = err.Error()
		return nil
	}
	info.Verification = res.Status.String()
	info.ComputedMD5, info.ComputedSHA1 = hexOrEmpty(res.MD5), hexOrEmpty(res.SHA1)
	var causes []error
	for _, ce := range res.BadChunks {
		// Adjacent bad chunks form one range, as ewfverify lists them.
		if n := len(info.BadRanges); n > 0 && info.BadRanges[n-1].Offset+info.BadRanges[n-1].Length == ce.Offset {
			info.BadRanges[n-1].Length += ce.Length
			continue
		}
		info.BadRanges = append(info.BadRanges, ByteRange{Offset: ce.Offset, Length: ce.Length})
		cause := ce.Err
		if cause == nil {
			cause = ce
		}
		causes = append(causes, cause)
	}
	errs := make([]error, len(info.BadRanges))
	for i, r := range info.BadRanges {
		errs[i] = fmt.Errorf("media bytes %d-%d failed the image check (%w); whatever lies there was not examined", r.Offset, r.Offset+r.Length-1, causes[i])
	}
	return errs
}

func headerTime(t time.Time, raw string) string {
	if t.IsZero() {
		return raw
	}
	return t.UTC().Format(time.RFC3339)
}

func hexOrEmpty(b []byte) string {
	if b == nil {
		return ""
	}
	return hex.EncodeToString(b)
}
