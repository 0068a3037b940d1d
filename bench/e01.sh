#!/usr/bin/env bash
# bench/e01.sh: issue 5's speed target. Scanning an E01 image must not be
# more than 25% slower than scanning the same files from a mounted copy.
# The "mounted copy" stand-in is the directory the image's file system was
# built from (same files, same bytes, read through the page cache).
#
# One run times, with the same database and a warm page cache, in
# interleaved rounds (so that load changes on a shared machine hit every
# variant alike):
#   dir   hashtriage scan of the source directory
#   e01   hashtriage scan of the E01 image of an ext4 volume built from it
#   raw   hashtriage scan of the raw ext4 volume (no EWF decoding)
# and prints wall and CPU seconds of each, their medians and the ratios
# e01/dir and raw/dir. The three reports must hold the same number of matches.
# It does so twice: with an MD5-only database (hashing is cheapest, so the
# image decoding weighs most: the hard case) and with an MD5+SHA-1+SHA-256
# database (hashdeep list of the large and text files, made by hashtriage hash).
#
# Usage (from the repository root):
#   bench/e01.sh [WORKDIR]     # default /tmp/ht-e01; tree, image and E01 are reused if present
# Environment: MIX (text, the default: the tree holds TEXT bytes of
# compressible text, so the E01 holds zlib chunks as well as stored ones;
# random: no text (TEXT is ignored), so the E01's zlib chunks are only zeros,
# file tails and file-system metadata; default WORKDIR /tmp/ht-e01-random),
# SIZE (random bytes from
# bench/gentree, default 448MiB), TEXT
# (compressible text bytes added, default 64MiB), SMALL (small files, 4000),
# ROUNDS (5), JOBS (default nproc), COMPRESS (ewfacquire -c, default deflate:fast),
# BASELINE (path of another hashtriage binary, e.g. one built from an older
# tree: its E01 and raw scans are timed in the same rounds as e01b and rawb,
# so that a change is measured against its predecessor under the same load).
# Needs Go, e2fsprogs (mke2fs -d) and ewf-tools (ewfacquire); no mounting, no root.
set -euo pipefail

MIX=${MIX:-text}
case $MIX in
text)
	W=${1:-/tmp/ht-e01}
	TEXT=${TEXT:-64MiB}
	;;
random)
	W=${1:-/tmp/ht-e01-random}
	TEXT=0
	;;
*)
	echo "bench/e01.sh: MIX must be text or random" >&2
	exit 2
	;;
esac
SIZE=${SIZE:-448MiB}
SMALL=${SMALL:-4000}
ROUNDS=${ROUNDS:-5}
JOBS=${JOBS:-$(nproc)}
COMPRESS=${COMPRESS:-deflate:fast}
BASELINE=${BASELINE:-}
mkdir -p "$W"
BIN=$W/hashtriage
export LC_ALL=C

for tool in mke2fs ewfacquire; do
	command -v "$tool" >/dev/null || { echo "bench/e01.sh: $tool not installed (apt-get install -y e2fsprogs ewf-tools)" >&2; exit 1; }
done

echo "== build"
go build -o "$BIN" ./cmd/hashtriage

echo "== tree (seeded; reused when present)"
if [ ! -d "$W/tree" ]; then
	go run ./bench/gentree -out "$W/tree" -size "$SIZE" -small "$SMALL" -large 8 -every 50 -md5 "$W/list.md5" >/dev/null
	# Compressible text files, as drives hold plenty of: the E01 then holds
	# zlib chunks as well as the stored (incompressible) ones of the random files.
	textbytes=$(numfmt --from=iec "${TEXT%iB}")
	[ "$textbytes" -gt 0 ] && mkdir -p "$W/tree/text"
	i=0
	while [ "$((i * 8 << 20))" -lt "$textbytes" ]; do
		(seq $((i * 1000000)) $((i * 1000000 + 2000000)) || true) | head -c $((8 << 20)) >"$W/tree/text/log$(printf %03d $i).txt"
		i=$((i + 1))
	done
	# List a few text files too, so zlib chunks are part of matched content.
	for f in "$W/tree/text/log000.txt" "$W/tree/text/log003.txt"; do
		[ -f "$f" ] && echo "$(md5sum <"$f" | cut -d' ' -f1)  $(basename "$f")" >>"$W/list.md5"
	done
fi
bytes=$(du -sb --apparent-size "$W/tree" | cut -f1)
files=$(find "$W/tree" -type f | wc -l)

echo "== ext4 volume and E01 (reused when present)"
if [ ! -f "$W/disk.E01" ]; then
	rm -f "$W/disk.img"
	mib=$((bytes * 115 / 100 / 1048576 + 64))
	mke2fs -q -t ext4 -b 4096 -E root_owner=0:0 -d "$W/tree" "$W/disk.img" "${mib}M"
	start=$(date +%s.%N)
	ewfacquire -u -q -f encase6 -c "$COMPRESS" -C BENCH -e bench -t "$W/disk" "$W/disk.img" >/dev/null
	echo "ewfacquire -c $COMPRESS: $(echo "$(date +%s.%N) - $start" | bc -l | cut -c1-6) s"
fi
imgbytes=$(stat -c %s "$W/disk.img")
e01bytes=$(stat -c %s "$W/disk.E01")

echo "== databases"
rm -rf "$W/db" "$W/db3"
"$BIN" sets import --db "$W/db" --name bench-e01 --kind alert "$W/list.md5" >/dev/null
listed=tree/large
[ -d "$W/tree/text" ] && listed="$listed tree/text"
# shellcheck disable=SC2086 # two directory names
(cd "$W" && "$BIN" hash --algo md5,sha1,sha256 --format hashdeep $listed >"$W/list3.hashdeep")
"$BIN" sets import --db "$W/db3" --name bench-e01-3 --kind alert "$W/list3.hashdeep" >/dev/null

warm() { find "$@" -type f -print0 | xargs -0 cat >/dev/null; }
warm "$W/tree" "$W/disk.E01" "$W/disk.img"

R=$W/e01-results.txt
: >"$R"
{
	echo "== $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), jobs $JOBS, MIX=$MIX"
	echo "tree: $files files, $bytes bytes; ext4 volume $imgbytes bytes; E01 ($COMPRESS) $e01bytes bytes"
} | tee -a "$R"

# run DB LABEL ARGS...: one scan (by $RUNBIN, default $BIN); appends "LABEL wall cpu" to $W/times
run() {
	local db=$1 label=$2
	shift 2
	local log=$W/time.log start end
	# Wall time from the clock in nanoseconds: time's %e has 10 ms steps,
	# a few per cent of a scan here.
	start=$(date +%s%N)
	/usr/bin/time -f '%e %U %S %M' -o "$log" "${RUNBIN:-$BIN}" scan --no-progress --jobs "$JOBS" --db "$W/$db" --report "$W/r-$label.jsonl" "$@" 2>/dev/null || true
	end=$(date +%s%N)
	read -r _ user sys rss < <(tail -n 1 "$log") # time prefixes a line when the exit status is not 0
	wall=$(echo "($end - $start) / 1000000000" | bc -l)
	cpu=$(echo "$user + $sys" | bc -l)
	printf '%-4s wall %7.3f s  cpu %7.2f s  %7.0f MB/s  peak RSS %7d KiB\n' "$label" "$wall" "$cpu" "$(echo "$bytes / $wall / 1000000" | bc -l)" "$rss" | tee -a "$R"
	echo "$label $wall $cpu" >>"$W/times"
}
median() { # label column
	awk -v l="$1" -v c="$2" '$1 == l { print $c }' "$W/times" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
for db in db db3; do
	case $db in
	db) echo "== MD5-only database ($(grep -c . "$W/list.md5") entries)" | tee -a "$R" ;;
	db3) echo "== MD5+SHA-1+SHA-256 database ($(grep -vc '^[%#]' "$W/list3.hashdeep") entries)" | tee -a "$R" ;;
	esac
	: >"$W/times"
	for i in $(seq 1 "$ROUNDS"); do
		echo "-- round $i (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$R"
		run "$db" dir "$W/tree"
		run "$db" e01 "$W/disk.E01"
		run "$db" raw "$W/disk.img"
		if [ -n "$BASELINE" ]; then
			RUNBIN=$BASELINE run "$db" e01b "$W/disk.E01"
			RUNBIN=$BASELINE run "$db" rawb "$W/disk.img"
		fi
	done
	{
		echo "-- medians of $ROUNDS rounds"
		labels="dir e01 raw"
		[ -n "$BASELINE" ] && labels="$labels e01b rawb"
		for l in $labels; do
			printf '%-4s wall %7.3f s  cpu %7.2f s\n' "$l" "$(median $l 2)" "$(median $l 3)"
		done
		printf 'e01/dir: wall %.2f  cpu %.2f   (target: wall <= 1.25)\n' \
			"$(echo "$(median e01 2) / $(median dir 2)" | bc -l)" "$(echo "$(median e01 3) / $(median dir 3)" | bc -l)"
		printf 'raw/dir: wall %.2f  cpu %.2f\n' \
			"$(echo "$(median raw 2) / $(median dir 2)" | bc -l)" "$(echo "$(median raw 3) / $(median dir 3)" | bc -l)"
		if [ -n "$BASELINE" ]; then
			printf 'baseline e01b/dir: wall %.2f  cpu %.2f   rawb/dir: wall %.2f  cpu %.2f\n' \
				"$(echo "$(median e01b 2) / $(median dir 2)" | bc -l)" "$(echo "$(median e01b 3) / $(median dir 3)" | bc -l)" \
				"$(echo "$(median rawb 2) / $(median dir 2)" | bc -l)" "$(echo "$(median rawb 3) / $(median dir 3)" | bc -l)"
			echo "baseline matches: e01b $(grep -c '"type":"match"' "$W/r-e01b.jsonl"), rawb $(grep -c '"type":"match"' "$W/r-rawb.jsonl")"
		fi
		echo "matches: dir $(grep -c '"type":"match"' "$W/r-dir.jsonl"), e01 $(grep -c '"type":"match"' "$W/r-e01.jsonl"), raw $(grep -c '"type":"match"' "$W/r-raw.jsonl"); errors: dir $(grep -c '"type":"error"' "$W/r-dir.jsonl"), e01 $(grep -c '"type":"error"' "$W/r-e01.jsonl"), raw $(grep -c '"type":"error"' "$W/r-raw.jsonl")"
	} | tee -a "$R"
done
echo "results in $R"
