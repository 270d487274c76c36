//! `bigedit.Document`: a [`bigedit::Document`] opened from Python, and `bigedit.Transaction`,
//! edits staged on an overlay of it ([`bigedit_core::Step::stage`], the transactions of every
//! host) and committed once.
//!
//! Locking: a document holds the lock it was opened with (shared by default) until it is
//! closed. A transaction needs the exclusive lock: entering one releases the document's lock,
//! takes the exclusive one (waiting at most `lock_timeout`) and reopens the file; leaving it
//! goes back to the document's own lock. Versions read before are checked under the
//! exclusive lock (`expect=`), so a read-modify-write never loses another writer's update.

use std::io;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bigedit::{CommitOptions, CommitReport, Document, Error, FileSource, LockKind, OpenOptions};
use bigedit_core::{Chunker, Content, Edit, Flow, LineRange, LinesArg, Overlay, Step, Version};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::errors::{plain, IntoPy};
use crate::progress::{Progress, Watched};
use crate::stream::{self, Stream};

/// Text given to an edit: `str` (written as UTF-8) or `bytes` (written as they are).
#[derive(FromPyObject)]
pub enum Text {
    /// A `str`.
    Str(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
}

impl Text {
    /// The bytes to write.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Text::Str(s) => s.into_bytes(),
            Text::Bytes(b) => b,
        }
    }
}

/// Parses a version string (16 hex digits, as `version()` returns).
pub fn parse_version(py: Python<'_>, v: Option<&str>) -> PyResult<Option<Version>> {
    v.map(|s| {
        s.parse::<Version>().map_err(|_| {
            plain(py, "InvalidInput", &format!("invalid version {s:?}: expected 16 hex digits"))
        })
    })
    .transpose()
}

/// Parses a commit strategy name.
pub fn commit_options(py: Python<'_>, commit: &str, backup: bool) -> PyResult<CommitOptions> {
    let strategy = match commit {
        "atomic" => bigedit::Strategy::Atomic,
        "in-place" | "in_place" => bigedit::Strategy::InPlace,
        "auto" => bigedit::Strategy::Auto,
        other => {
            return Err(plain(
                py,
                "InvalidInput",
                &format!("commit {other:?}: give \"atomic\", \"in-place\" or \"auto\""),
            ))
        }
    };
    Ok(CommitOptions { strategy, backup })
}

/// Parses a lock name.
pub fn lock_kind(py: Python<'_>, lock: Option<&str>) -> PyResult<Option<LockKind>> {
    match lock {
        None => Ok(None),
        Some("shared") => Ok(Some(LockKind::Shared)),
        Some("exclusive") => Ok(Some(LockKind::Exclusive)),
        Some(other) => Err(plain(
            py,
            "InvalidInput",
            &format!("lock {other:?}: give \"shared\", \"exclusive\" or None"),
        )),
    }
}

/// How a [`PyDocument`] opens its file (again, after a transaction).
#[derive(Debug, Clone)]
pub struct Opening {
    /// The path as given.
    pub path: PathBuf,
    /// The lock the document holds between transactions.
    pub lock: Option<LockKind>,
    /// How long to wait for a lock.
    pub lock_timeout: Duration,
    /// Use the line-index cache.
    pub use_cache: bool,
    /// Confine the path to this directory.
    pub root: Option<PathBuf>,
}

impl Opening {
    /// The library's open options, with `lock`.
    pub fn options(&self, lock: Option<LockKind>) -> OpenOptions {
        OpenOptions {
            use_cache: self.use_cache,
            lock,
            lock_timeout: self.lock_timeout,
            root: self.root.clone(),
            ..OpenOptions::default()
        }
    }

    /// Opens the file under `lock`.
    pub fn open(&self, lock: Option<LockKind>) -> bigedit::Result<Document> {
        Document::open(&self.path, &self.options(lock))
    }
}

/// A large file opened for reading and editing. Use it as a context manager
/// (`with bigedit.open(path) as doc:`); closing releases its lock.
#[pyclass(module = "bigedit._bigedit", name = "Document", frozen)]
pub struct PyDocument {
    opening: Opening,
    progress: Option<Py<PyAny>>,
    /// `None` once closed.
    inner: Mutex<Option<Document>>,
    in_transaction: Mutex<bool>,
}

/// The error of a closed document.
fn closed() -> Error {
    Error::Usage("the document is closed".to_string())
}

impl PyDocument {
    /// Opens `opening` under its lock.
    pub fn open(py: Python<'_>, opening: Opening, progress: Option<Py<PyAny>>) -> PyResult<Self> {
        let doc = py.detach(|| opening.open(opening.lock)).py()?;
        Ok(PyDocument {
            opening,
            progress,
            inner: Mutex::new(Some(doc)),
            in_transaction: Mutex::new(false),
        })
    }

    fn guard(&self) -> MutexGuard<'_, Option<Document>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the document from a thread holding the GIL: waits without it, so a thread that
    /// holds the lock and needs the GIL (a progress callback) cannot deadlock with this one.
    fn guard_py(&self, py: Python<'_>) -> MutexGuard<'_, Option<Document>> {
        loop {
            match self.inner.try_lock() {
                Ok(g) => return g,
                Err(std::sync::TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    py.detach(|| std::thread::sleep(Duration::from_millis(1)))
                }
            }
        }
    }

    /// Runs `f` on the open document without the GIL.
    pub fn with<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Document) -> bigedit::Result<R> + Send,
    ) -> PyResult<R> {
        py.detach(|| match self.guard().as_mut() {
            Some(doc) => f(doc),
            None => Err(closed()),
        })
        .py()
    }

    /// Loads (from the cache) or builds the line index, reporting progress.
    fn ensure_index(&self, py: Python<'_>, doc: &mut Document) -> PyResult<()> {
        if doc.loaded_index().is_some() || doc.try_cached_index().is_some() {
            return Ok(());
        }
        let progress = Progress::new(self.progress.as_ref().map(|p| p.clone_ref(py)), doc.len());
        py.detach(|| doc.index(&|done| progress.report(done)).map(|_| ())).py()?;
        progress.finish()
    }

    /// Runs `f` on the open document, indexed, without the GIL.
    pub fn with_index<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Document) -> bigedit::Result<R> + Send,
    ) -> PyResult<R> {
        let mut guard = self.guard_py(py);
        let doc = guard.as_mut().ok_or_else(closed).py()?;
        self.ensure_index(py, doc)?;
        py.detach(|| f(doc)).py()
    }

    /// Replaces the open document by the file opened again under `lock` (the old lock is
    /// released first, so two documents upgrading at once cannot deadlock). If that fails
    /// (a lock timeout), the document's own lock is taken again if it is free at once;
    /// otherwise the document is left closed.
    fn reopen(&self, py: Python<'_>, lock: Option<LockKind>) -> PyResult<()> {
        py.detach(|| {
            let mut guard = self.guard();
            if guard.is_none() {
                return Err(closed());
            }
            *guard = None;
            match self.opening.open(lock) {
                Ok(doc) => {
                    *guard = Some(doc);
                    Ok(())
                }
                Err(e) => {
                    let again = Opening { lock_timeout: Duration::ZERO, ..self.opening.clone() };
                    *guard = again.open(self.opening.lock).ok();
                    Err(e)
                }
            }
        })
        .py()
    }

    /// Runs `work` on the document under the exclusive lock (taken for it when the document
    /// holds another), then goes back to the document's lock.
    fn exclusive<R>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(Python<'_>, &mut Document) -> PyResult<R>,
    ) -> PyResult<R> {
        let upgrade = self.opening.lock != Some(LockKind::Exclusive);
        if upgrade {
            self.reopen(py, Some(LockKind::Exclusive))?;
        }
        let result = (|| {
            let mut guard = self.guard_py(py);
            let doc = guard.as_mut().ok_or_else(closed).py()?;
            work(py, doc)
        })();
        if upgrade {
            let back = self.reopen(py, self.opening.lock);
            let result = result?;
            back?;
            return Ok(result);
        }
        result
    }

    /// Commits the patch `plan` makes under the exclusive lock ([`PyDocument::exclusive`]).
    fn commit_exclusive<R: Send>(
        &self,
        py: Python<'_>,
        plan: impl FnOnce(Python<'_>, &mut Document) -> PyResult<(bigedit_core::Patch, R)>,
        opts: CommitOptions,
    ) -> PyResult<(CommitReport, R)> {
        self.exclusive(py, |py, doc| {
            let (patch, extra) = plan(py, doc)?;
            py.check_signals()?;
            let report = py.detach(|| doc.commit_with(&patch, &opts)).py()?;
            Ok((report, extra))
        })
    }

    /// The file's path.
    pub fn opening(&self) -> &Opening {
        &self.opening
    }
}

/// The lines `a..=b` (`b` defaulting to `a`), checked against the document's line count.
fn line_range(doc: &Document, a: u64, b: Option<u64>) -> bigedit::Result<RangeInclusive<u64>> {
    let count = doc.loaded_index().map_or(0, |i| i.line_count());
    LineRange::new(a, b.unwrap_or(a)).resolve(count).map_err(|e| Error::edit(doc.path(), e))
}

/// Splits `bytes` into lines as the engine does (`\n` or `\r\n`; the ending dropped).
pub fn split_lines(bytes: &[u8]) -> bigedit::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let src = bytes.to_vec();
    bigedit_core::text::for_each_line(&src, &mut Chunker::default(), &mut |line| {
        out.push(line.text.to_vec());
        Ok(Flow::Continue)
    })
    .map_err(|e| Error::Usage(e.into_edit().to_string()))?;
    Ok(out)
}

#[pymethods]
impl PyDocument {
    /// Number of lines (a last line without newline counts; an empty file has 0). Builds the
    /// line index on first use (one pass), or loads it from the cache.
    #[getter]
    fn line_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.with_index(py, |doc| Ok(doc.loaded_index().map_or(0, |i| i.line_count())))
    }

    /// Size in bytes.
    #[getter]
    fn size(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |doc| Ok(doc.len()))
    }

    /// The path as given.
    #[getter]
    fn path(&self) -> PathBuf {
        self.opening.path.clone()
    }

    /// `"LF"`, `"CRLF"`, `"mixed"` or `"none"` (no line ending at all).
    #[getter]
    fn line_ending(&self, py: Python<'_>) -> PyResult<&'static str> {
        self.with_index(py, |doc| Ok(doc.loaded_index().map_or("none", |i| i.ending().as_str())))
    }

    /// Lines `a` to `b` (1-based, inclusive; `b` defaults to `a`) as `bytes`, without their
    /// line endings. O(log n + bytes read) once indexed.
    #[pyo3(signature = (a, b=None))]
    fn lines_bytes<'py>(
        &self,
        py: Python<'py>,
        a: u64,
        b: Option<u64>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let lines = self.with_index(py, |doc| {
            let range = doc.lines_to_bytes(line_range(doc, a, b)?)?;
            let (bytes, _) = doc.read_range(range)?;
            split_lines(&bytes)
        })?;
        Ok(lines.iter().map(|l| PyBytes::new(py, l)).collect())
    }

    /// Lines `a` to `b` (1-based, inclusive; `b` defaults to `a`) as `str`, without their
    /// line endings, decoded as UTF-8 with `errors` (`"replace"`, `"strict"`,
    /// `"surrogateescape"`, ...).
    #[pyo3(signature = (a, b=None, errors="replace"))]
    fn lines<'py>(
        &self,
        py: Python<'py>,
        a: u64,
        b: Option<u64>,
        errors: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for line in self.lines_bytes(py, a, b)? {
            out.append(line.call_method1("decode", ("utf-8", errors))?)?;
        }
        Ok(out)
    }

    /// `n` bytes from byte `offset` (0-based); `OutOfRange` past the end.
    fn read_bytes<'py>(
        &self,
        py: Python<'py>,
        offset: u64,
        n: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with(py, |doc| {
            let range = offset..offset.saturating_add(n);
            bigedit_core::check_range(&range, doc.len()).map_err(|e| Error::edit(doc.path(), e))?;
            doc.read_range(range).map(|(b, _)| b)
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The version of lines `a` to `b` (`b` defaults to `a`): the hash of their bytes as
    /// stored, endings included. Pass it as `expect=` to an edit of those lines. Without
    /// arguments: the version of the whole file (hashed in one streamed pass), which
    /// `csv.set(expect=)` takes.
    #[pyo3(signature = (a=None, b=None))]
    fn version(&self, py: Python<'_>, a: Option<u64>, b: Option<u64>) -> PyResult<String> {
        let Some(a) = a else {
            return self.with(py, |doc| {
                doc.copy_range(0..doc.len(), &mut io::sink()).map(|v| v.to_string())
            });
        };
        self.with_index(py, |doc| {
            let range = doc.lines_to_bytes(line_range(doc, a, b)?)?;
            doc.copy_range(range, &mut io::sink()).map(|v| v.to_string())
        })
    }

    /// The matches of `pattern` (a literal, or with `regex=True` a regular expression matched
    /// line by line), streamed from a background scan: an iterator of `Match` (`line`,
    /// `column`, `offset`, `len`, `text` of the line). At most `limit` matches.
    #[pyo3(signature = (pattern, regex=false, limit=None))]
    fn find(
        &self,
        py: Python<'_>,
        pattern: String,
        regex: bool,
        limit: Option<u64>,
    ) -> PyResult<Stream> {
        self.with(py, |_| Ok(()))?;
        let opening = self.opening.clone();
        Ok(stream::spawn(py, move |tx| {
            let doc = opening.open(None)?;
            doc.find(&pattern, regex, limit, stream::FIND_LINE_HELD, &mut |f| {
                let item = stream::Item::Match(stream::MatchData::new(&f));
                Ok(if tx.send(Ok(item)).is_ok() { Flow::Continue } else { Flow::Stop })
            })?;
            Ok(())
        }))
    }

    /// Starts a transaction: `with doc.edit() as tx:` stages edits (each sees the ones before
    /// it) and commits them at once when the block ends without an exception; an exception
    /// commits nothing. `commit` is `"atomic"` (a new file renamed over), `"in-place"`
    /// (journaled) or `"auto"`; `backup=True` keeps the old content as `FILE.bak`.
    #[pyo3(signature = (commit="atomic", backup=false))]
    fn edit(slf: &Bound<'_, Self>, commit: &str, backup: bool) -> PyResult<PyTransaction> {
        let opts = commit_options(slf.py(), commit, backup)?;
        Ok(PyTransaction {
            doc: slf.clone().unbind(),
            opts,
            staged: Mutex::new(None),
            report: Mutex::new(None),
        })
    }

    /// Replaces `find` with `with_` everywhere (at most `limit` times) and commits at once:
    /// a literal, or with `regex=True` a regular expression matched line by line (`$1` in
    /// `with_`). Unlike `tx.replace` in a transaction, the new content is written while the
    /// file is scanned, so memory stays bounded however many lines change (as `bigedit
    /// replace` does). Returns the number of replacements.
    #[pyo3(signature = (find, with_, regex=false, limit=None, commit="atomic", backup=false))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        py: Python<'_>,
        find: String,
        with_: Text,
        regex: bool,
        limit: Option<u64>,
        commit: &str,
        backup: bool,
    ) -> PyResult<usize> {
        let opts = commit_options(py, commit, backup)?;
        let with = with_.into_bytes();
        self.exclusive(py, |py, doc| {
            py.check_signals()?;
            py.detach(|| {
                let pass = bigedit_core::text::Replacer::new(&find, &with, regex, limit, doc.len())
                    .map_err(|e| doc.err(e.into()))?;
                doc.commit_drained(pass, &opts, |()| Ok(())).map(|d| d.report.changes)
            })
            .py()
        })
    }

    /// Rewrites lines with `fn(line, previous)`: `line` is each line's text (a `str`, without
    /// its ending) and `previous` the list of up to `context` lines before it (as they were);
    /// `fn` returns the new text, or `None` to keep the line. Commits once at the end; an
    /// exception in `fn` commits nothing. Returns the number of changed lines.
    #[pyo3(signature = (function, context=0, commit="atomic", backup=false))]
    fn transform_lines(
        &self,
        py: Python<'_>,
        function: Py<PyAny>,
        context: usize,
        commit: &str,
        backup: bool,
    ) -> PyResult<usize> {
        let opts = commit_options(py, commit, backup)?;
        let (report, ()) = self.commit_exclusive(
            py,
            |py, doc| {
                let mut failed: Option<PyErr> = None;
                let planned = bigedit_core::text::transform_lines(
                    doc.source(),
                    context,
                    &mut doc.chunker(),
                    |line, window| {
                        if failed.is_some() {
                            return None;
                        }
                        let called = (|| -> PyResult<Option<Vec<u8>>> {
                            let text = PyString::new(py, &String::from_utf8_lossy(line.text));
                            let prev = PyList::empty(py);
                            for p in window {
                                prev.append(PyString::new(py, &String::from_utf8_lossy(p)))?;
                            }
                            let out = function.call1(py, (text.clone(), prev))?;
                            let out = out.bind(py);
                            if out.is_none() || out.eq(&text)? {
                                return Ok(None);
                            }
                            Ok(Some(out.extract::<Text>()?.into_bytes()))
                        })();
                        called.unwrap_or_else(|e| {
                            failed = Some(e);
                            None
                        })
                    },
                );
                if let Some(e) = failed {
                    return Err(e);
                }
                let patch = planned.map_err(|e| doc.err(e)).py()?;
                Ok((patch, ()))
            },
            opts,
        )?;
        Ok(report.changes)
    }

    /// Releases the lock and the file. Idempotent.
    fn close(&self, py: Python<'_>) {
        py.detach(|| *self.guard() = None);
    }

    /// Whether the document is closed.
    #[getter]
    fn closed(&self, py: Python<'_>) -> bool {
        self.guard_py(py).is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let closed = if self.closed(py) { " closed" } else { "" };
        format!("<bigedit.Document {:?}{closed}>", self.opening.path)
    }
}

/// Edits staged on an overlay of the document.
struct Staged {
    view: Overlay<Watched>,
    chunker: Chunker,
}

/// A transaction: edits staged in order (each sees the ones before it), committed at once
/// when the `with` block ends without an exception; nothing is written otherwise.
#[pyclass(module = "bigedit._bigedit", name = "Transaction", frozen)]
pub struct PyTransaction {
    doc: Py<PyDocument>,
    opts: CommitOptions,
    staged: Mutex<Option<Staged>>,
    report: Mutex<Option<CommitReport>>,
}

impl PyTransaction {
    /// Stages `edit` (checking `expect` against the staged view first).
    fn stage(&self, py: Python<'_>, edit: Edit, expect: Option<&str>) -> PyResult<()> {
        let step = Step { expect: parse_version(py, expect)?, edit };
        let doc = self.doc.get();
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        let staged = staged.as_mut().ok_or_else(|| {
            PyRuntimeError::new_err(
                "the transaction is not open: use it as `with doc.edit() as tx:`",
            )
        })?;
        let mut guard = doc.guard_py(py);
        let d = guard.as_mut().ok_or_else(closed).py()?;
        if step.edit.needs_line_index() || step.expect.is_some() {
            doc.ensure_index(py, d)?;
        }
        let d: &Document = d;
        let staged_ok = py.detach(|| {
            step.stage(&mut staged.view, d.loaded_index(), &mut staged.chunker)
                .map_err(|e| d.err(e))
        });
        // Ctrl+C (or the progress callback's exception) stopped the pass: raise that.
        match (staged_ok, staged.view.source().take_error()) {
            (_, Some(e)) => Err(e),
            (result, None) => result.py(),
        }
    }
}

fn lines_arg(a: u64, b: Option<u64>) -> LinesArg {
    LinesArg::Spec(format!("{a}:{}", b.unwrap_or(a)))
}

#[pymethods]
impl PyTransaction {
    /// Replaces lines `a` to `b` (`b` defaults to `a`) with `text` (empty text removes them;
    /// a final newline is optional). `expect`: the version those lines had when read.
    #[pyo3(signature = (a, b=None, text=None, expect=None))]
    fn replace_lines(
        &self,
        py: Python<'_>,
        a: u64,
        b: Option<u64>,
        text: Option<Text>,
        expect: Option<&str>,
    ) -> PyResult<()> {
        let text = text.ok_or_else(|| PyValueError::new_err("replace_lines needs text="))?;
        let edit = Edit::ReplaceLines { lines: lines_arg(a, b), with: Content(text.into_bytes()) };
        self.stage(py, edit, expect)
    }

    /// Inserts `text` as lines after line `after` (0: at the top) or before line `before`.
    #[pyo3(signature = (after=None, text=None, before=None, expect=None))]
    fn insert(
        &self,
        py: Python<'_>,
        after: Option<u64>,
        text: Option<Text>,
        before: Option<u64>,
        expect: Option<&str>,
    ) -> PyResult<()> {
        let text = text.ok_or_else(|| PyValueError::new_err("insert needs text="))?;
        let edit = Edit::Insert { after, before, with: Content(text.into_bytes()) };
        self.stage(py, edit, expect)
    }

    /// Deletes lines `a` to `b` (`b` defaults to `a`).
    #[pyo3(signature = (a, b=None, expect=None))]
    fn delete_lines(
        &self,
        py: Python<'_>,
        a: u64,
        b: Option<u64>,
        expect: Option<&str>,
    ) -> PyResult<()> {
        self.stage(py, Edit::DeleteLines { lines: lines_arg(a, b) }, expect)
    }

    /// Replaces `find` with `with_` everywhere (at most `limit` times): a literal, or with
    /// `regex=True` a regular expression matched line by line (`$1` in `with_`).
    #[pyo3(signature = (find, with_, regex=false, limit=None, expect=None))]
    fn replace(
        &self,
        py: Python<'_>,
        find: String,
        with_: Text,
        regex: bool,
        limit: Option<u64>,
        expect: Option<&str>,
    ) -> PyResult<()> {
        let edit = Edit::Replace { find, with: Content(with_.into_bytes()), regex, max: limit };
        self.stage(py, edit, expect)
    }

    /// Replaces bytes `start` to `end` (0-based, end exclusive) with `data`.
    #[pyo3(signature = (start, end, data, expect=None))]
    fn splice(
        &self,
        py: Python<'_>,
        start: u64,
        end: u64,
        data: Text,
        expect: Option<&str>,
    ) -> PyResult<()> {
        let edit =
            Edit::Splice { bytes: format!("{start}:{end}"), with: Content(data.into_bytes()) };
        self.stage(py, edit, expect)
    }

    /// Unstages the last edit; `False` if nothing is staged.
    fn undo(&self) -> bool {
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        staged.as_mut().is_some_and(|s| s.view.undo())
    }

    /// What the commit changed once the block ended: `(changes, bytes_before, bytes_after)`,
    /// or `None` before.
    #[getter]
    fn result(&self) -> Option<(usize, u64, u64)> {
        let report = self.report.lock().unwrap_or_else(|p| p.into_inner());
        report.as_ref().map(|r| (r.changes, r.bytes.0, r.bytes.1))
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        let py = slf.py();
        let this = slf.get();
        let doc = this.doc.get();
        {
            let mut busy = doc.in_transaction.lock().unwrap_or_else(|p| p.into_inner());
            if *busy {
                return Err(PyRuntimeError::new_err(
                    "a transaction of this document is already open",
                ));
            }
            *busy = true;
        }
        let entered = (|| -> PyResult<()> {
            if doc.opening.lock != Some(LockKind::Exclusive) {
                doc.reopen(py, Some(LockKind::Exclusive))?;
            }
            let callback = doc.progress.as_ref().map(|p| p.clone_ref(py));
            let view = doc.with(py, |d| {
                // Python opens files (objects are the CLI's and the library's for now).
                let file = d.source().file().ok_or_else(|| {
                    Error::Usage(format!("{}: transactions need a local file", d.path().display()))
                })?;
                let file = file.try_clone().map_err(|e| Error::io(d.path(), "dup", e))?;
                let src = FileSource::new(file).map_err(|e| Error::io(d.path(), "stat", e))?;
                let src = Watched::new(src, callback);
                Ok(Staged { view: Overlay::new(src), chunker: d.chunker() })
            })?;
            *this.staged.lock().unwrap_or_else(|p| p.into_inner()) = Some(view);
            Ok(())
        })();
        if let Err(e) = entered {
            let _ = this.leave(py);
            return Err(e);
        }
        Ok(slf.clone().unbind())
    }

    #[pyo3(signature = (exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<Bound<'_, PyAny>>,
        _exc: Option<Bound<'_, PyAny>>,
        _tb: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let staged = self.staged.lock().unwrap_or_else(|p| p.into_inner()).take();
        let committed = match (staged, exc_type.filter(|t| !t.is_none())) {
            (Some(staged), None) => self.commit(py, staged),
            _ => Ok(()),
        };
        let back = self.leave(py);
        committed?;
        back?;
        Ok(false)
    }
}

impl PyTransaction {
    fn commit(&self, py: Python<'_>, staged: Staged) -> PyResult<()> {
        let (_, patch) = staged.view.into_parts();
        py.check_signals()?;
        let opts = self.opts;
        let report = self.doc.get().with(py, |d| d.commit_with(&patch, &opts))?;
        *self.report.lock().unwrap_or_else(|p| p.into_inner()) = Some(report);
        Ok(())
    }

    /// Goes back to the document's own lock and marks it free for another transaction.
    fn leave(&self, py: Python<'_>) -> PyResult<()> {
        let doc = self.doc.get();
        let back = if doc.opening.lock != Some(LockKind::Exclusive) && !doc.closed(py) {
            doc.reopen(py, doc.opening.lock)
        } else {
            Ok(())
        };
        *doc.in_transaction.lock().unwrap_or_else(|p| p.into_inner()) = false;
        back
    }
}
