#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, unit and integration tests of the
# trace workspace, then of the collector's workspace (collectors/: eBPF programs, procfs
# collector, end-to-end tests with real podman containers, which need root).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
cargo fmt --all --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
cd collectors
cargo fmt --all --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
