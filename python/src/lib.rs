//! `bigedit._bigedit`: the Python extension module of bigedit, a thin binding over the
//! native library ([`bigedit::Document`], its transactions, commits, locks and versions; the
//! core's Markdown, CSV and chunk planners; the MCP server's tools for agents). Nothing is
//! parsed here: each function calls what the CLI or the MCP server calls. The Pythonic
//! surface (`bigedit.open`, `bigedit.md`, `bigedit.csv`, progress bars) is in `python/bigedit/`.

mod agent;
mod document;
mod errors;
mod formats;
mod progress;
mod stream;

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;

use crate::document::{lock_kind, Opening, PyDocument, Text};

/// Opens `path`: see `bigedit.open`.
#[pyfunction]
#[pyo3(signature = (path, lock=Some("shared"), lock_timeout=30.0, use_cache=true, root=None, progress=None))]
fn open(
    py: Python<'_>,
    path: PathBuf,
    lock: Option<&str>,
    lock_timeout: f64,
    use_cache: bool,
    root: Option<PathBuf>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyDocument> {
    let opening = Opening {
        path,
        lock: lock_kind(py, lock)?,
        lock_timeout: Duration::from_secs_f64(lock_timeout.max(0.0)),
        use_cache,
        root,
    };
    PyDocument::open(py, opening, progress)
}

/// The version of `data` (16 hex digits): what `Document.version` returns for lines whose
/// bytes are `data`.
#[pyfunction]
fn version_of(data: Text) -> String {
    bigedit_core::Version::of(&data.into_bytes()).to_string()
}

/// The extension module.
#[pymodule]
fn _bigedit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(version_of, m)?)?;
    m.add_function(wrap_pyfunction!(formats::md_outline, m)?)?;
    m.add_function(wrap_pyfunction!(formats::md_read, m)?)?;
    m.add_function(wrap_pyfunction!(formats::md_replace, m)?)?;
    m.add_function(wrap_pyfunction!(formats::csv_rows, m)?)?;
    m.add_function(wrap_pyfunction!(formats::csv_set, m)?)?;
    m.add_function(wrap_pyfunction!(formats::chunks, m)?)?;
    m.add_class::<PyDocument>()?;
    m.add_class::<document::PyTransaction>()?;
    m.add_class::<stream::Stream>()?;
    m.add_class::<stream::MatchData>()?;
    m.add_class::<stream::ChunkData>()?;
    m.add_class::<formats::SectionData>()?;
    m.add_class::<agent::AgentSession>()?;
    Ok(())
}
