#!/usr/bin/env bash
# Story benchmark (issue #5): p50/p90 of `trace story <container>` (the real binary, a new
# process per run) on compacted stores, side by side in one run with the same statements (all
# of them, recorded with TRACE_SQL_LOG and replayed with their parameters) run by DuckDB (the
# Python wheel of the same DuckDB version, 2.0.0) over the same events as JSON lines.
#
#   scripts/bench_story.sh STORE[,JSONL] [STORE[,JSONL] …]
#
# Each STORE is compacted first (`trace compact`, timed; a no-op when already compacted).
# Stores come from `trace demo --events N --days 30 --store DIR` or examples/bench_store
# (which also writes the JSON lines). Environment: CONTAINER (default 3f2a9c, the demo's
# exploited container), RUNS (default 15), TRACE (default $CARGO_TARGET_DIR/debug/trace).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
TRACE="${TRACE:-$TRACE_BIN}"
CONTAINER="${CONTAINER:-3f2a9c}"
RUNS="${RUNS:-15}"

pct() { # pct P < numbers (ms)
    sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR-1)*p/100+0.5)+1; printf "%.0f", a[i]}'
}
ms() { # wall time of a command in ms
    local t0 t1
    t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); trace: $TRACE"
printf '\n| store | events | files (compacted) | compact (s) | story p50 (ms) | story p90 (ms) | JSON lines: DuckDB (ms) | speed-up |\n|---|---:|---:|---:|---:|---:|---:|---:|\n' > /tmp/bench_story.md
for arg in "$@"; do
    store="${arg%%,*}"; jsonl=""
    [[ "$arg" == *,* ]] && jsonl="${arg#*,}"
    t0=$(date +%s%N)
    "$TRACE" --store "$store" compact
    compact_s=$(awk -v n=$(( $(date +%s%N) - t0 )) 'BEGIN {printf "%.1f", n/1e9}')
    events=$("$TRACE" --store "$store" query --format csv "SELECT count(*) FROM events" | tail -1)
    files=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['files']))" "$store/_index/manifest.json")
    rm -f /tmp/bench_story_sql.jsonl  # warm-up run, recording its statements for the baseline
    TRACE_SQL_LOG=/tmp/bench_story_sql.jsonl "$TRACE" --store "$store" story "$CONTAINER" \
        --format json > /dev/null
    times=()
    for _ in $(seq "$RUNS"); do
        times+=("$(ms "$TRACE" --store "$store" story "$CONTAINER" --format json)")
    done
    p50=$(printf '%s\n' "${times[@]}" | pct 50)
    p90=$(printf '%s\n' "${times[@]}" | pct 90)
    echo "$store: $events events, story runs (ms): ${times[*]}"
    json_ms="-"; speed="-"
    if [[ -n "$jsonl" ]]; then
        json_ms=$(TRACE="$TRACE" python3 "$here/bench_story_json.py" "$jsonl" "$store" \
            /tmp/bench_story_sql.jsonl)
        speed=$(awk -v a="$json_ms" -v b="$p50" 'BEGIN {printf "%.0f×", a/b}')
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$store" "$events" "$files" "$compact_s" \
        "$p50" "$p90" "$json_ms" "$speed" >> /tmp/bench_story.md
done
cat /tmp/bench_story.md
