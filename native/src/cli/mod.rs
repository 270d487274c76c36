//! The `bigedit` command line: parses arguments, calls the library, prints results.

mod args;
mod edit;
mod output;
mod read;

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

use crate::error::{Error, Result};
use crate::{LockKind, OpenOptions};

/// Runs the CLI with the process's arguments and returns its exit status: 0 on success, 1 on
/// an error, 2 on a usage error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Io { ref source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bigedit: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

/// Runs one parsed command.
///
/// # Errors
///
/// Whatever the command met; the file is unchanged after any error.
pub fn run(cli: &Cli) -> Result<()> {
    // Readers share the file's lock; editors hold it exclusively from their first read to
    // their commit, so a read-modify-write is never interleaved with another writer.
    let lock = match &cli.command {
        Command::Info { .. }
        | Command::Index { .. }
        | Command::Read { .. }
        | Command::Find { .. } => LockKind::Shared,
        _ => LockKind::Exclusive,
    };
    let opts = OpenOptions {
        use_cache: !cli.no_cache,
        chunk_size: cli.chunk_size,
        lock: Some(lock),
        lock_timeout: cli.lock_timeout,
    };
    let ctx = Ctx { json: cli.json, opts, progress: !cli.json && io::stderr().is_terminal() };
    match &cli.command {
        Command::Info { file } => read::info(&ctx, file),
        Command::Index { file } => read::index(&ctx, file),
        Command::Read { file, lines, bytes } => {
            read::read(&ctx, file, lines.as_deref(), bytes.as_deref())
        }
        Command::Find { file, pattern, regex, max, count } => {
            read::find(&ctx, file, pattern, *regex, *max, *count)
        }
        command => edit::run(&ctx, command),
    }
}

/// What every command needs to know about the invocation.
pub(crate) struct Ctx {
    pub json: bool,
    pub opts: OpenOptions,
    /// Show progress bars (stderr is a terminal and output is not JSON).
    pub progress: bool,
}
