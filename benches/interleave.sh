#!/usr/bin/env bash
# benches/interleave.sh: licdiag binaries against DuckDB's query from compare.sh, interleaved on one
# file. Per round: one run of each binary, then one DuckDB run; prints each median and its ratio to
# DuckDB's. On a machine whose speed drifts within minutes, runs taken side by side like this are
# the comparison to read (benches/README.md, thirteenth run on). The binaries take turns going
# first: the run right after DuckDB's was measured 4-6% faster than the others (twenty-third run),
# so a fixed order favours the first binary.
#
#   benches/interleave.sh KIND FILE ROUNDS BIN...
#
#   KIND    graph-jsonl | graph-array | azure-monitor | portal-csv | la-csv | purview-csv (the query
#           compare.sh runs for that format)
#   FILE    a generated input (compare.sh writes them under bench-data/)
#   ROUNDS  rounds (the median of each is printed)
#   BIN     licdiag binaries, e.g. target/release/licdiag and an older build
#
# Needs DuckDB in bench-data/venv (compare.sh installs it there). AS_OF sets `--as-of`
# (default 2026-10-09T12:00:00Z).
set -euo pipefail

cd "$(dirname "$0")/.."
if [ $# -lt 4 ]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
KIND=$1 FILE=$2 ROUNDS=$3
shift 3
AS_OF=${AS_OF:-2026-10-09T12:00:00Z}
PY=${DATA:-bench-data}/venv/bin/python
[ -x "$PY" ] || { echo "interleave.sh: $PY is missing; run benches/compare.sh once" >&2; exit 2; }
[ -f "$FILE" ] || { echo "interleave.sh: $FILE is missing" >&2; exit 2; }
# the query exactly as compare.sh builds it
# shellcheck disable=SC1090
source <(sed -n '/^LIC_LIST=/p;/^bytes_of()/,/^}/p;/^duckdb_sql()/,/^}/p' benches/compare.sh)
SQL=$(duckdb_sql "$FILE" "$KIND")

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
cat "$FILE" > /dev/null # warm the page cache
BINS=("$@")
for r in $(seq 0 $((ROUNDS - 1))); do
    for k in "${!BINS[@]}"; do
        j=$(( (r + k) % ${#BINS[@]} ))
        s=$(date +%s%N)
        "${BINS[$j]}" --no-progress analyze "$FILE" --format json --as-of "$AS_OF" --fail-on never > /dev/null
        echo "$j $(ms "$s")" >> "$TIMES"
    done
    s=$(date +%s%N)
    "$PY" -c 'import duckdb,sys; [print(*r, sep="\t") for r in duckdb.sql(sys.argv[1]).fetchall()]' "$SQL" > /dev/null
    echo "duckdb $(ms "$s")" >> "$TIMES"
done
d=$(awk '$1 == "duckdb" {print $2}' "$TIMES" | median)
echo "$KIND, $ROUNDS rounds: duckdb $d ms"
j=0
for bin in "$@"; do
    l=$(awk -v j=$j '$1 == j {print $2}' "$TIMES" | median)
    echo "$KIND, $ROUNDS rounds: $bin $l ms, $(awk -v d="$d" -v l="$l" 'BEGIN {printf "%.2f", d / l}')x faster than duckdb"
    j=$((j + 1))
done
