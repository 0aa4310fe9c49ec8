#!/usr/bin/env bash
# Builds trace, generates the demo store (a laptop, two servers, two Kubernetes nodes, one
# intrusion), compacts it, and shows what a responder sees first: hosts, containers, and the
# story of the exploited (and deleted) web container. The store goes to $TRACE_STORE
# (default ./demo-store).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh --demo
cargo build --locked --bin trace
export TRACE_STORE="${TRACE_STORE:-$PWD/demo-store}"
"$TRACE_BIN" demo --force
"$TRACE_BIN" compact     # sorted files + the index stories read (what cron does on a real store)
"$TRACE_BIN" hosts
"$TRACE_BIN" containers --image shop/ --since 2026-10-06 --until 2026-10-07
"$TRACE_BIN" story 3f2a9c
