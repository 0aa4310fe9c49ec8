//! Builds the eBPF programs (collectors-ebpf) with the pinned nightly and bpf-linker, through
//! aya-build, into OUT_DIR/trace-ebpf.

fn main() -> anyhow::Result<()> {
    let pkg = aya_build::Package {
        name: "trace-ebpf",
        root_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../collectors-ebpf"),
        ..Default::default()
    };
    aya_build::build_ebpf([pkg], aya_build::Toolchain::default())
}
