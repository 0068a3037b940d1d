#!/bin/bash
# Generates the end-to-end fixtures in this directory: one small partitioned
# disk with planted files, wrapped into E01 images, and the hash lists that
# name the planted files. cmd/hashtriage/e2e_test.go scans them.
#
# Needs Debian's dosfstools, mtools, e2fsprogs (mke2fs, debugfs), ntfs-3g (mkntfs, ntfscp), fdisk
# (sfdisk), ewf-tools (ewfacquire, ewfverify), p7zip-full, zip, sleuthkit (fls) and gzip:
#   apt-get install -y dosfstools mtools e2fsprogs ntfs-3g fdisk ewf-tools p7zip-full zip sleuthkit gzip
# Nothing is mounted and nothing needs privileges.
#
#   cd testdata/e2e && bash make-fixtures.sh
#
# The disk (10 MiB, MBR, label-id 0x4854e2e0):
#   p1  FAT16, 3 MiB at 1 MiB ("HTE2E", serial 0x48540001)
#       photos/alert.jpg    alert
#       photos/holiday.jpg  unmatched
#       photos/erased.jpg   alert, deleted with mdel: listed as photos/_rased.jpg
#       docs/manual.txt     known
#       docs/big-log.txt    unmatched, 60 KiB; corrupt.E01 breaks one chunk of it
#   p2  ext4, 2 MiB at 4 MiB (no journal)
#       home/user/archive/outer.7z   7z holding inner.zip (zip holding pic.jpg, alert;
#                                    and zipnote.txt, unmatched) and readme.txt (unmatched)
#       home/user/notes.txt          unmatched
#       home/user/lib/known.dll      known
#       home/user/tmp/wiped.jpg      alert, deleted with debugfs rm
#   p3  NTFS, 4 MiB at 6 MiB (files in the root only: ntfs-3g has no tool that
#       makes a directory or deletes a file without mounting)
#       ntfs-alert.jpg      alert
#       report.txt          unmatched, with an alternate data stream "hidden"
#                           holding the bytes of ads-alert.jpg (alert)
#
# Files written here:
#   disk.img.gz          the raw disk (gzip)
#   disk.E01             deflate "best", header: case E2E-CASE-5, examiner E2E Examiner,
#                        evidence EV-E2E-1; MD5 and SHA-1 stored
#   disk-split.E01.gz …  the same disk, no compression, 1 MiB segments (each gzipped;
#                        the test unpacks them next to each other)
#   corrupt.E01.gz       the disk, no compression, with 4 bytes of docs/big-log.txt
#                        overwritten inside one chunk
#   corrupt.range        the media byte range of that chunk ("FIRST LAST", inclusive),
#                        from ewfverify's report, which is kept in corrupt.ewfverify.txt
#   disk.sums            md5 and sha1 of the raw disk (what ewfverify computes)
#   fls.txt              fls -r -p of the partitions (The Sleuth Kit), each line
#                        prefixed with the partition ("p1", "p2", "p3") and a tab
#   alert.md5, known.md5 md5sum lists of the alert and the known files
#   files.md5            md5sum of every planted file (documentation and test cross-check)
set -euo pipefail
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=1700000000 # 2023-11-14T22:13:20Z
export TZ=UTC MTOOLS_SKIP_CHECK=1 LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- planted content -------------------------------------------------------
# All content is generated: text lines, some with a JPEG signature in front.
p1=$work/p1 p2=$work/p2 aux=$work/aux
mkdir -p "$p1/photos" "$p1/docs" "$p2/home/user/archive" "$p2/home/user/lib" "$p2/home/user/tmp" "$aux"
jpeg() { printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00'; printf 'hashtriage e2e fixture %s\n' "$1"; seq "$2" "$3"; printf '\xff\xd9'; }
jpeg alert.jpg 1000 3000 >"$p1/photos/alert.jpg"
jpeg holiday.jpg 5000 6000 >"$p1/photos/holiday.jpg"
jpeg erased.jpg 7000 9000 >"$aux/erased.jpg"
{ printf 'hashtriage e2e fixture manual.txt: a file every installation has\n'; seq 1 500; } >"$p1/docs/manual.txt"
# big-log.txt: 60 KiB of numbered lines around one marker line, so the
# generator can find the file's bytes inside an uncompressed E01.
{
	for i in $(seq 1 900); do printf 'log line %05d before the marker, padding padding\n' "$i"; done
	printf 'E2E-CORRUPT-TARGET-MARKER\n'
	for i in $(seq 1 300); do printf 'log line %05d after the marker, padding padding p\n' "$i"; done
} | head -c 61440 >"$p1/docs/big-log.txt"
jpeg pic.jpg 20000 22000 >"$aux/pic.jpg"
printf 'hashtriage e2e fixture zipnote.txt\n' >"$aux/zipnote.txt"
printf 'hashtriage e2e fixture readme.txt inside outer.7z\n' >"$aux/readme.txt"
{ printf 'hashtriage e2e fixture notes.txt\n'; seq 300 700; } >"$p2/home/user/notes.txt"
{ printf 'MZ hashtriage e2e fixture known.dll\n'; seq 40000 40400; } >"$p2/home/user/lib/known.dll"
jpeg wiped.jpg 30000 31500 >"$p2/home/user/tmp/wiped.jpg"
jpeg ntfs-alert.jpg 50000 52000 >"$aux/ntfs-alert.jpg"
jpeg ads-alert.jpg 60000 61000 >"$aux/ads-alert.jpg"
{ printf 'hashtriage e2e fixture report.txt on NTFS\n'; seq 70000 70300; } >"$aux/report.txt"
find "$p1" "$p2" "$aux" -exec touch -h -d @$SOURCE_DATE_EPOCH {} +

(cd "$aux" && rm -f inner.zip && zip -X -q -9 inner.zip pic.jpg zipnote.txt && touch -d @$SOURCE_DATE_EPOCH inner.zip &&
	7z a -bd -bso0 -mx=9 -mtc=off -mta=off "$p2/home/user/archive/outer.7z" inner.zip readme.txt)
touch -d @$SOURCE_DATE_EPOCH "$p2/home/user/archive/outer.7z"

md5of() { md5sum <"$1" | cut -d' ' -f1; }
{
	echo "$(md5of "$p1/photos/alert.jpg")  alert.jpg"
	echo "$(md5of "$aux/erased.jpg")  erased.jpg"
	echo "$(md5of "$aux/pic.jpg")  pic.jpg"
	echo "$(md5of "$p2/home/user/tmp/wiped.jpg")  wiped.jpg"
	echo "$(md5of "$aux/ntfs-alert.jpg")  ntfs-alert.jpg"
	echo "$(md5of "$aux/ads-alert.jpg")  ads-alert.jpg"
} >alert.md5
{
	echo "$(md5of "$p1/docs/manual.txt")  manual.txt"
	echo "$(md5of "$p2/home/user/lib/known.dll")  known.dll"
} >known.md5
{
	(cd "$p1" && find . -type f | sort | sed 's#^\./##' | while read -r f; do echo "$(md5of "$f")  p1/$f"; done)
	echo "$(md5of "$aux/erased.jpg")  p1/photos/erased.jpg (deleted)"
	(cd "$p2" && find . -type f | sort | sed 's#^\./##' | while read -r f; do echo "$(md5of "$f")  p2/$f"; done)
	for f in inner.zip pic.jpg zipnote.txt readme.txt; do echo "$(md5of "$aux/$f")  outer.7z member $f"; done
	echo "$(md5of "$aux/ntfs-alert.jpg")  p3/ntfs-alert.jpg"
	echo "$(md5of "$aux/report.txt")  p3/report.txt"
	echo "$(md5of "$aux/ads-alert.jpg")  p3/report.txt:hidden"
} >files.md5

# --- p1: FAT16 -------------------------------------------------------------
mkfs.vfat -C -F 16 -s 1 -n HTE2E -i 48540001 "$work/p1.img" 3072 >/dev/null
mcopy -s -m -i "$work/p1.img" "$p1"/* ::/
mcopy -m -i "$work/p1.img" "$aux/erased.jpg" ::/photos/erased.jpg
mdel -i "$work/p1.img" ::/photos/erased.jpg

# --- p2: ext4 --------------------------------------------------------------
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
mke2fs -q -t ext4 -b 1024 -N 64 -O ^has_journal -E root_owner=0:0 -U 00000000-0000-0000-0000-0000000e2e02 \
	-L HTE2E -d "$p2" "$work/p2.img" 2M
debugfs -w -R "rm home/user/tmp/wiped.jpg" "$work/p2.img" >/dev/null 2>&1

# --- p3: NTFS --------------------------------------------------------------
truncate -s 4M "$work/p3.img"
mkntfs -q -F -Q -c 1024 -L HTE2E "$work/p3.img" >/dev/null 2>&1
ntfscp -q "$work/p3.img" "$aux/ntfs-alert.jpg" ntfs-alert.jpg
ntfscp -q "$work/p3.img" "$aux/report.txt" report.txt
ntfscp -q -N hidden "$work/p3.img" "$aux/ads-alert.jpg" report.txt

# --- the disk --------------------------------------------------------------
truncate -s 10M "$work/disk.img"
sfdisk -q "$work/disk.img" <<'EOF'
label: dos
label-id: 0x4854e2e0
start=2048, size=6144, type=06
start=8192, size=4096, type=83
start=12288, size=8192, type=07
EOF
dd if="$work/p1.img" of="$work/disk.img" bs=512 seek=2048 conv=notrunc status=none
dd if="$work/p2.img" of="$work/disk.img" bs=512 seek=8192 conv=notrunc status=none
dd if="$work/p3.img" of="$work/disk.img" bs=512 seek=12288 conv=notrunc status=none
gzip -9n <"$work/disk.img" >disk.img.gz
# The Sleuth Kit's listing of the partitions, "pN<TAB>fls line", for the
# test's cross-check of the file listing and the inode numbers.
{
	fls -r -p -o 2048 "$work/disk.img" | sed 's/^/p1\t/'
	fls -r -p -o 8192 "$work/disk.img" | sed 's/^/p2\t/'
	fls -r -p -o 12288 "$work/disk.img" | sed 's/^/p3\t/'
} >fls.txt
{
	echo "md5 $(md5sum <"$work/disk.img" | cut -d' ' -f1)"
	echo "sha1 $(sha1sum <"$work/disk.img" | cut -d' ' -f1)"
	echo "size $(wc -c <"$work/disk.img" | tr -d ' ')"
} >disk.sums

# --- E01 -------------------------------------------------------------------
acquire() { # target, extra flags...
	t=$1
	shift
	ewfacquire -u -q -f encase6 -d sha1 -m fixed -M physical \
		-C "E2E-CASE-5" -D "hashtriage end-to-end fixture" -e "E2E Examiner" \
		-E "EV-E2E-1" -N "generated by testdata/e2e/make-fixtures.sh" -t "$t" "$@" "$work/disk.img" >/dev/null
}
rm -f disk.E01 disk-split.E* corrupt.E01*
acquire disk -c deflate:best
acquire "$work/disk-split" -c none -S 1048576
for f in "$work"/disk-split.E[0-9][0-9]; do gzip -9n <"$f" >"$(basename "$f").gz"; done

# corrupt.E01: uncompressed chunks hold the media bytes verbatim, so the
# marker line of big-log.txt is found by grep; 4 bytes of it are overwritten.
acquire "$work/corrupt" -c none
off=$(grep -obUa 'E2E-CORRUPT-TARGET-MARKER' "$work/corrupt.E01" | head -n 1 | cut -d: -f1)
printf '\336\255\276\357' | dd of="$work/corrupt.E01" bs=1 seek="$off" conv=notrunc status=none
ewfverify -q "$work/corrupt.E01" 2>/dev/null | grep 'at sector' | sed 's/ in segment.*//' >corrupt.ewfverify.txt || true
# "... at sector(s): FIRST - LAST (number: N)" -> media bytes FIRST*512 .. (LAST+1)*512-1
read -r first last < <(sed -n 's/.*at sector(s): \([0-9]*\) - \([0-9]*\).*/\1 \2/p' corrupt.ewfverify.txt | head -n 1)
echo "$((first * 512)) $(((last + 1) * 512 - 1))" >corrupt.range
gzip -9n <"$work/corrupt.E01" >corrupt.E01.gz

ls -l
