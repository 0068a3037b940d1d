#!/usr/bin/env bash
# Measures the set database on a seeded list (see bench/README.md, "Set database"):
# import speed and peak memory, open + first lookup time and heap, and
# lookups per second on one core for hits and misses.
#
#   bash bench/db.sh              # 10 million MD5 entries (≈ 330 MB list)
#   N=1000000 bash bench/db.sh    # smaller
#
# WORK (default /tmp/hashtriage-bench) holds the list, the database and the
# binaries; it is reused when the list is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000000}
SEED=${SEED:-1}
LOOKUPS=${LOOKUPS:-1000000}
WORK=${WORK:-/tmp/hashtriage-bench}
mkdir -p "$WORK"

go build -o "$WORK/hashtriage" ./cmd/hashtriage
go build -o "$WORK/gen" ./bench/gen
go build -o "$WORK/dbprobe" ./bench/dbprobe

list="$WORK/list-$N-$SEED.txt"
if [ ! -s "$list" ]; then
	"$WORK/gen" -n "$N" -seed "$SEED" > "$list.tmp" && mv "$list.tmp" "$list"
fi
"$WORK/gen" -n "$N" -seed "$SEED" -mode hits -count "$LOOKUPS" > "$WORK/hits.txt"
"$WORK/gen" -n "$N" -seed "$SEED" -mode misses -count "$LOOKUPS" > "$WORK/misses.txt"
echo "list: $N MD5 entries, $(du -m "$list" | cut -f1) MB; machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"

rm -rf "$WORK/db"
/usr/bin/time -v "$WORK/hashtriage" sets import --db "$WORK/db" "$list" 2> "$WORK/import.time"
grep -E 'Elapsed \(wall|Maximum resident|User time|System time|Percent of CPU' "$WORK/import.time"
secs=$(awk -F': ' '/Elapsed \(wall/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/import.time")
awk -v n="$N" -v s="$secs" 'BEGIN {printf "import rate: %.2f M entries/s\n", n/s/1e6}'
ls -l "$WORK"/db/*.htseg | awk '{printf "segment: %d MB\n", $5/1e6}'

echo "--- warm (segment in the page cache)"
"$WORK/dbprobe" -db "$WORK/db" -hits "$WORK/hits.txt" -misses "$WORK/misses.txt"
echo "--- cold (segment dropped from the page cache)"
"$WORK/dbprobe" -db "$WORK/db" -hits "$WORK/hits.txt" -misses "$WORK/misses.txt" -evict

/usr/bin/time -v "$WORK/hashtriage" sets verify --db "$WORK/db" 2> "$WORK/verify.time"
grep -E 'Elapsed \(wall|Maximum resident' "$WORK/verify.time"
