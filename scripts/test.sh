#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, unit and integration tests of the
# trace workspace, then of the collector's workspace (collectors/: eBPF programs, procfs
# collector, end-to-end tests with real podman containers, which need root). Ends with one
# "N passed, N failed" line over both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Every shell script, as a new machine runs them (shellcheck follows the sourced env.sh).
shellcheck -x scripts/*.sh .ci/run
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo fmt --all --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets 2>&1 | tee -a "$log"
(
    cd collectors
    cargo fmt --all --check
    cargo clippy --locked --all-targets -- -D warnings
    cargo test --locked --all-targets 2>&1 | tee -a "$log"
)
sum() { grep -E '^test result: ' "$log" | grep -Eo "[0-9]+ $1" | awk '{s += $1} END {print s + 0}'; }
echo "$(sum passed) passed, $(sum failed) failed"
