#!/bin/sh
# Regenerates the archive fixtures in this directory. All content is
# generated here (text lines, zeros); nothing comes from outside.
#
# Needs: zip, tar (GNU), gzip, bzip2, xz, 7zz (Debian package 7zip) or 7z
# (p7zip-full), and Go. The RAR fixtures, the corrupted ZIP and the
# overlapping-entries ZIP bomb are written by the Go generator in
# fixtures_gen_test.go (RAR: no free RAR writer exists; it writes stored
# RAR 4 and RAR 5 archives from the published format description).
#
# The encrypted fixtures differ on every run (random salt and IV); all
# others come out byte-identical.
#
# The tests regenerate the expected content themselves (see
# fixtureContent in archive_test.go): keep both in step.
set -eu
cd "$(dirname "$0")"
out=$(pwd)
SEVENZ=$(command -v 7zz || command -v 7z)
export TZ=UTC LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# --- content ---------------------------------------------------------------
mkdir -p src/dir/sub
printf 'hello, hashtriage\n' > src/hello.txt
seq 1 3000 > src/dir/numbers.txt
yes 'The quick brown fox jumps over the lazy dog.' | head -n 500 > src/dir/sub/fox.txt
printf 'stored, not compressed\n' > src/stored.txt
head -c 10485760 /dev/zero > zeros.bin
find src zeros.bin -exec touch -d '2020-01-02 03:04:05' {} +

# --- zip --------------------------------------------------------------------
(cd src && zip -q -X -9 -r "$work/sample.zip" hello.txt dir && zip -q -X -0 "$work/sample.zip" stored.txt)
(cd src && zip -q -X -P secret "$work/encrypted.zip" hello.txt && zip -q -X "$work/encrypted.zip" dir/numbers.txt)
zip -q -X -9 bomb.zip zeros.bin

# --- tar and compressed tar ----------------------------------------------------
tarflags="--owner=0 --group=0 --numeric-owner --sort=name --mtime=2020-01-02T03:04:05Z"
(cd src && tar $tarflags --format=ustar -cf "$work/sample.tar" hello.txt dir)
(cd src && tar $tarflags --format=v7 -cf "$work/v7.tar" hello.txt dir/numbers.txt)
gzip -9 -n -c sample.tar > sample.tar.gz
bzip2 -9 -c sample.tar > sample.tar.bz2
xz -6 -c sample.tar > sample.tar.xz
head -c 1500 sample.tar.gz > truncated.tar.gz

# --- single compressed files ---------------------------------------------------
(cd src && gzip -9 -c hello.txt > "$work/hello.txt.gz")     # header names hello.txt
(cd src && gzip -9 -n -c dir/numbers.txt > "$work/numbers.txt.gz") # no name: from the file name
(cd src && bzip2 -9 -c hello.txt > "$work/hello.txt.bz2")
(cd src && xz -c hello.txt > "$work/hello.txt.xz")

# --- 7z -----------------------------------------------------------------------
(cd src && "$SEVENZ" a -bd -bso0 -mx=9 "$work/sample.7z" hello.txt dir)
(cd src && zip -q -X -9 "$work/inner.zip" dir/numbers.txt hello.txt)
touch -d "2020-01-02 03:04:05" inner.zip
"$SEVENZ" a -bd -bso0 nested.7z inner.zip
(cd src && "$SEVENZ" a -bd -bso0 -mx=0 "$work/stored.7z" hello.txt stored.txt)
(cd src && "$SEVENZ" a -bd -bso0 -psecret "$work/encrypted.7z" hello.txt)
(cd src && "$SEVENZ" a -bd -bso0 -psecret -mhe=on "$work/encrypted-headers.7z" hello.txt)
# Plain (not compressed) headers, so that tests can patch coder properties
# in place: LZMA2 and PPMd. Solid blocks of two files each, so that the
# walk has folder decoders to keep and drop (sevenzip_header_test.go).
(cd src && "$SEVENZ" a -bd -bso0 -mhc=off -m0=lzma2 "$work/plain-header.7z" hello.txt dir)
(cd src && "$SEVENZ" a -bd -bso0 -mhc=off -m0=ppmd "$work/ppmd.7z" hello.txt dir)
(cd src && "$SEVENZ" a -bd -bso0 -m0=lzma2 -ms=2f "$work/solid-blocks.7z" hello.txt stored.txt dir)

cp sample.zip sample.tar sample.tar.gz sample.tar.bz2 sample.tar.xz v7.tar truncated.tar.gz \
   hello.txt.gz numbers.txt.gz hello.txt.bz2 hello.txt.xz \
   encrypted.zip bomb.zip sample.7z stored.7z nested.7z encrypted.7z encrypted-headers.7z \
   plain-header.7z ppmd.7z solid-blocks.7z "$out/"

# --- Go-written fixtures: rar4.rar, rar5.rar, rar5-encrypted.rar, corrupt.zip, overlap.zip
cd "$out/.."
HASHTRIAGE_WRITE_FIXTURES=1 go test -count=1 -run '^TestWriteFixtures$' .
ls -l "$out"
