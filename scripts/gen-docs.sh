#!/usr/bin/env bash
# Regenerates the man pages (docs/man) and shell completions (docs/completions) from the
# built binaries' clap definitions; the tests fail when the committed copies differ
# (tests/it/docs.rs for trace, collectors/tests/docs.rs for trace-collector).
#   scripts/gen-docs.sh    builds trace and trace-collector first (cargo build --locked)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --bin trace
(cd collectors && cargo build --locked --bin trace-collector)
collector="$CARGO_TARGET_DIR/debug/trace-collector"
rm -rf docs/man docs/completions
mkdir -p docs/man docs/completions
"$TRACE_BIN" man docs/man
"$collector" --print-man >docs/man/trace-collector.1
for shell in bash:trace.bash zsh:_trace fish:trace.fish elvish:trace.elv powershell:_trace.ps1; do
    name="${shell#*:}"
    "$TRACE_BIN" completions "${shell%%:*}" >"docs/completions/$name"
    "$collector" --print-completions "${shell%%:*}" >"docs/completions/${name/trace/trace-collector}"
done
ls docs/man docs/completions
