//! The `bigedit` command line: parses arguments, calls the library, prints results.

mod args;
mod chunks;
mod csv;
mod edit;
mod md;
mod output;
mod read;

use std::cell::RefCell;
use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Parser;

pub use args::{Cli, Command};

use crate::audit::{self, AuditLog};
use crate::error::{Error, Result};
use crate::{LockKind, OpenOptions};

/// Set by `find` when nothing matched: the command succeeded, and exits 1 as grep does.
static NOTHING_FOUND: AtomicBool = AtomicBool::new(false);

/// Runs the CLI with the process's arguments and returns its exit status: 0 on success, 1 on
/// an error (or a `find` that found nothing, as grep), 2 on a usage error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Mcp { .. }) {
        // One command, then exit: the file an atomic commit replaced is freed after that.
        crate::retire::defer_until_exit();
    }
    let result = run(&cli);
    crate::retire::release();
    match result {
        Ok(()) if NOTHING_FOUND.load(Ordering::Relaxed) => ExitCode::FAILURE,
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Io { ref source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            warn(&e.to_string());
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
    if let Command::Mcp { allow_s3 } = &cli.command {
        // A long-running server: each tool call is audited by the server itself.
        let root = cli.root.clone().filter(|r| !r.as_os_str().is_empty()).ok_or_else(|| {
            Error::Usage("mcp: give --root DIR, the directory the agent may read and edit".into())
        })?;
        return crate::mcp::serve(crate::mcp::Config {
            root,
            use_cache: !cli.no_cache,
            chunk_size: cli.chunk_size,
            lock_timeout: cli.lock_timeout,
            audit_log: audit::log_path(cli.audit_log.as_deref()),
            allow_s3: allow_s3.clone(),
            #[cfg(feature = "s3")]
            s3: cli.s3(),
        });
    }
    // Readers share the file's lock; editors hold it exclusively from their first read to
    // their commit, so a read-modify-write is never interleaved with another writer.
    let lock = if cli.command.is_read_only() { LockKind::Shared } else { LockKind::Exclusive };
    let opts = OpenOptions {
        use_cache: !cli.no_cache,
        chunk_size: cli.chunk_size,
        lock: Some(lock),
        lock_timeout: cli.lock_timeout,
        root: cli.root.clone().filter(|r| !r.as_os_str().is_empty()),
        #[cfg(feature = "s3")]
        s3: cli.s3(),
    };
    let ctx = Ctx {
        json: cli.json,
        opts,
        progress: !cli.json && io::stderr().is_terminal(),
        audit: RefCell::new(serde_json::Map::new()),
    };
    // An audit trail must not have holes: a log that cannot be opened stops the operation
    // before it starts (fail closed), unless the user said the log is optional.
    let log_path = audit::log_path(cli.audit_log.as_deref());
    let mut log = match &log_path {
        Some(path) => match AuditLog::new(path).open() {
            Ok(file) => Some(file),
            Err(e) if cli.audit_log_optional => {
                warn(&format!("{}: cannot open the audit log ({e}); going on", path.display()));
                None
            }
            Err(e) => {
                return Err(Error::io(
                    path,
                    "open audit log",
                    io::Error::new(
                        e.kind(),
                        format!(
                            "{e}; refusing to run unaudited (--audit-log-optional runs anyway)"
                        ),
                    ),
                ))
            }
        },
        None => None,
    };
    let started = Instant::now();
    let result = run_command(&ctx, &cli.command);
    if let (Some(path), Some(file)) = (&log_path, log.as_mut()) {
        let record = audit::record(
            cli.command.name(),
            cli.command.file(),
            &mut ctx.audit.borrow_mut(),
            started.elapsed(),
            result.as_ref().err(),
        );
        if let Err(e) = audit::append_to(file, &record) {
            // The operation itself is done (an edit is committed): say so, do not hide it.
            warn(&format!("{}: could not append to the audit log: {e}", path.display()));
        }
    }
    result
}

/// Prints `bigedit: MESSAGE` on stderr as one write, so concurrent processes' lines do not
/// interleave; a failing stderr (closed, full) is ignored rather than a panic as with
/// `eprintln!`.
pub(crate) fn warn(message: &str) {
    use std::io::Write;
    let _ = io::stderr().lock().write_all(format!("bigedit: {message}\n").as_bytes());
}

/// A duration in milliseconds, to the microsecond.
pub(crate) fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn run_command(ctx: &Ctx, command: &Command) -> Result<()> {
    match command {
        Command::Info { file } => read::info(ctx, file),
        Command::Index { file } => read::index(ctx, file),
        Command::Read { file, lines, bytes } => {
            read::read(ctx, file, lines.as_deref(), bytes.as_deref())
        }
        Command::Find {
            file,
            pattern,
            regex,
            max,
            count,
            context,
            after_context,
            before_context,
        } => {
            // Any context flag, even 0, groups the output (`--` between groups), as in grep.
            let asked = context.is_some() || after_context.is_some() || before_context.is_some();
            let around = asked.then(|| read::Around {
                before: before_context.or(*context).unwrap_or(0),
                after: after_context.or(*context).unwrap_or(0),
            });
            read::find(ctx, file, pattern, *regex, *max, *count, around)
        }
        Command::Md { command } => md::run(ctx, command),
        Command::Csv { command } => csv::run(ctx, command),
        Command::Chunks(args) => chunks::run(ctx, args),
        command => edit::run(ctx, command),
    }
}

/// What every command needs to know about the invocation.
pub(crate) struct Ctx {
    pub json: bool,
    pub opts: OpenOptions,
    /// Show progress bars (stderr is a terminal and output is not JSON).
    pub progress: bool,
    /// Facts a command adds to its audit record (ranges, bytes, lock wait, commit).
    pub audit: RefCell<serde_json::Map<String, serde_json::Value>>,
}

impl Ctx {
    /// Adds a fact to the audit record of this operation.
    pub fn note(&self, key: &str, value: impl Into<serde_json::Value>) {
        self.audit.borrow_mut().insert(key.to_string(), value.into());
    }
}
