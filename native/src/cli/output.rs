//! Printing: JSON results, progress bars, standard output.

use std::io::{self, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use super::Ctx;
use crate::error::{Error, Result};

/// Prints a JSON value on one line.
pub fn json(value: &serde_json::Value) -> Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, value).map_err(|e| stdout_err(e.into()))?;
    out.write_all(b"\n").map_err(stdout_err)
}

/// Prints a line of text.
pub fn line(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}").map_err(stdout_err)
}

/// An error writing standard output.
pub fn stdout_err(e: io::Error) -> Error {
    Error::io(Path::new("<stdout>"), "write", e)
}

/// A byte-progress bar on stderr when the context wants one, else a hidden bar.
pub fn progress(ctx: &Ctx, len: u64, what: &str) -> ProgressBar {
    if !ctx.progress || len < (16 << 20) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}
