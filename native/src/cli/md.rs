//! `bigedit md ...`: Markdown sections (placeholder until issue 4 lands).

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::Ctx;
use crate::error::{Error, Result};

/// The `md` subcommands.
#[derive(Debug, Subcommand)]
pub enum MdCommand {
    /// List the headings: level, title, path, line and byte ranges.
    Outline {
        /// The file.
        file: PathBuf,
    },
}

impl MdCommand {
    /// The subcommand's name, as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            MdCommand::Outline { .. } => "md outline",
        }
    }

    /// The file the command works on.
    pub fn file(&self) -> &Path {
        match self {
            MdCommand::Outline { file } => file,
        }
    }

    /// Whether the command only reads (takes the shared lock).
    pub fn is_read_only(&self) -> bool {
        matches!(self, MdCommand::Outline { .. })
    }
}

/// Runs an `md` subcommand.
pub fn run(_ctx: &Ctx, _command: &MdCommand) -> Result<()> {
    Err(Error::Usage("md: not built yet".to_string()))
}
