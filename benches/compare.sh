#!/usr/bin/env bash
# benches/compare.sh: licdiag against DuckDB, jq and cat on generated audit exports (see
# benches/README.md). Builds release, generates the inputs into bench-data/ (git-ignored), runs every
# tool RUNS times with a warm page cache (in rounds: every tool once per round, so the tools are
# compared at the machine's speed of the moment), and prints median wall time, peak RSS and
# ratios; then a scaling run of licdiag on Graph JSON Lines at 1x, 4x and 10x SCALE_BASE records.
#
# Everything is local: the inputs are generated here and every query reads local files. Setup may
# install jq and GNU time with apt-get and DuckDB with pip into bench-data/venv when they are missing.
#
# Knobs (environment):
#   EVENTS=1000000      records in the JSON files (Graph JSON Lines, Graph page, Azure Monitor)
#   CSV_EVENTS=250000   records in the CSV files (portal, Log Analytics, Purview)
#   USERS=20000         users in the tenant
#   SCALE_BASE=100000   scaling run sizes: SCALE_BASE x SCALES
#   SCALES="1 4 10"
#   RUNS=3              rounds per file, one run of each tool a round (median reported)
#   TIMEOUT=1800        seconds before one run is given up (reported as "timeout")
#   DATA=bench-data     where inputs, venv and results go
#   SKIP_BUILD=1        use the existing target/release binaries
#   TOOLS="licdiag duckdb jq cat"   add sha256sum for a control: a fixed single-threaded job on the
#                       same file, whose spread over the rounds shows how much the machine's speed
#                       moved during the run (on a shared VM, 20-40% within minutes)
#   KINDS="graph-jsonl graph-array azure-monitor portal-csv la-csv purview-csv"   formats compared;
#                       add graph-blobs for the JSON Lines cut into BLOBS hourly blobs in a storage
#                       container's folders (y=/m=/d=/h=/m=00/PT1H.json), read as one folder
#   BLOBS=720           blobs of graph-blobs (a month of hourly blobs)
#   KINDS=""            skips the comparison (with SCALES, only the scaling run)
#   SCALES=""           skips the scaling run
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
EVENTS=${EVENTS:-1000000}
CSV_EVENTS=${CSV_EVENTS:-250000}
USERS=${USERS:-20000}
SCALE_BASE=${SCALE_BASE:-100000}
SCALES=${SCALES-"1 4 10"}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-1800}
DATA=${DATA:-bench-data}
TOOLS=${TOOLS:-"licdiag duckdb jq cat"}
KINDS=${KINDS-"graph-jsonl graph-array azure-monitor portal-csv la-csv purview-csv"}
BLOBS=${BLOBS:-720}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
GEN="$ROOT/target/release/licdiag-gen"
LICDIAG="$ROOT/target/release/licdiag"
RESULTS="$DATA/results-$(date -u +%Y%m%dT%H%M%SZ).tsv"

say() { printf '\n== %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
    if ! have apt-get; then
        echo "compare.sh: $1 is missing and apt-get is not available; install it and run again" >&2
        exit 2
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y "$1" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$1" >/dev/null; }
}

# --- setup ------------------------------------------------------------------------------------
say "setup"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
    cargo build --release --bin licdiag --bin licdiag-gen
fi
for b in "$GEN" "$LICDIAG"; do
    [ -x "$b" ] || { echo "compare.sh: $b is missing; run without SKIP_BUILD=1" >&2; exit 2; }
done
[ -x /usr/bin/time ] || apt_install time
case " $TOOLS " in *" jq "*) have jq || apt_install jq ;; esac
DUCKDB_PY="$DATA/venv/bin/python"
case " $TOOLS " in *" duckdb "*)
    if ! "$DUCKDB_PY" -c "import duckdb" >/dev/null 2>&1; then
        python3 -m venv "$DATA/venv"
        "$DATA/venv/bin/pip" install --quiet duckdb
    fi
    ;;
esac

# --- inputs -----------------------------------------------------------------------------------
# gen DIR EVENTS FORMATS: generate unless DIR/truth.json already has these parameters
gen() {
    local dir=$1 events=$2 formats=$3
    if [ -f "$dir/truth.json" ] && python3 - "$dir/truth.json" "$USERS" "$events" "$formats" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["generator"]
ok = t["users"] == int(sys.argv[2]) and t["events"] == int(sys.argv[3]) and t["formats"] == sys.argv[4].split(",")
sys.exit(0 if ok else 1)
EOF
    then
        echo "reusing $dir" >&2
    else
        rm -rf "$dir"
        "$GEN" --out "$dir" --users "$USERS" --events "$events" --formats "$formats" --seed 1
    fi
}

say "generating inputs into $DATA"
gen "$DATA/json" "$EVENTS" "graph-jsonl,graph-array,azure-monitor"
gen "$DATA/csv" "$CSV_EVENTS" "portal-csv,la-csv,purview-csv"
# blobs SRC DIR: SRC's lines cut into BLOBS files in a storage container's hourly folders (unless DIR
# already holds them, cut from a file of SRC's size)
blobs() {
    local src=$1 dir=$2 stamp
    stamp="$(stat -c %s "$src") $BLOBS"
    if [ -f "$dir.stamp" ] && [ "$(cat "$dir.stamp")" = "$stamp" ]; then
        echo "reusing $dir" >&2
        return
    fi
    rm -rf "$dir" "$dir.stamp" "$dir.parts"
    mkdir -p "$dir.parts"
    split -n "l/$BLOBS" -d -a 5 "$src" "$dir.parts/p"
    local n=0 f d
    for f in "$dir.parts"/p*; do
        d="$dir/y=2026/m=10/d=$(printf %02d $((1 + n / 24)))/h=$(printf %02d $((n % 24)))/m=00"
        mkdir -p "$d"
        mv "$f" "$d/PT1H.json"
        n=$((n + 1))
    done
    rmdir "$dir.parts"
    echo "$stamp" >"$dir.stamp"
}
case " $KINDS " in *" graph-blobs "*) blobs "$DATA/json/audit/audit-graph.jsonl" "$DATA/blobs" ;; esac

AS_OF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot_time"])' "$DATA/json/truth.json")

# --- the equivalent query ---------------------------------------------------------------------
# Licensing events (the GBL activities, plus `Update user` carrying AssignedLicense) counted by
# activity, result and reason.
LIC_LIST="'Set group license','Start applying group based license to users','Finish applying group based license to users','Finish applying group based license to user','Trigger group license recalculation','Change user license','Set license properties'"

duckdb_sql() {
    local file=$1 kind=$2 size
    size=$(bytes_of "$file")
    local big=$((size + 16777216))
    case $kind in
    graph-jsonl | graph-blobs)
        local src=$file
        [ "$kind" = graph-blobs ] && src="$file/**/*.json" # every blob of the folder
        echo "SELECT activityDisplayName AS activity, result, resultReason AS reason, count(*) AS n
              FROM read_json_auto('$src', format='newline_delimited')
              WHERE activityDisplayName IN ($LIC_LIST)
                 OR (activityDisplayName = 'Update user' AND CAST(targetResources AS VARCHAR) LIKE '%AssignedLicense%')
              GROUP BY ALL ORDER BY ALL" ;;
    graph-array)
        echo "WITH r AS (SELECT unnest(value) AS e FROM read_json_auto('$file', maximum_object_size=$big))
              SELECT e.activityDisplayName AS activity, e.result AS result, e.resultReason AS reason, count(*) AS n FROM r
              WHERE e.activityDisplayName IN ($LIC_LIST)
                 OR (e.activityDisplayName = 'Update user' AND CAST(e.targetResources AS VARCHAR) LIKE '%AssignedLicense%')
              GROUP BY ALL ORDER BY ALL" ;;
    azure-monitor)
        echo "WITH r AS (SELECT unnest(records) AS e FROM read_json_auto('$file', maximum_object_size=$big))
              SELECT e.operationName AS activity, e.properties.result AS result, e.properties.resultReason AS reason, count(*) AS n FROM r
              WHERE e.operationName IN ($LIC_LIST)
                 OR (e.operationName = 'Update user' AND CAST(e.properties.targetResources AS VARCHAR) LIKE '%AssignedLicense%')
              GROUP BY ALL ORDER BY ALL" ;;
    portal-csv)
        echo "SELECT Activity AS activity, Result AS result, ResultReason AS reason, count(*) AS n
              FROM read_csv_auto('$file', header=true, all_varchar=true)
              WHERE Activity IN ($LIC_LIST)
                 OR (Activity = 'Update user' AND 'AssignedLicense' IN (Target1ModifiedProperty1Name, Target1ModifiedProperty2Name, Target1ModifiedProperty3Name, Target1ModifiedProperty4Name, Target1ModifiedProperty5Name))
              GROUP BY ALL ORDER BY ALL" ;;
    la-csv)
        echo "SELECT OperationName AS activity, Result AS result, ResultReason AS reason, count(*) AS n
              FROM read_csv_auto('$file', header=true, all_varchar=true)
              WHERE OperationName IN ($LIC_LIST)
                 OR (OperationName = 'Update user' AND TargetResources LIKE '%AssignedLicense%')
              GROUP BY ALL ORDER BY ALL" ;;
    purview-csv)
        echo "SELECT rtrim(Operation, '.') AS activity, json_extract_string(AuditData, '\$.ResultStatus') AS result,
                     regexp_extract(AuditData, '\"MethodExecutionResult\\.\",\"Value\":\"([^\"]*)\"', 1) AS reason, count(*) AS n
              FROM read_csv_auto('$file', header=true, all_varchar=true)
              WHERE rtrim(Operation, '.') IN ($LIC_LIST)
                 OR (Operation = 'Update user.' AND AuditData LIKE '%\"Name\":\"AssignedLicense\"%')
              GROUP BY ALL ORDER BY ALL" ;;
    esac
}

JQ_LIC='["Set group license","Start applying group based license to users","Finish applying group based license to users","Finish applying group based license to user","Trigger group license recalculation","Change user license","Set license properties"]'
jq_prog() {
    local kind=$1 src act res rea tr
    case $kind in
    graph-jsonl | graph-blobs) src='inputs'; act='.activityDisplayName'; res='.result'; rea='.resultReason'; tr='.targetResources' ;;
    graph-array)   src='input | .value[]';  act='.activityDisplayName'; res='.result'; rea='.resultReason'; tr='.targetResources' ;;
    azure-monitor) src='input | .records[]'; act='.operationName'; res='.properties.result'; rea='.properties.resultReason'; tr='.properties.targetResources' ;;
    esac
    echo "$JQ_LIC as \$lic
      | reduce ($src | select(($act) as \$a | any(\$lic[]; . == \$a)
                              or (\$a == \"Update user\" and (($tr) | tostring | contains(\"AssignedLicense\")))))
          as \$e ({}; .[[\$e | $act, $res, $rea] | map(tostring) | join(\"\\t\")] += 1)
      | to_entries[] | \"\\(.key)\\t\\(.value)\""
}

# set_cmd TOOL KIND FILE: the command line, in CMD
set_cmd() {
    local tool=$1 kind=$2 file=$3
    case $tool in
    licdiag) CMD=("$LICDIAG" --no-progress analyze "$file" --format json --as-of "$AS_OF" --fail-on never) ;;
    duckdb)  CMD=("$DUCKDB_PY" -c 'import duckdb,sys; [print(*r, sep="\t") for r in duckdb.sql(sys.argv[1]).fetchall()]' "$(duckdb_sql "$file" "$kind")") ;;
    jq)      CMD=(jq -rn "$(jq_prog "$kind")" "$file") ;;
    cat)     CMD=(cat "$file") ;;
    sha256sum) CMD=(sha256sum "$file") ;;
    esac
    if [ -d "$file" ]; then
        # a folder of blobs: every file, in path order, as one command (one jq, one reduce)
        case $tool in
        jq) CMD=(find "$file" -type f -name '*.json' -exec jq -rn "$(jq_prog "$kind")" {} +) ;;
        cat | sha256sum) CMD=(find "$file" -type f -name '*.json' -exec "$tool" {} +) ;;
        esac
    fi
}

# bytes_of PATH: a file's size, or the sum of a folder's files
bytes_of() {
    if [ -d "$1" ]; then
        find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
    else
        stat -c %s "$1"
    fi
}

# run_once LABEL TOOL KIND FILE RUN: one timed run; appends "label tool kind bytes run wall_s rss_kb
# status" to RESULTS and returns 1 when the run failed or timed out
run_once() {
    local label=$1 tool=$2 kind=$3 file=$4 run=$5 bytes tf rc wall rss status t0 t1
    bytes=$(bytes_of "$file")
    set_cmd "$tool" "$kind" "$file"
    # cat's copy goes to /dev/null, as the target says (`cat FILE > /dev/null`); writing it to a file
    # timed the file system's writes, not reading; the other tools' answers are kept for inspection
    local out="$DATA/last-$tool.out"
    case $tool in cat | sha256sum) out=/dev/null ;; esac
    tf=$(mktemp)
    set +e
    # wall time from the clock in nanoseconds (GNU time's %e has 10 ms steps: a quarter of `cat`
    # on a CSV file); peak RSS from GNU time
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$tf" timeout "$TIMEOUT" "${CMD[@]}" >"$out" 2>"$DATA/last-$tool.err"
    rc=$?
    t1=$(date +%s%N)
    set -e
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(tail -n 1 "$tf")
    [[ $rss =~ ^[0-9]+$ ]] || rss=NA
    rm -f "$tf"
    status=ok
    [ "$rc" -eq 124 ] && status=timeout
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && status="exit$rc"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$tool" "$kind" "$bytes" "$run" "$wall" "$rss" "$status" >>"$RESULTS"
    printf '  %-14s %-8s run %s: %7ss %8s KB %s\n' "$kind" "$tool" "$run" "$wall" "$rss" "$status" >&2
    if [ "$status" != ok ]; then
        sed -n '1,3p' "$DATA/last-$tool.err" >&2
        return 1
    fi
}

# measure LABEL KIND FILE TOOL...: RUNS rounds, each running every tool once in turn. On a machine
# whose speed drifts within minutes (this VM's does), tools timed in blocks of their own runs were
# compared at different speeds; interleaved, each round sees the tools side by side. A tool that
# fails or times out is not run again on this file.
measure() {
    local label=$1 kind=$2 file=$3 run tool
    shift 3
    local tools=("$@") failed=" "
    find "$file" -type f -exec cat {} + >/dev/null # warm the page cache
    for run in $(seq 1 "$RUNS"); do
        for tool in "${tools[@]}"; do
            case $failed in *" $tool "*) continue ;; esac
            run_once "$label" "$tool" "$kind" "$file" "$run" || failed="$failed$tool "
        done
    done
}

printf 'label\ttool\tformat\tbytes\trun\twall_s\trss_kb\tstatus\n' >"$RESULTS"

say "comparison (rounds: $RUNS, tools interleaved, warm cache)"
for kind in $KINDS; do
    case $kind in
    graph-jsonl) file="$DATA/json/audit/audit-graph.jsonl" ;;
    graph-blobs) file="$DATA/blobs" ;;
    graph-array) file="$DATA/json/audit/audit-graph-page.json" ;;
    azure-monitor) file="$DATA/json/audit/audit-azure-monitor.json" ;;
    portal-csv) file="$DATA/csv/audit/audit-portal.csv" ;;
    la-csv) file="$DATA/csv/audit/audit-la.csv" ;;
    purview-csv) file="$DATA/csv/audit/audit-purview.csv" ;;
    esac
    tools=()
    for tool in $TOOLS; do
        [ "$tool" = jq ] && [ "${kind%-csv}" != "$kind" ] && continue # jq: JSON only
        tools+=("$tool")
    done
    if [ ${#tools[@]} -gt 0 ]; then
        measure compare "$kind" "$file" "${tools[@]}"
    fi
done

say "scaling: licdiag on Graph JSON Lines"
for s in $SCALES; do
    n=$((SCALE_BASE * s))
    gen "$DATA/scale-$n" "$n" "graph-jsonl"
    measure "scale-${s}x" graph-jsonl "$DATA/scale-$n/audit/audit-graph.jsonl" licdiag
done

say "results ($RESULTS)"
python3 - "$RESULTS" "$(nproc)" <<'EOF'
import csv, statistics, sys, collections
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cell = collections.OrderedDict()
for r in rows:
    cell.setdefault((r["label"], r["format"], r["tool"]), []).append(r)

def summary(rs):
    ok = [r for r in rs if r["status"] == "ok"]
    if not ok:
        return None, None, rs[-1]["status"], int(rs[0]["bytes"])
    wall = statistics.median(float(r["wall_s"]) for r in ok)
    rss = max(int(r["rss_kb"]) for r in ok)
    return wall, rss, "ok", int(ok[0]["bytes"])

print(f"machine: {sys.argv[2]} cores; median of the runs, peak RSS = max over runs\n")
def rounds(fmt, tool):
    """licdiag's time over the tool's, round by round: the lowest and highest ratio."""
    mine = {r["run"]: float(r["wall_s"]) for r in cell.get(("compare", fmt, "licdiag"), []) if r["status"] == "ok"}
    theirs = {r["run"]: float(r["wall_s"]) for r in cell.get(("compare", fmt, tool), []) if r["status"] == "ok"}
    ratios = [mine[k] / theirs[k] for k in mine if k in theirs and theirs[k] > 0]
    return f" (rounds {min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1 else ""

def spread(rs):
    """The slowest run over the fastest: how much the machine's speed moved, for the control."""
    ok = [float(r["wall_s"]) for r in rs if r["status"] == "ok"]
    return f"slowest / fastest run = {max(ok) / min(ok):.2f}" if len(ok) > 1 and min(ok) > 0 else ""

print("| format | size | tool | median wall | peak RSS | MB/s | licdiag time ratio |")
print("|---|---|---|---|---|---|---|")
fmts = []
for (label, fmt, tool) in cell:
    if label == "compare" and fmt not in fmts:
        fmts.append(fmt)
for fmt in fmts:
    base = summary(cell.get(("compare", fmt, "licdiag"), []))[0] if ("compare", fmt, "licdiag") in cell else None
    for tool in ["licdiag", "duckdb", "jq", "cat", "sha256sum"]:
        rs = cell.get(("compare", fmt, tool))
        if not rs:
            continue
        wall, rss, st, size = summary(rs)
        if wall is None:
            print(f"| {fmt} | {size/1e6:.0f} MB | {tool} | {st} | | | |")
            continue
        if tool == "sha256sum":
            ratio = f"control: {spread(rs)}"
        elif tool == "licdiag" or base is None:
            ratio = ""
        else:
            ratio = f"licdiag / {tool} = {base / wall:.2f}x{rounds(fmt, tool)}"
        print(f"| {fmt} | {size/1e6:.0f} MB | {tool} | {wall:.3f} s | {rss/1024:.0f} MB | {size/1e6/max(wall,1e-9):.0f} | {ratio} |")
print("\n| scaling (Graph JSON Lines) | size | licdiag median wall | peak RSS | MB/s |")
print("|---|---|---|---|---|")
for (label, fmt, tool), rs in cell.items():
    if not label.startswith("scale-"):
        continue
    wall, rss, st, size = summary(rs)
    if wall is None:
        print(f"| {label} | {size/1e6:.0f} MB | {st} | | |")
    else:
        print(f"| {label} | {size/1e6:.0f} MB | {wall:.3f} s | {rss/1024:.0f} MB | {size/1e6/max(wall,1e-9):.0f} |")
EOF
