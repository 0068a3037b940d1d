// Package archive reads the members of archives and compressed files found
// in evidence: ZIP, TAR (POSIX, GNU and old v7), gzip, bzip2, xz, 7z and
// RAR 4/5. Formats are recognised by content ([Detect]), never by name.
//
// [Walk] hands each member to a callback as a [Member] whose content, when
// it can be read, is available as a [File]: an io.Reader and io.ReaderAt of
// known size, so that a container inside an archive (a ZIP inside a 7z) can
// be opened in turn by the caller. Walk does not recurse into nested
// archives itself.
//
// # Limits
//
// Expansion is bounded per archive by [Options]: total bytes expanded, and
// the expansion ratio (expanded bytes per byte of the archive, and, where
// the format records it, per byte of a member's compressed data). The
// limits are checked while bytes are decompressed, so that headers that lie
// about sizes (zip bombs) are stopped as well. A limit that is hit is
// reported as a [*LimitError]: the Err of the member being read, or the
// error of a ZIP member's Open.
//
// # Copies of evidence content
//
// Members of compressed archives have no byte range in the archive that
// could be read in place, so they are decompressed into a copy: members of
// TAR, gzip, bzip2, xz, 7z and RAR (read as streams) before the callback
// sees them, deflated ZIP members each time they are opened. A copy is
// held in memory up to Options.MemoryLimit (64 MiB by default), beyond
// that in an anonymous temporary file created with mode 0600 in
// Options.TempDir (os.TempDir by default). On Unix the file is unlinked
// right after it is created, so it leaves no name behind and its blocks
// are freed when it is closed; elsewhere it is removed when the member is
// released. Either way it is a copy of evidence content in temporary
// storage while the member is examined, and the examiner's temporary
// directory must be treated accordingly. Stored ZIP members and members of
// uncompressed TAR archives are read in place, without a copy.
//
// # Integrity
//
// Every check a format records is verified: ZIP CRC-32 (for stored
// members when the sequential read reaches the end), gzip CRC-32, bzip2
// block and stream CRCs, xz checks, RAR file checksums, and 7z member CRC-32s (which
// the 7z library does not check itself). A mismatch is an error, never
// silently accepted content. TAR has no data checksum.
//
// Nothing is ever written to the archive or its directory.
package archive
