//! `bigedit csv ...`: CSV records (placeholder until issue 4 lands).

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::Ctx;
use crate::error::{Error, Result};

/// The `csv` subcommands.
#[derive(Debug, Subcommand)]
pub enum CsvCommand {
    /// Print the header names and the dialect.
    Headers {
        /// The file.
        file: PathBuf,
    },
}

impl CsvCommand {
    /// The subcommand's name, as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            CsvCommand::Headers { .. } => "csv headers",
        }
    }

    /// The file the command works on.
    pub fn file(&self) -> &Path {
        match self {
            CsvCommand::Headers { file } => file,
        }
    }

    /// Whether the command only reads (takes the shared lock).
    pub fn is_read_only(&self) -> bool {
        matches!(self, CsvCommand::Headers { .. })
    }
}

/// Runs a `csv` subcommand.
pub fn run(_ctx: &Ctx, _command: &CsvCommand) -> Result<()> {
    Err(Error::Usage("csv: not built yet".to_string()))
}
