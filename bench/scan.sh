#!/usr/bin/env bash
# bench/scan.sh: scan throughput of hashtriage against hashdeep and the
# machine's own hashing limit, all in one run on the same trees with a warm
# page cache. Usage (from the repository root):
#
#   bench/scan.sh [WORKDIR]        # default /tmp/ht-bench; trees are reused if present
#
# Environment: SIZE (default 1GiB), SMALL (20000), LARGE (8), MANY (100000,
# the small-file tree), JOBS (default nproc). Needs Go; installs hashdeep with
# apt-get when it is missing and apt-get is usable, otherwise skips it.
set -euo pipefail

W=${1:-/tmp/ht-bench}
SIZE=${SIZE:-1GiB}
SMALL=${SMALL:-20000}
LARGE=${LARGE:-8}
MANY=${MANY:-100000}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$W"
BIN=$W/hashtriage
TIME=/usr/bin/time

echo "== build"
go build -o "$BIN" ./cmd/hashtriage
go build -o "$W/hashlimit" ./bench/hashlimit

echo "== trees (seeded; reused when present)"
[ -d "$W/tree" ] || go run ./bench/gentree -out "$W/tree" -size "$SIZE" -small "$SMALL" -large "$LARGE" \
	-hashdeep "$W/known.hashdeep" -md5 "$W/known.md5"
[ -d "$W/many" ] || go run ./bench/gentree -out "$W/many" -size 0 -small "$MANY" -max 16KiB -large 0 -every 1000 \
	-md5 "$W/many.md5" -seed 2

echo "== databases"
rm -rf "$W/db3" "$W/db1"
"$BIN" sets import --db "$W/db3" --name bench3 "$W/known.hashdeep" >/dev/null
"$BIN" sets import --db "$W/db1" --name bench1 "$W/known.md5" >/dev/null

if ! command -v hashdeep >/dev/null; then
	(apt-get install -y hashdeep >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y hashdeep >/dev/null 2>&1)) || true
fi

bytes=$(find "$W/tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
manybytes=$(find "$W/many" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "tree: $(find "$W/tree" -type f | wc -l) files, $bytes bytes; many: $(find "$W/many" -type f | wc -l) files, $manybytes bytes"

warm() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }

# t LABEL CMD...: wall seconds, CPU seconds (user + system) and peak RSS of
# one run, appended to $W/results.txt
t() {
	local label=$1; shift
	local log=$W/time.$$.log
	local start end
	start=$(date +%s.%N)
	$TIME -v -o "$log" "$@" >/dev/null 2>"$W/stderr.$$.log" || true
	end=$(date +%s.%N)
	local secs rss cpu
	secs=$(echo "$end - $start" | bc -l)
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
	printf '%-40s %8.2f s  %8.0f MB/s  cpu %6.2f s  peak RSS %7d KiB\n' "$label" "$secs" "$(echo "$CUR_BYTES / $secs / 1000000" | bc -l)" "$cpu" "$rss" | tee -a "$W/results.txt"
	rm -f "$log"
}

: >"$W/results.txt"
echo "== $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$W/results.txt"
echo "== machine limit (single-core hash speed, summed over cores: stdlib, then hashtriage's own hashers)" | tee -a "$W/results.txt"
"$W/hashlimit" -algo md5,sha1,sha256 -time 3s | tee -a "$W/results.txt"
"$W/hashlimit" -algo md5 -time 3s | grep '^limit' | tee -a "$W/results.txt"

# Every measurement is repeated ROUNDS times, the commands interleaved, so
# that a noisy neighbour hurts all of them alike; each line is one run and
# the summary at the end gives the best of each.
ROUNDS=${ROUNDS:-3}
warm "$W/tree"
warm "$W/many"
for round in $(seq "$ROUNDS"); do
	echo "== round $round, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$W/results.txt"
	CUR_BYTES=$bytes
	t "hashtriage scan (md5,sha1,sha256)" "$BIN" scan --no-progress --jobs "$JOBS" --db "$W/db3" --report "$W/r3.jsonl" "$W/tree"
	if command -v hashdeep >/dev/null; then
		t "hashdeep -c md5,sha1,sha256 -k -m" hashdeep -r -c md5,sha1,sha256 -k "$W/known.hashdeep" -m "$W/tree"
	fi
	t "hashtriage scan (md5)" "$BIN" scan --no-progress --jobs "$JOBS" --db "$W/db1" --report "$W/r1.jsonl" "$W/tree"
	t "hashtriage scan (md5), no SIMD lanes" "$BIN" scan --no-progress --jobs "$JOBS" --md5-lanes -1 --db "$W/db1" --report "$W/r1.jsonl" "$W/tree"
	CUR_BYTES=$manybytes
	t "cat, 100k small files" sh -c "find '$W/many' -type f -print0 | xargs -0 cat"
	t "hashtriage scan (md5), 100k small files" "$BIN" scan --no-progress --jobs "$JOBS" --db "$W/db1" --report "$W/rm.jsonl" "$W/many"
done
command -v hashdeep >/dev/null || echo "hashdeep not installed: comparison skipped" | tee -a "$W/results.txt"

echo "== best of $ROUNDS (tree: $bytes bytes in $(find "$W/tree" -type f | wc -l) files; many: $manybytes bytes in $(find "$W/many" -type f | wc -l) files)" | tee -a "$W/results.txt"
grep -v '^==\|^md5\|^sha\|^limit' "$W/results.txt" | sort -t'|' -k1,1 | awk '
	{ label = substr($0, 1, 40); secs = substr($0, 41, 9) + 0; line[label] = line[label] }
	!(label in best) || secs < best[label] { best[label] = secs; keep[label] = $0 }
	END { for (l in keep) print keep[l] }' | sort | tee -a "$W/results.txt"
echo "== matches found: $(grep -c '"type":"match"' "$W/r3.jsonl") (md5+sha1+sha256), $(grep -c '"type":"match"' "$W/r1.jsonl") (md5), $(grep -c '"type":"match"' "$W/rm.jsonl") (100k)" | tee -a "$W/results.txt"
echo "results in $W/results.txt"
