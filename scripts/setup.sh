#!/usr/bin/env bash
# Installs what building and testing trace needs on a fresh Debian 12 machine (idempotent:
# what is there already is left alone). Runs as root or through sudo.
#   scripts/setup.sh          everything the test suite needs
#   scripts/setup.sh --demo   only what building `trace` and running the demo need
set -euo pipefail
demo_only=false
[ "${1:-}" = "--demo" ] && demo_only=true
cd "$(dirname "$0")/.."
. scripts/env.sh

# Runs a command as root: directly when we are root, through sudo otherwise. An environment
# assignment goes through `env`, so it is never taken for the command itself.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

apt_updated=false
apt_install() {
    if ! $apt_updated; then
        as_root apt-get update -qq
        apt_updated=true
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

need_apt=()
command -v cc >/dev/null || need_apt+=(build-essential)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
command -v git >/dev/null || need_apt+=(git)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if ! $demo_only; then
    # Lints of the shell scripts (scripts/test.sh runs shellcheck on every one).
    command -v shellcheck >/dev/null || need_apt+=(shellcheck)
    # A real browser for the HTML story test.
    [ -x /usr/bin/chromium ] || need_apt+=(chromium)
    # Real containers for the collector's end-to-end tests (podman with runc, cgroupfs, and a
    # dockerd the test starts; a local busybox image is imported, no registry needed).
    command -v podman >/dev/null || need_apt+=(podman)
    command -v runc >/dev/null || need_apt+=(runc)
    command -v busybox >/dev/null || need_apt+=(busybox-static)
    command -v dockerd >/dev/null || need_apt+=(docker.io iptables)
    command -v ip >/dev/null || need_apt+=(iproute2)
    command -v mount >/dev/null || need_apt+=(mount)
    # The independent Parquet reader the tests check the store with.
    python3 -c 'import pyarrow' 2>/dev/null || need_apt+=(python3-pip)
    # Apache Spark (pyspark, local mode) reads the store in the scale-out test; it needs Java.
    command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    apt_install "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null; then
    echo "trace needs a Rust toolchain (rustup, stable >= 1.88): https://rustup.rs" >&2
    exit 1
fi

$demo_only && exit 0

# The eBPF programs build with the machine's pinned nightly (never updated here: bpf-linker
# must match its LLVM major, 22) for bpfel-unknown-none, linked by bpf-linker.
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "the eBPF programs need the pinned nightly toolchain (rustup toolchain list shows none)" >&2
    exit 1
fi
rustup component add rust-src --toolchain nightly >/dev/null 2>&1 || true
if ! command -v bpf-linker >/dev/null; then
    apt_install llvm-22-dev libpolly-22-dev clang-22 zlib1g-dev libzstd-dev
    LLVM_PREFIX=/usr/lib/llvm-22 cargo install bpf-linker --locked --no-default-features --features llvm-22
fi
# Tracepoints need tracefs (the collector mounts it too when it can).
mountpoint -q /sys/kernel/tracing 2>/dev/null || as_root mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true

pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@"
}
python3 -c 'import pyarrow' 2>/dev/null || pip_install pyarrow
python3 -c 'import pyspark' 2>/dev/null || pip_install 'pyspark==4.3.0'

