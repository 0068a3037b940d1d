// Package perceptual computes perceptual image hashes and decodes images
// safely for hashing.
//
// # PDQ
//
// [PDQ] and [PDQDihedral] compute Meta's PDQ hash (256 bits) bit for bit as
// the reference C++ implementation does, written from the algorithm
// description in the project's docs/pdq.md (no code from any other
// implementation). Two conventions exist upstream and both are offered:
//
//   - [PDQFull]: the algorithm runs on every stored pixel. This is what
//     python-threatexchange, HMA (through the pdqhash binding) and the Java
//     PDQHasher compute.
//   - [PDQ512]: an image wider or taller than 512 pixels is first resized to
//     exactly 512×512 by nearest-neighbour sampling, ignoring its aspect
//     ratio, as the reference command line pdq-photo-hasher does.
//
// For images of at most 512 pixels on both sides the two agree. On larger
// images they differ by 0–10 bits, well inside the usual match threshold
// ([PDQThreshold], 31). Hashes whose quality is under [MinQuality] (50) are
// too featureless to be matched.
//
// PDQ hashes the stored pixels: EXIF orientation is NOT applied (the
// reference does not apply it either), alpha is ignored (straight, not
// premultiplied, colour is used), and images whose pixels are all grey take
// the single-channel path of the reference. Rotated and mirrored copies are
// found by querying the eight dihedral variants that [PDQDihedral] derives
// from one DCT.
//
// Sixteen-bit samples (*image.Gray16, *image.RGBA64, *image.NRGBA64) are
// hashed by their high byte; how the reference CLI treats 16-bit input is
// unverified. A [Hasher] reuses its scratch buffers across images.
//
// Bit-exactness holds for identical pixels. Go's image/jpeg decoder does not
// produce the same pixels as libjpeg, so hashes of JPEG files typically
// differ from the reference by 0–2 bits (more on tiny or very flat images).
//
// # goimagehash kinds
//
// [ImageHash] wraps github.com/corona10/goimagehash v1.1.0 (aHash, dHash,
// pHash; 64 bits), turning its panics into errors. Those hashes are only
// comparable with lists made by the same module version.
//
// # Decoding
//
// [Decode] sniffs the format from the content ([Sniff]), reads the
// dimensions first and refuses images over a pixel limit before allocating
// them ([ErrTooLarge]), refuses images under 5 pixels on a side
// ([ErrTooSmall]), and turns decoder panics into errors. It calls the
// format's decoder directly and does not depend on image.RegisterFormat.
package perceptual
