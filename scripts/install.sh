#!/usr/bin/env bash
# Puts trace and trace-collector on PATH, with their man pages and shell completions:
#
#   scripts/install.sh [--no-build] [--collector | --no-collector]
#
# Builds first (cargo build --locked: the project's one profile, the target dir of env.sh;
# nothing is rebuilt that is up to date) unless --no-build, which installs what was built.
# trace-collector needs the eBPF toolchain (scripts/setup.sh installs it): by default it is
# built and installed when that toolchain is there and left out, saying so, when it is not;
# --collector makes it required, --no-collector leaves it out.
#
# Where (PREFIX defaults to /usr/local; DESTDIR, if set, is put in front, for packaging):
#   $PREFIX/bin/trace, $PREFIX/bin/trace-collector
#   $PREFIX/share/man/man1/trace.1, trace-<command>.1, trace-collector.1
#   $PREFIX/share/bash-completion/completions/trace
#   $PREFIX/share/zsh/site-functions/_trace
#   $PREFIX/share/fish/vendor_completions.d/trace.fish
#   $PREFIX/share/doc/trace/config.toml  (the example configuration: docs/config.md)
#   $PREFIX/share/doc/trace/trace-export.{cron,service,timer}, export.md  (scheduled export:
#   copy the cron line to /etc/cron.d/ or the units to /etc/systemd/system/)
# Runs through sudo when the prefix is not writable. The configuration itself
# (/etc/trace/config.toml) is left alone: copy the example there to use it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

build=true
collector=auto
for arg in "$@"; do
    case "$arg" in
        --no-build) build=false ;;
        --collector) collector=yes ;;
        --no-collector) collector=no ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install.sh: unknown option $arg (see --help)" >&2
            exit 2
            ;;
    esac
done

prefix="${PREFIX:-/usr/local}"
root="${DESTDIR:-}$prefix"
collector_bin="$CARGO_TARGET_DIR/debug/trace-collector"

# Runs a command as root when the install directory is not writable by us.
as_needed() {
    local dir="$root"
    while [ ! -e "$dir" ]; do dir="$(dirname "$dir")"; done
    if [ -w "$dir" ] || [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# The eBPF programs build with the pinned nightly and bpf-linker (scripts/setup.sh).
ebpf_toolchain() {
    command -v bpf-linker >/dev/null && rustup toolchain list 2>/dev/null | grep -q '^nightly'
}

if $build; then
    cargo build --locked --bin trace
    if [ "$collector" = yes ] || { [ "$collector" = auto ] && ebpf_toolchain; }; then
        (cd collectors && cargo build --locked --bin trace-collector)
    fi
fi

if [ ! -x "$TRACE_BIN" ]; then
    echo "install.sh: $TRACE_BIN is not built (run without --no-build)" >&2
    exit 1
fi
with_collector=false
case "$collector" in
    yes)
        if [ ! -x "$collector_bin" ]; then
            echo "install.sh: $collector_bin is not built: it needs the eBPF toolchain (scripts/setup.sh)" >&2
            exit 1
        fi
        with_collector=true
        ;;
    auto)
        if [ -x "$collector_bin" ] && { ! $build || ebpf_toolchain; }; then
            with_collector=true
        else
            echo "install.sh: trace-collector left out: building it needs the eBPF toolchain (scripts/setup.sh), then run this again" >&2
        fi
        ;;
esac

# Debug information makes up most of the built binaries; installed copies go without it.
strip_flag=()
command -v strip >/dev/null && strip_flag=(-s)

bin="$root/bin"
man1="$root/share/man/man1"
bash_dir="$root/share/bash-completion/completions"
zsh_dir="$root/share/zsh/site-functions"
fish_dir="$root/share/fish/vendor_completions.d"
doc_dir="$root/share/doc/trace"
as_needed install -d "$bin" "$man1" "$bash_dir" "$zsh_dir" "$fish_dir" "$doc_dir"
as_needed install -m 755 "${strip_flag[@]}" "$TRACE_BIN" "$bin/trace"

# Man pages and completions come from the binary just installed, so they match it.
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
"$bin/trace" man "$gen/man"
"$bin/trace" completions bash >"$gen/trace.bash"
"$bin/trace" completions zsh >"$gen/_trace"
"$bin/trace" completions fish >"$gen/trace.fish"
if $with_collector; then
    as_needed install -m 755 "${strip_flag[@]}" "$collector_bin" "$bin/trace-collector"
    "$bin/trace-collector" --print-man >"$gen/man/trace-collector.1"
    "$bin/trace-collector" --print-completions bash >"$gen/trace-collector.bash"
    "$bin/trace-collector" --print-completions zsh >"$gen/_trace-collector"
    "$bin/trace-collector" --print-completions fish >"$gen/trace-collector.fish"
    as_needed install -m 644 "$gen/trace-collector.bash" "$bash_dir/trace-collector"
    as_needed install -m 644 "$gen/_trace-collector" "$zsh_dir/_trace-collector"
    as_needed install -m 644 "$gen/trace-collector.fish" "$fish_dir/trace-collector.fish"
fi
as_needed install -m 644 "$gen"/man/*.1 "$man1/"
as_needed install -m 644 "$gen/trace.bash" "$bash_dir/trace"
as_needed install -m 644 "$gen/_trace" "$zsh_dir/_trace"
as_needed install -m 644 "$gen/trace.fish" "$fish_dir/trace.fish"
as_needed install -m 644 dist/config.toml "$doc_dir/config.toml"
as_needed install -m 644 dist/trace-export.cron dist/trace-export.service dist/trace-export.timer \
    docs/export.md "$doc_dir/"

installed="$bin/trace"
$with_collector && installed="$installed and $bin/trace-collector"
echo "installed $installed ($("$bin/trace" --version)), man pages in $man1, completions for bash, zsh and fish"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on PATH: add it (export PATH=\"$prefix/bin:\$PATH\")" >&2 ;;
esac
