//! Streams: a scan runs on its own thread (without the GIL) and hands its results over a
//! bounded channel to a Python iterator, so matches, rows and chunks arrive as they are
//! found and memory holds at most [`DEPTH`] of them. Dropping or closing the iterator stops
//! the scan at its next result; Ctrl+C while waiting raises KeyboardInterrupt there.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Mutex;
use std::time::Duration;

use bigedit::{Error, Found};
use bigedit_core::chunks::Chunk;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::to_py;

/// Results held between the scan and the iterator.
const DEPTH: usize = 1024;
/// Longest line text a match carries (a longer line is cut there).
pub const FIND_LINE_HELD: u64 = 1 << 20;

/// One result of a scan, as plain data (converted to Python objects by the iterator).
pub enum Item {
    /// A match of `find`.
    Match(MatchData),
    /// The column names of a CSV file (sent before its rows).
    Columns(Vec<String>),
    /// A CSV row's values.
    Row(Vec<String>),
    /// A chunk.
    Chunk(Chunk),
}

/// The sending end a scan writes to; a failed send means the iterator is gone.
pub type Tx = SyncSender<Result<Item, Error>>;

/// Runs `work` on a new thread; its items (and its error, if any) come out of the stream.
pub fn spawn(
    py: Python<'_>,
    work: impl FnOnce(&Tx) -> bigedit::Result<()> + Send + 'static,
) -> Stream {
    let (tx, rx) = sync_channel(DEPTH);
    let _ = py;
    std::thread::spawn(move || {
        if let Err(e) = work(&tx) {
            let _ = tx.send(Err(e));
        }
    });
    Stream { rx: Mutex::new(Some(rx)), columns: Mutex::new(None) }
}

/// A match and its line.
#[pyclass(module = "bigedit._bigedit", name = "Match", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct MatchData {
    /// 1-based line of the match.
    pub line: u64,
    /// 1-based byte column of the match in its line.
    pub column: u64,
    /// Byte offset of the match in the file.
    pub offset: u64,
    /// Length of the match in bytes.
    pub len: u64,
    /// The text of the match's line, without its ending (invalid UTF-8 replaced).
    pub text: String,
}

impl MatchData {
    /// The data of a match [`bigedit::Document::find`] found.
    pub fn new(f: &Found<'_>) -> MatchData {
        MatchData {
            line: f.m.line,
            column: f.m.column,
            offset: f.m.offset,
            len: f.m.len,
            text: String::from_utf8_lossy(f.text).into_owned(),
        }
    }
}

#[pymethods]
impl MatchData {
    fn __repr__(&self) -> String {
        format!(
            "Match(line={}, column={}, offset={}, text={:?})",
            self.line, self.column, self.offset, self.text
        )
    }
}

/// A semantic chunk of a file.
#[pyclass(module = "bigedit._bigedit", name = "Chunk", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct ChunkData {
    /// Position among the chunks (0-based).
    pub index: u64,
    /// First byte (0-based).
    pub start: u64,
    /// End byte (exclusive).
    pub end: u64,
    /// First and last line it touches (1-based, inclusive).
    pub lines: (u64, u64),
    /// What it ends at: `"section"`, `"blank"`, `"record"`, `"line"`, ...
    pub boundary: String,
    /// Markdown: the heading path of its first byte (`"Install > Linux"`), else `""`.
    pub path: String,
    /// CSV: the data rows it overlaps (1-based, inclusive), else `None`.
    pub records: Option<(u64, u64)>,
    /// Its text (invalid UTF-8 replaced), when asked for.
    pub text: Option<String>,
}

impl From<Chunk> for ChunkData {
    fn from(c: Chunk) -> ChunkData {
        ChunkData {
            index: c.index,
            start: c.range.start,
            end: c.range.end,
            lines: (*c.lines.start(), *c.lines.end()),
            boundary: c.boundary.as_str().to_string(),
            path: c.heading_path.join(" > "),
            records: c.records.map(|r| (*r.start(), *r.end())),
            text: c.text.map(|t| String::from_utf8_lossy(&t).into_owned()),
        }
    }
}

#[pymethods]
impl ChunkData {
    fn __repr__(&self) -> String {
        format!(
            "Chunk(index={}, start={}, end={}, lines={:?}, boundary={:?}, path={:?})",
            self.index, self.start, self.end, self.lines, self.boundary, self.path
        )
    }
}

/// An iterator over the results of a scan running in the background.
#[pyclass(module = "bigedit._bigedit", name = "Stream", frozen)]
pub struct Stream {
    rx: Mutex<Option<Receiver<Result<Item, Error>>>>,
    columns: Mutex<Option<Vec<Py<PyString>>>>,
}

impl Stream {
    fn next_item(&self, py: Python<'_>) -> PyResult<Option<Item>> {
        let mut slot = self.rx.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut rx) = slot.take() else { return Ok(None) };
        loop {
            // The receiver moves into the GIL-free wait and back (it is `Send`, not `Sync`).
            let (back, got) = py.detach(move || {
                let got = rx.recv_timeout(Duration::from_millis(50));
                (rx, got)
            });
            rx = back;
            match got {
                Ok(Ok(item)) => {
                    *slot = Some(rx);
                    return Ok(Some(item));
                }
                Ok(Err(e)) => return Err(to_py(e)),
                Err(RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }
}

#[pymethods]
impl Stream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        loop {
            let Some(item) = self.next_item(py)? else {
                return Err(PyStopIteration::new_err(()));
            };
            return Ok(match item {
                Item::Match(m) => Py::new(py, m)?.into_any(),
                Item::Chunk(c) => Py::new(py, ChunkData::from(c))?.into_any(),
                Item::Columns(names) => {
                    let names = names.iter().map(|n| PyString::new(py, n).unbind()).collect();
                    *self.columns.lock().unwrap_or_else(|p| p.into_inner()) = Some(names);
                    continue;
                }
                Item::Row(values) => {
                    let columns = self.columns.lock().unwrap_or_else(|p| p.into_inner());
                    let row = PyDict::new(py);
                    for (name, value) in columns.iter().flatten().zip(values) {
                        row.set_item(name.bind(py), value)?;
                    }
                    row.into_any().unbind()
                }
            });
        }
    }

    /// Stops the scan; the iterator then ends.
    fn close(&self) {
        *self.rx.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }
}
