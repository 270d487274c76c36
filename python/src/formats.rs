//! Markdown sections, CSV rows and semantic chunks: the same core planners and scanners the
//! CLI's `md`, `csv` and `chunks` commands call, opened and committed through
//! [`bigedit::Document`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bigedit::{Document, Error, LockKind};
use bigedit_core::chunks::Format;
use bigedit_core::csv::{self, Assignment, Condition, Dialect, Header, Overrides};
use bigedit_core::{markdown, FileKind, Flow, Version};
use pyo3::prelude::*;

use crate::document::{commit_options, parse_version, Opening, Text};
use crate::errors::IntoPy;
use crate::stream::{self, Item, Stream};

/// How the module-level functions open a file: shared for reads, exclusive for edits.
fn opening(path: PathBuf, lock_timeout: f64, root: Option<PathBuf>) -> Opening {
    Opening {
        path,
        lock: Some(LockKind::Shared),
        lock_timeout: Duration::from_secs_f64(lock_timeout.max(0.0)),
        use_cache: true,
        root,
    }
}

/// One heading of a Markdown outline and the bytes and lines of its section.
#[pyclass(module = "bigedit._bigedit", name = "Section", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct SectionData {
    /// Its number in the outline (1-based; `"#7"` selects the 7th).
    pub number: usize,
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The title as written.
    pub title: String,
    /// The heading path: the titles of the enclosing sections and this one, joined by `" > "`.
    pub path: String,
    /// The selector that names it alone (the path, with `#N` when the path repeats).
    pub selector: String,
    /// First and last line of the section (1-based, inclusive), subsections included.
    pub lines: (u64, u64),
    /// First and last line of the heading.
    pub heading_lines: (u64, u64),
    /// Bytes of the whole section (start, end exclusive).
    pub bytes: (u64, u64),
    /// Bytes of its body (after the heading).
    pub body_bytes: (u64, u64),
}

#[pymethods]
impl SectionData {
    fn __repr__(&self) -> String {
        format!(
            "Section(number={}, level={}, path={:?}, lines={:?})",
            self.number, self.level, self.path, self.lines
        )
    }
}

/// The outline of a Markdown file: one `Section` per heading (ATX and setext, CommonMark
/// rules: a `#` line in a fenced code block is not a heading). One pass.
#[pyfunction]
#[pyo3(signature = (path, lock_timeout=30.0, root=None))]
pub fn md_outline(
    py: Python<'_>,
    path: PathBuf,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<Vec<SectionData>> {
    let o = opening(path, lock_timeout, root);
    py.detach(|| {
        let doc = o.open(o.lock)?;
        let outline =
            markdown::outline(doc.source(), &mut doc.chunker()).map_err(|e| doc.err(e))?;
        Ok(outline
            .iter()
            .map(|s| SectionData {
                number: s.number(),
                level: s.level,
                title: s.title.clone(),
                path: s.path.clone(),
                selector: outline.selector(s),
                lines: (*s.lines.start(), *s.lines.end()),
                heading_lines: (*s.heading_lines.start(), *s.heading_lines.end()),
                bytes: (s.range.start, s.range.end),
                body_bytes: (s.body().start, s.body().end),
            })
            .collect())
    })
    .py()
}

/// Finds one section by selector (`"Install > Linux"`, `"Install > Linux #2"`, `"#7"`).
fn locate(doc: &Document, section: &str) -> bigedit::Result<markdown::Located> {
    markdown::locate(doc.source(), &[section], &mut doc.chunker()).map_err(|e| doc.err(e))
}

/// The text of a section (heading, body and subsections; only the body with `body=True`)
/// and its version, exactly as stored (invalid UTF-8 replaced in the text).
#[pyfunction]
#[pyo3(signature = (path, section, body=false, lock_timeout=30.0, root=None))]
pub fn md_read(
    py: Python<'_>,
    path: PathBuf,
    section: String,
    body: bool,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<(String, String)> {
    let o = opening(path, lock_timeout, root);
    py.detach(|| {
        let doc = o.open(o.lock)?;
        let found = locate(&doc, &section)?;
        let s = &found.sections[0];
        let range = if body { s.body() } else { s.range.clone() };
        let (bytes, version) = doc.read_range(range)?;
        Ok((String::from_utf8_lossy(&bytes).into_owned(), version.to_string()))
    })
    .py()
}

/// Replaces a section (or only its body) with `text`; `expect`: the version `md.read`
/// returned for it. Returns the number of changes (0: the file is untouched).
#[pyfunction]
#[pyo3(signature = (path, section, text, body=false, expect=None, commit="atomic", backup=false, lock_timeout=30.0, root=None))]
#[allow(clippy::too_many_arguments)]
pub fn md_replace(
    py: Python<'_>,
    path: PathBuf,
    section: String,
    text: Text,
    body: bool,
    expect: Option<&str>,
    commit: &str,
    backup: bool,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<usize> {
    let o = opening(path, lock_timeout, root);
    let opts = commit_options(py, commit, backup)?;
    let expect = parse_version(py, expect)?;
    let text = text.into_bytes();
    py.detach(|| {
        let mut doc = o.open(Some(LockKind::Exclusive))?;
        let found = locate(&doc, &section)?;
        let s = &found.sections[0];
        let region = if body { s.body() } else { s.range.clone() };
        check(&doc, region, expect)?;
        let patch = if body {
            markdown::replace_body(&found.info, s, &text).map_err(|e| Error::edit(doc.path(), e))?
        } else {
            markdown::replace_section(doc.source(), &found.info, s, &text)
                .map_err(|e| doc.err(e))?
        };
        Ok(doc.commit_with(&patch, &opts)?.changes)
    })
    .py()
}

/// Refuses the edit unless bytes `region` still have version `expect` (when given).
fn check(
    doc: &Document,
    region: std::ops::Range<u64>,
    expect: Option<Version>,
) -> bigedit::Result<()> {
    match expect {
        Some(v) => bigedit_core::check_version(doc.source(), region, v, &mut doc.chunker())
            .map_err(|e| doc.err(e)),
        None => Ok(()),
    }
}

/// Parses `where` conditions (`"city=Paris"`, `"n>=3"`, `"note~urgent"`).
fn conditions(path: &std::path::Path, conds: &[String]) -> bigedit::Result<Vec<Condition>> {
    conds.iter().map(|c| Condition::parse(c).map_err(|e| Error::edit(path, e.into()))).collect()
}

/// The rows of a CSV file where every condition holds, as dicts keyed by column name,
/// streamed from a background scan (quoted fields with newlines are one row). `rows`: a
/// data-row range `"A:B"` (1-based, header excluded).
#[pyfunction]
#[pyo3(signature = (path, r#where=Vec::new(), rows=None, lock_timeout=30.0, root=None))]
pub fn csv_rows(
    py: Python<'_>,
    path: PathBuf,
    r#where: Vec<String>,
    rows: Option<String>,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<Stream> {
    let o = opening(path, lock_timeout, root);
    let conds = conditions(&o.path, &r#where).py()?;
    let rows = rows
        .map(|r| r.parse::<bigedit_core::LineRange>().map_err(|e| Error::edit(&o.path, e)))
        .transpose()
        .py()?;
    Ok(stream::spawn(py, move |tx| {
        let doc = o.open(o.lock)?;
        let dialect =
            Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?;
        let mut chunker = doc.chunker();
        let header = Header::read(doc.source(), &dialect, &mut chunker).map_err(|e| doc.err(e))?;
        let names = header.keys();
        if tx.send(Ok(Item::Columns(names))).is_err() {
            return Ok(());
        }
        let mut each = |r: &csv::Record<'_>| {
            let values = r.iter().map(|v| String::from_utf8_lossy(v).into_owned()).collect();
            Ok(if tx.send(Ok(Item::Row(values))).is_ok() { Flow::Continue } else { Flow::Stop })
        };
        csv::read_rows(
            doc.source(),
            &dialect,
            &header,
            rows.as_ref(),
            &conds,
            &mut chunker,
            &mut each,
        )
        .map_err(|e| doc.err(e))?;
        Ok(())
    }))
}

/// Sets columns (`set={"status": "done"}`) in every row where all conditions hold; other
/// rows stay byte-identical. `expect`: the version of the whole file as read. Returns
/// `(matched, changed)` row counts.
#[pyfunction]
#[pyo3(signature = (path, r#where, set, expect=None, commit="atomic", backup=false, lock_timeout=30.0, root=None))]
#[allow(clippy::too_many_arguments)]
pub fn csv_set(
    py: Python<'_>,
    path: PathBuf,
    r#where: Vec<String>,
    set: BTreeMap<String, String>,
    expect: Option<&str>,
    commit: &str,
    backup: bool,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<(u64, u64)> {
    let o = opening(path, lock_timeout, root);
    let opts = commit_options(py, commit, backup)?;
    let expect = parse_version(py, expect)?;
    let conds = conditions(&o.path, &r#where).py()?;
    let sets: Vec<Assignment> =
        set.into_iter().map(|(column, value)| Assignment { column, value }).collect();
    py.detach(|| {
        let mut doc = o.open(Some(LockKind::Exclusive))?;
        check(&doc, 0..doc.len(), expect)?;
        let dialect =
            Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?;
        dialect.check().map_err(|e| doc.err(e.into()))?;
        let header =
            Header::read(doc.source(), &dialect, &mut doc.chunker()).map_err(|e| doc.err(e))?;
        let pass = csv::SetCells::new(&header, &dialect, &conds, &sets, doc.len())
            .map_err(|e| doc.err(e.into()))?;
        let done = doc.commit_drained(pass, &opts, |_| Ok(()))?;
        Ok((done.output.matched, done.output.changed))
    })
    .py()
}

/// Semantic chunks of at most `max_bytes` (cut at Markdown sections, blank lines, CSV
/// records, lines; never inside a UTF-8 character), streamed. `format`: `"md"`, `"csv"` or
/// `"text"` (default: from the file name).
#[pyfunction]
#[pyo3(signature = (path, max_bytes=4096, format=None, with_text=true, lock_timeout=30.0, root=None))]
pub fn chunks(
    py: Python<'_>,
    path: PathBuf,
    max_bytes: u64,
    format: Option<String>,
    with_text: bool,
    lock_timeout: f64,
    root: Option<PathBuf>,
) -> PyResult<Stream> {
    let o = opening(path, lock_timeout, root);
    let kind = match format.as_deref() {
        Some("md" | "markdown") => FileKind::Markdown,
        Some("csv") => FileKind::Csv,
        Some("text") => FileKind::Text,
        Some(other) => {
            return Err(crate::errors::plain(
                py,
                "InvalidInput",
                &format!("format {other:?}: give \"md\", \"csv\" or \"text\""),
            ))
        }
        None => FileKind::from_name(&o.path.to_string_lossy()),
    };
    Ok(stream::spawn(py, move |tx| {
        let doc = o.open(o.lock)?;
        let format = match kind {
            FileKind::Markdown => Format::Markdown,
            FileKind::Csv => Format::Csv(
                Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?,
            ),
            _ => Format::Text,
        };
        bigedit_core::chunks::for_each_chunk(
            doc.source(),
            &format,
            max_bytes,
            with_text,
            &mut doc.chunker(),
            |c| {
                if tx.send(Ok(Item::Chunk(c))).is_ok() {
                    Flow::Continue
                } else {
                    Flow::Stop
                }
            },
        )
        .map_err(|e| doc.err(e))?;
        Ok(())
    }))
}
