#!/usr/bin/env bash
# Builds and installs trace (scripts/install.sh: on PATH in $PREFIX/bin, default /usr/local,
# with man pages and completions), generates the demo store (a laptop, two servers, two
# Kubernetes nodes, one intrusion), compacts it, and shows what a responder sees first: hosts, containers, and the
# story of the exploited (and deleted) web container. The store goes to $TRACE_STORE
# (default ./demo-store).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh --demo
scripts/install.sh --no-collector   # the demo needs no collector (and no eBPF toolchain)
trace="${PREFIX:-/usr/local}/bin/trace"
export TRACE_STORE="${TRACE_STORE:-$PWD/demo-store}"
"$trace" demo --force
"$trace" compact     # sorted files + the index stories read (what cron does on a real store)
"$trace" hosts
"$trace" containers --image shop/ --since 2026-10-06 --until 2026-10-07
"$trace" story 3f2a9c
