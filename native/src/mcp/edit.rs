//! The editing tools. Each plans a core [`Patch`] (the same planners as the CLI), checks the
//! caller's version token against the file under the exclusive lock, commits through
//! [`Document::commit_with`] (the CLI's commit path, with its audit notes), and returns a
//! short diff and the version of the changed lines as they are now. `undo_last` commits the
//! inverse of the last edit if the file is still as that edit left it.

use std::ops::Range;

use bigedit_core::csv::{self, Assignment, Condition, Dialect, Overrides};
use bigedit_core::text::Replacer;
use bigedit_core::{
    diff, markdown, Content, Drain, Edit, EditError, LinesArg, Pass, Patch, Planned, Sink,
    WriteError,
};
use serde_json::{json, Value};

use super::params::{self, MAX_CONTENT};
use super::read::{conditions, matches_version, read_lines_within, version_of};
use super::session::{LastEdit, Notes, Session, ToolError};
use super::token::{Region, Token};
use crate::audit;
use crate::error::Error;
use crate::{CommitOptions, Document, LockKind};

/// Longest diff an edit returns.
const DIFF_SHOWN: usize = 4000;
/// Lines of context around each change in the diff.
const DIFF_CONTEXT: u64 = 2;
/// Text of the stale region returned with a refusal.
const STALE_SHOWN: u64 = 16 << 10;
/// Largest total of replaced bytes an edit keeps for `undo_last`.
const UNDO_MAX: u64 = 64 << 20;

/// What guards an edit: the token's region and, for CSV edits, the `where` it was read with.
struct Guard<'a> {
    token: Token,
    csv: Option<(&'a Dialect, &'a [Condition])>,
}

/// New text, refused when over the limit.
fn content(text: &str) -> Result<Content, ToolError> {
    if text.len() > MAX_CONTENT {
        return Err(ToolError::new(format!(
            "text is {} bytes, more than {MAX_CONTENT} per edit; split the edit",
            text.len()
        )));
    }
    Ok(Content(text.as_bytes().to_vec()))
}

fn token(version: &str) -> Result<Token, ToolError> {
    version.parse().map_err(|e: super::token::BadToken| ToolError::new(e.to_string()))
}

/// The bytes `patch` changes, in old coordinates: from its first splice to its last.
fn span(patch: &Patch) -> Range<u64> {
    match (patch.splices().first(), patch.splices().last()) {
        (Some(a), Some(b)) => a.range.start..b.range.end,
        _ => 0..0,
    }
}

/// The same bytes after the patch (new coordinates).
fn new_span(patch: &Patch) -> Range<u64> {
    let old = span(patch);
    let grown = patch.len() as i128 - patch.source_len() as i128;
    old.start..(old.end as i128 + grown).max(old.start as i128) as u64
}

/// The lines (1-based, inclusive) holding bytes `span` of `doc`; `(0, 0)` for an empty file.
fn lines_of(doc: &mut Document, span: &Range<u64>) -> Result<(u64, u64), ToolError> {
    let index = doc.index(&|_| {})?.clone();
    let count = index.line_count();
    if count == 0 {
        return Ok((0, 0));
    }
    let line = |off: u64| -> Result<u64, ToolError> {
        let l = index.byte_to_line(doc.source(), off).map_err(|e| doc.err(e))?;
        Ok(l.map_or(count, |l| (l + 1).min(count)))
    };
    let a = line(span.start)?;
    let b = if span.end > span.start { line(span.end - 1)? } else { a };
    Ok((a, b.max(a)))
}

/// The current text of lines `lines` (within a budget) and its token, for a refusal.
fn current(doc: &mut Document, path: &str, lines: (u64, u64)) -> Result<Value, ToolError> {
    let got = read_lines_within(doc, path, lines.0.max(1), lines.1, STALE_SHOWN)?;
    Ok(json!({
        "current_start": got.lines.0,
        "current_end": got.lines.1,
        "current_text": got.text,
        "current_version": got.token.to_string(),
    }))
}

/// Checks `guard` against `doc` for a patch changing bytes `span`: the token's region must
/// still hash to its version and contain the span.
fn check(
    doc: &mut Document,
    path: &str,
    guard: &Guard<'_>,
    span: &Range<u64>,
) -> Result<(), ToolError> {
    let stale = |doc: &mut Document, why: String| -> ToolError {
        let lines = lines_of(doc, span).unwrap_or((1, 1));
        ToolError { message: why, details: current(doc, path, lines).ok() }
    };
    let range = match guard.token.region {
        Region::Matches(_) => return check_matches(doc, path, guard),
        Region::Lines(0, 0) => 0..0,
        Region::Lines(a, b) => match doc.lines_to_bytes(a..=b) {
            Ok(r) => r,
            Err(_) => {
                let why = format!(
                    "{path}: stale: lines {a}-{b} no longer exist (the file is shorter now)"
                );
                return Err(stale(doc, why));
            }
        },
        Region::Bytes(a, b) if b <= doc.len() => a..b,
        Region::Bytes(_, _) => {
            let why = format!(
                "{path}: stale: the file is shorter than when version {} was read",
                guard.token
            );
            return Err(stale(doc, why));
        }
    };
    match bigedit_core::check_version(doc.source(), range.clone(), guard.token.version, &mut doc.chunker()) {
        Ok(()) => {}
        Err(bigedit_core::Error::Edit(EditError::Stale { .. })) => {
            return Err(stale(
                doc,
                format!(
                    "{path}: stale: the text of version {} changed since it was read; the current text of the lines this edit changes is in current_text: check it and retry with current_version",
                    guard.token
                ),
            ))
        }
        Err(e) => return Err(doc.err(e).into()),
    }
    if span.start < range.start || span.end > range.end {
        let (a, b) = lines_of(doc, span)?;
        return Err(stale(
            doc,
            format!(
                "{path}: version {} does not cover the lines this edit changes ({a}-{b}); their current text and version are in current_text and current_version",
                guard.token
            ),
        ));
    }
    Ok(())
}

/// Checks a `M` token: the rows matching the edit's `where` must hash as they did.
fn check_matches(doc: &Document, path: &str, guard: &Guard<'_>) -> Result<(), ToolError> {
    let Some((dialect, conds)) = guard.csv else {
        return Err(ToolError::new(
            "this version is from read_rows with `where`: it only guards csv_set and csv_delete",
        ));
    };
    let now = matches_version(doc, dialect, conds)?;
    if now != guard.token {
        return Err(ToolError {
            message: format!(
                "{path}: stale: the rows matching `where` changed since version {} was read (now {now}); read_rows with the same `where` again and retry",
                guard.token
            ),
            details: Some(json!({"current_version": now.to_string()})),
        });
    }
    Ok(())
}

/// A sink that keeps the first `DIFF_SHOWN` bytes and then stops the diff.
#[derive(Default)]
struct Capped(Vec<u8>);

impl Sink for Capped {
    type Error = ();
    fn write(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let room = DIFF_SHOWN - self.0.len();
        self.0.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if bytes.len() > room {
            return Err(());
        }
        Ok(())
    }
}

/// The unified diff of `patch`, cut at `DIFF_SHOWN` bytes.
fn diff_of(doc: &Document, path: &str, patch: &Patch) -> Result<(String, bool), ToolError> {
    let Some(index) = doc.loaded_index() else { return Ok((String::new(), false)) };
    let mut out = Capped::default();
    let cut = match diff::unified(doc.source(), index, patch, DIFF_CONTEXT, path, path, &mut out) {
        Ok(()) => false,
        Err(WriteError::Sink(())) => true,
        Err(WriteError::Source(e)) => return Err(doc.err(e).into()),
    };
    Ok((String::from_utf8_lossy(&out.0).into_owned(), cut))
}

/// Commits `patch` to the open `doc` (the CLI's commit path and audit notes), remembers its
/// inverse for `undo_last` when `undoable`, and builds the reply: the diff, the sizes, and
/// the token of the changed lines as they are now.
fn commit(
    s: &Session,
    n: &mut Notes,
    doc: &mut Document,
    path: &str,
    tool: &'static str,
    patch: &Patch,
    undoable: bool,
) -> Result<Value, ToolError> {
    let (diff, diff_cut) = diff_of(doc, path, patch)?;
    let removed: u64 = patch.splices().iter().map(|s| s.range.end - s.range.start).sum();
    let inverse = match undoable && removed <= UNDO_MAX {
        true => Some(patch.inverse(doc.source()).map_err(|e| doc.err(e))?),
        false => None,
    };
    audit::note_patch(n, patch);
    let opts = CommitOptions::default();
    let report = doc.commit_with(patch, &opts);
    audit::note_commit(n, &report, &opts);
    let report = report?;
    let after = doc.version()?;
    let undo = match inverse {
        Some(inverse) => {
            s.set_last_edit(Some(LastEdit { path: path.into(), tool, inverse, after }));
            "undo_last restores the previous content"
        }
        None if undoable => {
            s.set_last_edit(None);
            "too large to keep for undo_last"
        }
        None => "undone; nothing left to undo",
    };
    let changed = new_span(patch);
    let (a, b) = lines_of(doc, &changed)?;
    let range = if a == 0 { 0..0 } else { doc.lines_to_bytes(a..=b)? };
    let version = Token::lines(a, b, version_of(doc, range)?);
    Ok(json!({
        "path": path,
        "changes": report.changes,
        "bytes_before": report.bytes.0,
        "bytes_after": report.bytes.1,
        "lines_before": report.lines.map(|l| l.0),
        "lines_after": report.lines.map(|l| l.1),
        "diff": diff,
        "diff_truncated": diff_cut,
        "changed_lines": [a, b],
        "version": version.to_string(),
        "undo": undo,
    }))
}

/// Opens `path` for writing, plans with `plan`, checks `guard`, and commits.
fn edit(
    s: &Session,
    n: &mut Notes,
    path: &str,
    tool: &'static str,
    version: &str,
    plan: impl FnOnce(&mut Document) -> Result<Patch, ToolError>,
    csv: Option<(&Dialect, &[Condition])>,
) -> Result<Value, ToolError> {
    let token = token(version)?;
    let mut doc = s.open(path, LockKind::Exclusive, n)?;
    doc.index(&|_| {})?;
    let patch = plan(&mut doc)?;
    if patch.is_empty() {
        return Ok(
            json!({"path": path, "changes": 0, "note": "nothing to change; the file is untouched"}),
        );
    }
    check(&mut doc, path, &Guard { token, csv }, &span(&patch))?;
    commit(s, n, &mut doc, path, tool, &patch, true)
}

/// Plans a core [`Edit`] (the CLI's planner).
/// Plans with `pass`, refusing (before anything is written) an edit whose patch outgrows the
/// commit's hold ([`crate::commit_parts::hold_bytes`], about 260,000 changes): a tool keeps
/// every change for its version check, its diff and `undo_last`, so memory stays bounded by
/// refusing what the CLI would stream.
fn plan_bounded<P>(
    doc: &Document,
    pass: P,
) -> Result<(Patch, <P::Output as Planned>::Rest), ToolError>
where
    P: Pass + Drain,
    P::Output: Planned,
{
    let hold = crate::commit_parts::hold_bytes();
    let mut whole = Patch::identity(doc.len());
    let take = |part: Patch, whole: &mut Patch| -> Result<(), Error> {
        whole.append(part).map_err(|e| Error::edit(doc.path(), e))?;
        if whole.heap_bytes() > hold {
            return Err(Error::Usage(format!(
                "{}: this edit changes more than {} places ({} KiB of changes), more than a \
                 tool keeps for its diff and undo_last; narrow it, or run the bigedit CLI, \
                 which writes such an edit as it plans it; the file is untouched",
                doc.path().display(),
                whole.splices().len(),
                hold >> 10
            )));
        }
        Ok(())
    };
    let (last, rest) = doc.drain_pass(pass, |part| take(part, &mut whole))?;
    take(last, &mut whole)?;
    Ok((whole, rest))
}

fn plan_edit(doc: &mut Document, e: &Edit) -> Result<Patch, ToolError> {
    let index = doc.loaded_index();
    e.plan(doc.source(), index, &mut doc.chunker()).map_err(|err| doc.err(err).into())
}

/// `replace_lines`.
pub fn replace_lines(
    s: &Session,
    n: &mut Notes,
    p: &params::ReplaceLines,
) -> Result<Value, ToolError> {
    let e = Edit::ReplaceLines {
        lines: LinesArg::Spec(format!("{}:{}", p.start, p.end)),
        with: content(&p.text)?,
    };
    edit(s, n, &p.path, "replace_lines", &p.version, |doc| plan_edit(doc, &e), None)
}

/// `insert_lines`.
pub fn insert_lines(
    s: &Session,
    n: &mut Notes,
    p: &params::InsertLines,
) -> Result<Value, ToolError> {
    let e = Edit::Insert { after: Some(p.after), before: None, with: content(&p.text)? };
    edit(s, n, &p.path, "insert_lines", &p.version, |doc| plan_edit(doc, &e), None)
}

/// `delete_lines`.
pub fn delete_lines(
    s: &Session,
    n: &mut Notes,
    p: &params::DeleteLines,
) -> Result<Value, ToolError> {
    let e = Edit::DeleteLines { lines: LinesArg::Spec(format!("{}:{}", p.start, p.end)) };
    edit(s, n, &p.path, "delete_lines", &p.version, |doc| plan_edit(doc, &e), None)
}

/// `replace_text`.
pub fn replace_text(
    s: &Session,
    n: &mut Notes,
    p: &params::ReplaceText,
) -> Result<Value, ToolError> {
    if p.find.is_empty() {
        return Err(ToolError::new("find is empty"));
    }
    let with = content(&p.replace)?;
    edit(
        s,
        n,
        &p.path,
        "replace_text",
        &p.version,
        |doc| {
            let pass = Replacer::new(&p.find, with.as_bytes(), p.regex, p.max, doc.len())
                .map_err(|e| Error::edit(doc.path(), e))?;
            Ok(plan_bounded(doc, pass)?.0)
        },
        None,
    )
}

/// `replace_section`.
pub fn replace_section(
    s: &Session,
    n: &mut Notes,
    p: &params::ReplaceSection,
) -> Result<Value, ToolError> {
    let text = content(&p.text)?;
    edit(
        s,
        n,
        &p.path,
        "replace_section",
        &p.version,
        |doc| {
            let found = markdown::locate(doc.source(), &[p.section.as_str()], &mut doc.chunker())
                .map_err(|e| doc.err(e))?;
            let sec = &found.sections[0];
            if p.body {
                markdown::replace_body(&found.info, sec, text.as_bytes())
                    .map_err(|e| Error::edit(doc.path(), e).into())
            } else {
                markdown::replace_section(doc.source(), &found.info, sec, text.as_bytes())
                    .map_err(|e| doc.err(e).into())
            }
        },
        None,
    )
}

/// Opens a CSV edit: conditions parsed, dialect detected, guarded by the matching rows.
fn csv_edit(
    s: &Session,
    n: &mut Notes,
    path: &str,
    tool: &'static str,
    version: &str,
    conds: &[String],
    plan: impl Fn(
        &Document,
        &csv::Header,
        &Dialect,
        &[Condition],
    ) -> Result<(Patch, csv::Report), ToolError>,
) -> Result<Value, ToolError> {
    if conds.is_empty() {
        return Err(ToolError::new("where is empty: give at least one condition, e.g. \"id=7\""));
    }
    let conds = conditions(conds)?;
    let token = token(version)?;
    let mut doc = s.open(path, LockKind::Exclusive, n)?;
    doc.index(&|_| {})?;
    let dialect = Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?;
    let d = &dialect;
    d.check().map_err(|e| doc.err(e.into()))?;
    let header = csv::Header::read(doc.source(), d, &mut doc.chunker()).map_err(|e| doc.err(e))?;
    let (patch, report) = plan(&doc, &header, d, &conds)?;
    n.insert("matched".into(), report.matched.into());
    if patch.is_empty() {
        return Ok(
            json!({"path": path, "changes": 0, "matched": report.matched, "note": "no row changes; the file is untouched"}),
        );
    }
    check(&mut doc, path, &Guard { token, csv: Some((d, &conds)) }, &span(&patch))?;
    let mut v = commit(s, n, &mut doc, path, tool, &patch, true)?;
    v["matched"] = json!(report.matched);
    if report.skipped_count > 0 {
        v["rows_with_wrong_field_count_left_untouched"] = json!(report.skipped_count);
    }
    Ok(v)
}

/// Maps a CSV pass's construction error (an unknown column, say) to the tool's error.
fn csv_err(doc: &Document) -> impl Fn(csv::CsvError) -> ToolError + '_ {
    move |e| doc.err(e.into()).into()
}

/// `csv_set`.
pub fn csv_set(s: &Session, n: &mut Notes, p: &params::CsvSet) -> Result<Value, ToolError> {
    if p.set.is_empty() {
        return Err(ToolError::new("set is empty: give {\"column\": \"new value\"}"));
    }
    let size: usize = p.set.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_CONTENT {
        return Err(ToolError::new(format!("set is {size} bytes, more than {MAX_CONTENT}")));
    }
    let sets: Vec<Assignment> =
        p.set.iter().map(|(k, v)| Assignment { column: k.clone(), value: v.clone() }).collect();
    csv_edit(s, n, &p.path, "csv_set", &p.version, &p.conds, |doc, h, d, conds| {
        plan_bounded(doc, csv::SetCells::new(h, d, conds, &sets, doc.len()).map_err(csv_err(doc))?)
    })
}

/// `csv_delete`.
pub fn csv_delete(s: &Session, n: &mut Notes, p: &params::CsvDelete) -> Result<Value, ToolError> {
    csv_edit(s, n, &p.path, "csv_delete", &p.version, &p.conds, |doc, h, d, conds| {
        plan_bounded(doc, csv::DeleteRows::new(h, d, conds, doc.len()).map_err(csv_err(doc))?)
    })
}

/// `undo_last`.
pub fn undo_last(s: &Session, n: &mut Notes) -> Result<Value, ToolError> {
    let Some(last) = s.take_last_edit() else {
        return Err(ToolError::new(
            "nothing to undo: this server has made no edit yet, or the last one was undone",
        ));
    };
    let path = last.path.display().to_string();
    n.insert("file".into(), path.clone().into());
    let mut doc = match s.open(&path, LockKind::Exclusive, n) {
        Ok(doc) => doc,
        Err(e) => {
            // Not opened (locked by another process, say): the undo stays available.
            s.set_last_edit(Some(last));
            return Err(e);
        }
    };
    if doc.version()? != last.after {
        return Err(ToolError::new(format!(
            "{path}: changed since the last edit ({}) was made; undo refused, the file is untouched",
            last.tool
        )));
    }
    doc.index(&|_| {})?;
    let mut v = commit(s, n, &mut doc, &path, "undo_last", &last.inverse, false)?;
    v["undid"] = json!(last.tool);
    Ok(v)
}
