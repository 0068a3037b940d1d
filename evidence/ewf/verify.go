package ewf

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"errors"
)

// Status is the outcome of Verify.
type Status uint8

const (
	// NotVerifiable: the image stores no MD5 or SHA-1 of the media.
	NotVerifiable Status = iota
	// Verified: every chunk passed its check and every stored hash equals
	// the hash computed over the media.
	Verified
	// Mismatch: a stored hash differs from the computed one, the image's
	// stored hashes contradict each other, or a chunk failed its check (the
	// image can then no longer reproduce the acquired media).
	Mismatch
)

func (s Status) String() string {
	switch s {
	case Verified:
		return "verified"
	case Mismatch:
		return "mismatch"
	}
	return "not verifiable"
}

// VerifyResult reports a full check of the image.
type VerifyResult struct {
	Status     Status
	StoredMD5  []byte // nil if the image stores none
	StoredSHA1 []byte
	// MD5 and SHA1 are computed over the whole media; nil when a chunk
	// could not be read (the media cannot be reconstructed then).
	MD5  []byte
	SHA1 []byte
	// BadChunks lists every chunk that could not be read or failed its
	// check, in media order. Chunks missing at the end of the image (a
	// truncated or missing segment) form one last entry whose Length covers
	// the rest of the media.
	BadChunks []*ChunkError
}

// Verify reads every chunk, checks it, computes the MD5 and SHA-1 of the
// media and compares them with the stored hashes. Read errors other than
// chunk errors, and cancellation of ctx, are returned as the error.
func (im *Image) Verify(ctx context.Context) (VerifyResult, error) {
	res := VerifyResult{StoredMD5: clone(im.md5), StoredSHA1: clone(im.sha1)}
	hm, hs := md5.New(), sha1.New()
	// Chunks past the last table are reported as one missing range: a
	// crafted volume section may claim an enormous media.
	n := min(im.chunkCount(), im.nchunks)
	for i := int64(0); i < n; i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		im.noteAccess(i, i)
		data, e, err := im.chunk(i)
		if err != nil {
			im.cache.release(e)
			var ce *ChunkError
			if !errors.As(err, &ce) {
				return res, err
			}
			res.BadChunks = append(res.BadChunks, ce)
			continue
		}
		if len(res.BadChunks) == 0 {
			hm.Write(data)
			hs.Write(data)
		}
		im.cache.release(e)
	}
	if n < im.chunkCount() {
		ce := im.chunkError(n, nil, im.missing)
		if ce.Err == nil {
			ce.Err = ErrMissing
		}
		ce.Length = im.size - ce.Offset
		res.BadChunks = append(res.BadChunks, ce)
	}
	if len(res.BadChunks) == 0 {
		res.MD5, res.SHA1 = hm.Sum(nil), hs.Sum(nil)
	}
	switch {
	case im.md5 == nil && im.sha1 == nil:
		res.Status = NotVerifiable
	case len(res.BadChunks) > 0 || im.hashClash:
		res.Status = Mismatch
	case im.md5 != nil && !bytes.Equal(im.md5, res.MD5), im.sha1 != nil && !bytes.Equal(im.sha1, res.SHA1):
		res.Status = Mismatch
	default:
		res.Status = Verified
	}
	return res, nil
}
