//! bigedit: edit parts of very large files without loading them.
//!
//! This crate is the native host of [`bigedit_core`]: file sources (`pread` for full passes,
//! `mmap` for random reads), the line-index cache, atomic commits that copy untouched ranges
//! with `copy_file_range`, and the `bigedit` command-line tool. All parsing and planning lives
//! in the core; this crate does I/O.
//!
//! # Example
//!
//! ```
//! use bigedit::{Document, OpenOptions};
//! use bigedit_core::{text, Chunker};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("app.log");
//! std::fs::write(&path, "ok\nERROR disk full\nok\n").unwrap();
//!
//! let mut doc = Document::open(&path, &OpenOptions { use_cache: false, ..Default::default() }).unwrap();
//! let patch = text::replace_literal(doc.source(), b"ERROR", b"WARN", None, &mut Chunker::default()).unwrap();
//! let report = doc.commit(&patch).unwrap();
//! assert_eq!(report.changes, 1);
//! assert_eq!(std::fs::read_to_string(&path).unwrap(), "ok\nWARN disk full\nok\n");
//! ```

pub mod audit;
pub mod cache;
pub mod cli;
pub mod commit;
pub mod commit_parts;
pub mod commit_stream;
mod doc;
mod error;
mod find;
mod flush;
pub mod growth;
pub mod journal;
pub mod lock;
pub mod mcp;
#[cfg(feature = "s3")]
pub mod object;
pub mod retire;
pub mod source;
pub mod target;

pub use commit::{CommitOptions, CommitStats, Strategy};
pub use doc::{build_index, CommitReport, Document, Drained, IndexState, OpenOptions, Transaction};
pub use error::{Error, Result};
pub use find::Found;
pub use journal::Recovery;
pub use lock::LockKind;
pub use source::{DocSource, FileSource, MmapSource};
pub use target::{Root, Target};
