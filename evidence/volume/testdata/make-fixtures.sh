#!/bin/bash
# Generates the volume fixtures in this directory. Needs Debian's dosfstools,
# mtools, ntfs-3g, e2fsprogs (mke2fs, debugfs), fdisk (sfdisk), attr, exfatprogs,
# exfat-fuse and gzip:
#   apt-get install -y dosfstools mtools ntfs-3g e2fsprogs fdisk attr exfatprogs exfat-fuse gzip
# exfatprogs ships no tool that writes files into an image, so the exFAT fixture
# is filled through exfat-fuse on a loop device (root, /dev/loop*, /dev/fuse).
# The NTFS fixture is built with ntfscp (files, alternate data stream) and then
# mounted once through ntfs-3g (FUSE, needs /dev/fuse and root) to delete a file and
# write a sparse one: ntfs-3g ships no tool that deletes without mounting. The
# fixture is our own generated image, never evidence.
#
# All content is generated here (no outside files), so its hashes are known:
# see files.md5, which the tests compare against.
set -euo pipefail
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=1700000000 # 2023-11-14T22:13:20Z
export TZ=UTC MTOOLS_SKIP_CHECK=1
work=$(mktemp -d)
loop=
trap 'umount "$work/mnt" 2>/dev/null || true; [ -n "$loop" ] && losetup -d "$loop"; rm -rf "$work"' EXIT

# --- planted content -------------------------------------------------------
src=$work/src
mkdir -p "$src/docs/nested/deep" "$src/pics"
printf 'hashtriage volume fixture\n' >"$src/docs/readme.txt"
seq 1 300 >"$src/docs/nested/deep/notes.txt"
{ printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00'; seq 100000 104000; printf '\xff\xd9'; } >"$src/pics/photo.jpg"
seq 1 20000 >"$src/big.bin"
printf 'a file with a long name\n' >"$src/Long File Name With Spaces.txt"
{ printf '\xff\xd8\xff\xe1'; seq 500000 501000; printf '\xff\xd9'; } >"$work/deleted.jpg"
printf 'alternate stream content\n' >"$work/ads.txt"
: >"$src/empty.txt"
find "$src" "$work/deleted.jpg" "$work/ads.txt" -exec touch -d @$SOURCE_DATE_EPOCH {} +
(cd "$src" && find . -type f -print0 | sort -z | xargs -0 md5sum | sed 's#  \./#  #') >files.md5
(cd "$work" && md5sum deleted.jpg ads.txt) >>files.md5

# --- FAT -------------------------------------------------------------------
# fat_image FILE KIB FATBITS SECTORS_PER_CLUSTER: a FAT volume holding the
# planted tree plus deleted.jpg, which is then deleted (mdel).
fat_image() {
	rm -f "$1"
	mkfs.vfat -C -F "$3" -s "$4" -n FIXTURE -i 12345678 "$1" "$2" >/dev/null
	mcopy -s -m -i "$1" "$src"/* ::/
	mcopy -m -i "$1" "$work/deleted.jpg" ::/pics/deleted.jpg
	mdel -i "$1" ::/pics/deleted.jpg
}
fat_image fat12.img 1024 12 2
fat_image fat16.img 4096 16 1
fat_image "$work/fat32.img" 33792 32 1
gzip -9n <"$work/fat32.img" >fat32.img.gz

# --- ext4 ------------------------------------------------------------------
ext_image() {
	rm -f "$1"
	mke2fs -q -t ext4 -b 1024 -N 64 -O ^has_journal -E root_owner=0:0 -U 00000000-0000-0000-0000-000000000001 \
		-d "$src" "$1" "$2"
	debugfs -w -R "symlink link-to-readme docs/readme.txt" "$1" >/dev/null 2>&1
	debugfs -w -R "write $work/deleted.jpg pics/deleted.jpg" "$1" >/dev/null 2>&1
	debugfs -w -R "rm pics/deleted.jpg" "$1" >/dev/null 2>&1
}
ext_image ext4.img 2M

# ext2: block maps instead of extents; large.bin (seq 1 60000, 348894 bytes)
# needs the double-indirect block with 1 KiB blocks.
mkdir -p "$work/src2"
cp -a "$src/." "$work/src2/"
seq 1 60000 >"$work/src2/large.bin"
touch -d @$SOURCE_DATE_EPOCH "$work/src2/large.bin"
rm -f "$work/ext2.img"
mke2fs -q -t ext2 -b 1024 -N 64 -E root_owner=0:0 -U 00000000-0000-0000-0000-000000000003 -d "$work/src2" "$work/ext2.img" 1M
gzip -9n <"$work/ext2.img" >ext2.img.gz

# --- NTFS ------------------------------------------------------------------
ntfs_image() {
	rm -f "$1"
	truncate -s "$2" "$1"
	mkntfs -q -F -Q -c 1024 -L FIXTURE "$1" >/dev/null 2>&1
	mkdir -p "$work/mnt"
	ntfs-3g -o compression "$1" "$work/mnt"
	(cd "$src" && find . -mindepth 1 -type d | sort | while read -r d; do mkdir -p "$work/mnt/$d"; done)
	(cd "$src" && find . -type f | sort | while read -r f; do cp -p "$f" "$work/mnt/$f"; done)
	# A sparse file: 64 KiB hole, then a line.
	truncate -s 65536 "$work/mnt/sparse.bin"
	printf 'after the hole\n' >>"$work/mnt/sparse.bin"
	touch -d @$SOURCE_DATE_EPOCH "$work/mnt/sparse.bin"
	# An LZNT1-compressed copy of big.bin: files created in a directory
	# with the compressed attribute (0x800) are compressed.
	mkdir "$work/mnt/compressed"
	setfattr -h -v 0x00000800 -n system.ntfs_attrib_be "$work/mnt/compressed"
	cp -p "$src/big.bin" "$work/mnt/compressed/big.bin"
	# Deleted last, so that no later file reuses its MFT record.
	cp -p "$work/deleted.jpg" "$work/mnt/pics/deleted.jpg"
	umount "$work/mnt"
	ntfs-3g "$1" "$work/mnt"
	rm "$work/mnt/pics/deleted.jpg"
	umount "$work/mnt"
	# The alternate data stream is written without mounting.
	ntfscp -q -N secret "$1" "$work/ads.txt" docs/readme.txt
}
ntfs_image ntfs.img 4M

{ head -c 65536 /dev/zero; printf 'after the hole\n'; } | md5sum | sed 's/-$/sparse.bin/' >>files.md5

# Hard links: one file under three names in two directories (each ln
# through ntfs-3g adds a $FILE_NAME to the file's MFT record), beside a
# file with one name.
ntfs_links_image() {
	rm -f "$1"
	truncate -s 2M "$1"
	mkntfs -q -F -Q -c 1024 -L LINKS "$1" >/dev/null 2>&1
	mkdir -p "$work/mnt"
	ntfs-3g "$1" "$work/mnt"
	mkdir "$work/mnt/a" "$work/mnt/b"
	printf 'one file, three names\n' >"$work/mnt/a/one.txt"
	ln "$work/mnt/a/one.txt" "$work/mnt/b/two.txt"
	ln "$work/mnt/a/one.txt" "$work/mnt/a/three.txt"
	printf 'one name\n' >"$work/mnt/b/plain.txt"
	touch -d @$SOURCE_DATE_EPOCH "$work/mnt/a/one.txt" "$work/mnt/b/plain.txt"
	umount "$work/mnt"
}
ntfs_links_image ntfs-links.img
printf 'one file, three names\n' | md5sum | sed 's/-$/one.txt/' >>files.md5
printf 'one name\n' | md5sum | sed 's/-$/plain.txt/' >>files.md5

# --- exFAT -----------------------------------------------------------------
exfat_image() {
	rm -f "$1"
	truncate -s "$2" "$1"
	mkfs.exfat -L FIXTURE "$1" >/dev/null
	loop=$(losetup --find --show "$1")
	mkdir -p "$work/mnt"
	mount.exfat-fuse "$loop" "$work/mnt" 2>/dev/null
	(cd "$src" && find . -mindepth 1 -type d | sort | while read -r d; do mkdir -p "$work/mnt/$d"; done)
	(cd "$src" && find . -type f | sort | while read -r f; do cp -p "$f" "$work/mnt/$f"; done)
	cp -p "$work/deleted.jpg" "$work/mnt/pics/deleted.jpg"
	umount "$work/mnt"
	mount.exfat-fuse "$loop" "$work/mnt" 2>/dev/null
	rm "$work/mnt/pics/deleted.jpg"
	umount "$work/mnt"
	losetup -d "$loop"
	loop=
}
exfat_image exfat.img 4M

# --- partitioned disks -----------------------------------------------------
# MBR: p1 FAT16 (4 MiB at 1 MiB), p2 ext4 (2 MiB at 5 MiB), p3 extended
# (at 7 MiB) holding logical p5 FAT12 (1 MiB); 9 MiB in all.
rm -f "$work/mbr.img"
truncate -s 9M "$work/mbr.img"
sfdisk -q "$work/mbr.img" <<'EOF'
label: dos
label-id: 0x12345678
start=2048, size=8192, type=06
start=10240, size=4096, type=83
start=14336, size=4096, type=05
start=16384, size=2048, type=01
EOF
dd if=fat16.img of="$work/mbr.img" bs=512 seek=2048 conv=notrunc status=none
dd if=ext4.img of="$work/mbr.img" bs=512 seek=10240 conv=notrunc status=none
dd if=fat12.img of="$work/mbr.img" bs=512 seek=16384 conv=notrunc status=none
gzip -9n <"$work/mbr.img" >mbr.img.gz

# GPT: p1 NTFS (4 MiB at 1 MiB), p2 FAT12 (1 MiB at 5 MiB), p3 an
# unformatted Linux partition (1 MiB); 8 MiB in all.
rm -f "$work/gpt.img"
truncate -s 8M "$work/gpt.img"
sfdisk -q "$work/gpt.img" <<'EOF'
label: gpt
label-id: 01234567-89AB-CDEF-0123-456789ABCDEF
first-lba: 2048
start=2048, size=8192, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=11111111-1111-1111-1111-111111111111, name="ntfs"
start=10240, size=2048, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=22222222-2222-2222-2222-222222222222, name="fat"
start=12288, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=33333333-3333-3333-3333-333333333333, name="blank"
EOF
dd if=ntfs.img of="$work/gpt.img" bs=512 seek=2048 conv=notrunc status=none
dd if=fat12.img of="$work/gpt.img" bs=512 seek=10240 conv=notrunc status=none
gzip -9n <"$work/gpt.img" >gpt.img.gz

gzip -9nf ntfs.img ntfs-links.img fat12.img fat16.img ext4.img exfat.img

# --- small fuzz seeds ------------------------------------------------------
# Go's fuzzer is slow on megabyte inputs; these are the smallest volumes
# the tools make, with a nested file, a deleted file and (NTFS) a stream.
rm -f "$work/fz.img"
mkfs.vfat -C -n FUZZ -i 12345678 "$work/fz.img" 64 >/dev/null
mmd -i "$work/fz.img" ::/dir
mcopy -m -i "$work/fz.img" "$src/docs/readme.txt" ::/dir/readme.txt
mcopy -m -i "$work/fz.img" "$src/docs/nested/deep/notes.txt" ::/notes.txt
mcopy -m -i "$work/fz.img" "$src/docs/readme.txt" ::/gone.txt
mdel -i "$work/fz.img" ::/gone.txt
gzip -9n <"$work/fz.img" >fuzz-fat12.img.gz
rm -f "$work/fz.img"
mkdir -p "$work/fzsrc/dir"
cp -p "$src/docs/readme.txt" "$work/fzsrc/dir/"
cp -p "$src/docs/nested/deep/notes.txt" "$work/fzsrc/"
mke2fs -q -t ext4 -b 1024 -N 16 -O ^has_journal,^resize_inode -U 00000000-0000-0000-0000-000000000002 -d "$work/fzsrc" "$work/fz.img" 128K
gzip -9n <"$work/fz.img" >fuzz-ext4.img.gz
rm -f "$work/fz.img"
truncate -s 1536K "$work/fz.img"
mkntfs -q -F -Q -c 512 "$work/fz.img" >/dev/null 2>&1
ntfscp -q "$work/fz.img" "$src/docs/readme.txt" readme.txt
ntfscp -q -N s "$work/fz.img" "$work/ads.txt" readme.txt
gzip -9n <"$work/fz.img" >fuzz-ntfs.img.gz
ls -l
