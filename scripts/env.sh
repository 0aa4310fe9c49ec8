# shellcheck shell=bash
# Sourced by the other scripts: one cargo target dir outside the clone, shared by every
# checkout and by CI, so the bundled DuckDB (~22 min cold on 2 cores) compiles once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trace-target}"
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$CARGO_TARGET_DIR"
# The built binary (scripts/install.sh installs it; a test may name another one).
export TRACE_BIN="${TRACE_BIN:-$CARGO_TARGET_DIR/debug/trace}"
