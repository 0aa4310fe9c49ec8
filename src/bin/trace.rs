//! The `trace` command line. Everything happens in `trace::cli`; this only maps the outcome to
//! an exit code: 0 success, 1 error (printed once, with its causes), 2 usage error (clap).

use std::process::ExitCode;

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
