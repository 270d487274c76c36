//! The native error: a core [`EditError`] or an I/O failure, always with the path involved.

use std::io;
use std::path::Path;

use bigedit_core::EditError;

/// What went wrong, where. Displays as one line: `PATH: what`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request does not fit the file (a line past the end, overlapping edits, ...).
    #[error("{path}: {source}")]
    Edit {
        /// The file, as the user named it.
        path: String,
        /// What is wrong.
        source: EditError,
    },
    /// An I/O call failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What bigedit was doing ("open", "read at byte 4096", "rename", ...).
        action: String,
        /// The system's error.
        source: io::Error,
    },
    /// A request that is malformed before any file is touched (bad JSON, missing input).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// An I/O error while doing `action` on `path`.
    pub fn io(path: &Path, action: impl Into<String>, source: io::Error) -> Self {
        Error::Io { path: path.display().to_string(), action: action.into(), source }
    }

    /// A core error about `path`.
    pub fn edit(path: &Path, source: EditError) -> Self {
        Error::Edit { path: path.display().to_string(), source }
    }

    /// Converts a core error raised while working on `path`.
    pub fn from_core(path: &Path, err: bigedit_core::Error<io::Error>) -> Self {
        match err {
            bigedit_core::Error::Edit(e) => Error::edit(path, e),
            bigedit_core::Error::Read { offset, source } => {
                Error::io(path, format!("read at byte {offset}"), source)
            }
            other => Error::Usage(format!("{}: {other}", path.display())),
        }
    }

    /// Whether the error is the user's request rather than the system (exit status 2 vs 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_) | Error::Edit { source: EditError::BadRange { .. }, .. })
    }
}

/// Shorthand for results with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
