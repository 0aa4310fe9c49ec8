//! The `trace` command line. Everything happens in `trace::cli`; this only maps the outcome to
//! an exit code: 0 success, 1 error (printed once, with its causes), 2 usage error (clap).

use std::process::ExitCode;

// A story allocates a value per cell it reads (tens of thousands of small strings) and the
// Parquet reader sets up and frees codec contexts per column chunk: mimalloc serves both from
// thread-local pages instead of glibc's arenas.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = <trace::cli::Cli as clap::Parser>::parse();
    match trace::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if trace::cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
