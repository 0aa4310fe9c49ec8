//! `trace query`: one read-only SQL statement over the store's views.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, open_engine};
use crate::query::Value;

/// Arguments of `trace query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL (one SELECT). Without it, SQL is read from --file or standard input.
    pub sql: Option<String>,
    /// Read the SQL from this file.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "sql"
    )]
    pub file: Option<PathBuf>,
    /// A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never
    /// pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs.
    #[arg(short = 'p', long = "param", value_name = "VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    /// Output.
    pub out: OutputArgs,
}

/// Runs `trace query`.
pub fn run(root: &Path, a: QueryArgs) -> Result<()> {
    let sql = match (&a.sql, &a.file) {
        (Some(s), _) => s.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read SQL from {}", f.display()))?,
        (None, None) => {
            if std::io::stdin().is_terminal() {
                bail!("no SQL given: pass it as an argument, with -f FILE, or on standard input");
            }
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading SQL from standard input")?;
            s
        }
    };
    let engine = open_engine(root)?;
    let params: Vec<Value> = a.params.iter().map(|p| Value::Text(p.clone())).collect();
    let result = engine.run_user_sql(&sql, &params).context("query failed")?;
    a.out.emit(&result)
}
