//! The reading commands: `info`, `index`, `read`, `find`.

use std::io::{self, Write};
use std::path::Path;

use bigedit_core::{parse_byte_range, Flow, LineRange};
use serde_json::json;

use super::output::{self, stdout_err};
use super::Ctx;
use crate::error::{Error, Result};
use crate::{Document, IndexState};

/// Longest matching line `find` holds in memory; longer ones stream (text) or are cut (JSON).
const FIND_LINE_HELD: u64 = 1 << 20;

/// Largest read printed with `--json` (it is held in memory to be encoded).
const JSON_READ_MAX: u64 = 64 << 20;

fn state_name(state: Option<IndexState>) -> &'static str {
    match state {
        Some(IndexState::Cached) => "cached",
        Some(IndexState::Built { stored: true }) => "built (now cached)",
        Some(IndexState::Built { stored: false }) => "built (not cached)",
        None => "none",
    }
}

/// Notes bytes `range` in the audit record, then either prints them exactly as stored
/// (streamed; returns `None`) or, under `--json`, reads them (up to a limit) and returns them
/// with their version for the caller's JSON.
pub(crate) fn read_out(
    ctx: &Ctx,
    doc: &Document,
    file: &Path,
    range: std::ops::Range<u64>,
) -> Result<Option<(Vec<u8>, bigedit_core::Version)>> {
    ctx.note("ranges", json!([[range.start, range.end]]));
    ctx.note("bytes_out", range.end - range.start);
    if !ctx.json {
        let mut out = io::stdout().lock();
        doc.copy_range(range, &mut out)?;
        return out.flush().map(|()| None).map_err(stdout_err);
    }
    if range.end - range.start > JSON_READ_MAX {
        // A limit met at run time (the request was well formed): exit status 1, not 2.
        return Err(Error::io(
            file,
            "read",
            io::Error::other(format!(
                "{} bytes is too much for --json (limit {JSON_READ_MAX}); read without --json",
                range.end - range.start
            )),
        ));
    }
    doc.read_range(range).map(Some)
}

/// Opens `file` under the lock the command needs, noting the wait in the audit record.
pub(crate) fn open(ctx: &Ctx, file: &Path) -> Result<Document> {
    let doc = Document::open(file, &ctx.opts)?;
    ctx.note("lock_wait_ms", super::millis(doc.lock_waited()));
    if let Some(recovery) = doc.recovered() {
        let what = recovery.describe();
        super::warn(&format!("{}: {what}", file.display()));
        ctx.note("recovery", what);
    }
    Ok(doc)
}

/// Opens `file` and loads or builds its index, with a progress bar for long builds.
pub(crate) fn open_indexed(ctx: &Ctx, file: &Path) -> Result<Document> {
    let mut doc = open(ctx, file)?;
    if doc.try_cached_index().is_none() {
        build_index(ctx, &mut doc)?;
    }
    Ok(doc)
}

/// Builds `doc`'s index, with a progress bar for long builds.
fn build_index(ctx: &Ctx, doc: &mut Document) -> Result<()> {
    let bar = output::progress(ctx, doc.len(), "indexing");
    doc.index(&|p| bar.set_position(p))?;
    bar.finish_and_clear();
    Ok(())
}

/// Warns (on stderr) about a file whose lines bigedit cannot split as its author meant:
/// UTF-16 (a byte-order mark; newlines are two bytes) or old Mac line endings (CR only). Until
/// encodings are supported, such a file reads as one long line or as lines cut mid-character.
fn warn_unsplit(doc: &Document, file: &Path, index: &bigedit_core::LineIndex) -> Result<()> {
    let head =
        bigedit_core::read_range(doc.source(), 0..doc.len().min(4096)).map_err(|e| doc.err(e))?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        super::warn(&format!(
            "{}: warning: looks like UTF-16 (byte-order mark); lines are split at 0x0A bytes, so \
             line numbers and text do not match the decoded file (UTF-16 is not supported yet)",
            file.display()
        ));
    } else if index.newline_count() == 0 && head.contains(&b'\r') {
        super::warn(&format!(
            "{}: warning: has CR line endings and no LF; bigedit splits lines at LF only, so \
             it reads as one line",
            file.display()
        ));
    }
    Ok(())
}

pub fn info(ctx: &Ctx, file: &Path) -> Result<()> {
    let doc = open_indexed(ctx, file)?;
    let index = doc.loaded_index().expect("open_indexed loads the index");
    warn_unsplit(&doc, file, index)?;
    let state = state_name(doc.index_state());
    if ctx.json {
        return output::json(&json!({
            "file": file.display().to_string(),
            "size": doc.len(),
            "lines": index.line_count(),
            "line_ending": index.ending().as_str(),
            "final_newline": index.ends_with_newline(),
            "crlf": index.crlf_count(),
            "newlines": index.newline_count(),
            "index": state,
            "checkpoints": index.checkpoints().len(),
            "version": doc.version()?.to_string(),
        }));
    }
    output::line(&format!(
        "file: {}\nsize: {} bytes\nlines: {}\nline ending: {}\nfinal newline: {}\nindex: {state}",
        file.display(),
        doc.len(),
        index.line_count(),
        index.ending().as_str(),
        if index.ends_with_newline() { "yes" } else { "no" },
    ))
}

pub fn index(ctx: &Ctx, file: &Path) -> Result<()> {
    let mut doc = open(ctx, file)?;
    let started = std::time::Instant::now();
    let bar = output::progress(ctx, doc.len(), "indexing");
    doc.rebuild_index(&|p| bar.set_position(p))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let index = doc.loaded_index().expect("just built");
    warn_unsplit(&doc, file, index)?;
    let stored = doc.index_state() == Some(IndexState::Built { stored: true });
    if ctx.json {
        return output::json(&json!({
            "file": file.display().to_string(),
            "size": doc.len(),
            "lines": index.line_count(),
            "checkpoints": index.checkpoints().len(),
            "cached": stored,
            "seconds": secs,
        }));
    }
    output::line(&format!(
        "{}: {} lines, {} checkpoints, indexed in {:.3} s{}",
        file.display(),
        index.line_count(),
        index.checkpoints().len(),
        secs,
        if stored { ", cached" } else { ", not cached" }
    ))
}

pub fn read(ctx: &Ctx, file: &Path, lines: Option<&str>, bytes: Option<&str>) -> Result<()> {
    let (mut doc, line_range) = match (lines, bytes) {
        (_, Some(_)) => {
            let doc = open(ctx, file)?;
            (doc, None)
        }
        (Some(l), None) => {
            let spec: LineRange = l.parse().map_err(|e| Error::edit(file, e))?;
            let mut doc = open(ctx, file)?;
            if doc.try_cached_index().is_none() {
                // The last N lines of a file with no index: read backwards, not a scan.
                if let Some(n) = spec.tail().filter(|_| !doc.is_empty()) {
                    return read_tail(ctx, &doc, file, n);
                }
                build_index(ctx, &mut doc)?;
            }
            let count = doc.loaded_index().map_or(0, |i| i.line_count());
            let lines = spec.resolve(count).map_err(|e| Error::edit(file, e))?;
            (doc, Some(lines))
        }
        (None, None) => return Err(Error::Usage("read: give LINES or --bytes A:B".to_string())),
    };
    let range = match (&line_range, bytes) {
        (Some(lines), _) => doc.lines_to_bytes(lines.clone())?,
        (None, Some(b)) => {
            let r = parse_byte_range(b).map_err(|e| Error::edit(file, e))?;
            bigedit_core::check_range(&r, doc.len()).map_err(|e| Error::edit(file, e))?;
            r
        }
        (None, None) => unreachable!("checked above"),
    };
    let Some((buf, version)) = read_out(ctx, &doc, file, range.clone())? else { return Ok(()) };
    let text = String::from_utf8_lossy(&buf);
    output::json(&json!({
        "file": file.display().to_string(),
        "lines": line_range.map(|l| json!({"start": l.start(), "end": l.end()})),
        "bytes": {"start": range.start, "end": range.end},
        "version": version.to_string(),
        "utf8": std::str::from_utf8(&buf).is_ok(),
        "text": text,
    }))
}

/// `read FILE -N:` with no index: the last `n` lines, found by reading backwards from the
/// end (O(the tail), where indexing would read the whole file). The JSON has no line
/// numbers (they are unknown without counting): `tail` is how many lines it holds.
fn read_tail(ctx: &Ctx, doc: &Document, file: &Path, n: u64) -> Result<()> {
    let (start, count) =
        bigedit_core::tail_start(doc.source(), n, ctx.opts.chunk_size).map_err(|e| doc.err(e))?;
    let range = start..doc.len();
    let Some((buf, version)) = read_out(ctx, doc, file, range.clone())? else { return Ok(()) };
    let text = String::from_utf8_lossy(&buf);
    output::json(&json!({
        "file": file.display().to_string(),
        "lines": null,
        "tail": count,
        "bytes": {"start": range.start, "end": range.end},
        "version": version.to_string(),
        "utf8": std::str::from_utf8(&buf).is_ok(),
        "text": text,
    }))
}

/// Context lines around each match of `find` (grep's `-B`, `-A`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Around {
    /// Lines before each match.
    pub before: usize,
    /// Lines after each match.
    pub after: usize,
}

/// What the text output of `find` with context has printed, so that a line is printed once
/// and groups that do not touch are separated by `--`, as grep does.
#[derive(Debug, Default)]
struct Context {
    /// The last line printed (0: none yet).
    printed: u64,
    /// After-context still owed: the next line's number, its start offset, how many lines.
    owed: Option<(u64, u64, usize)>,
}

/// Where the line after the one whose text ends at `end` starts (`None` at the end).
fn next_line_start(doc: &Document, end: u64) -> Result<Option<u64>> {
    let src = doc.source();
    let two =
        bigedit_core::read_range(src, end..(end + 2).min(doc.len())).map_err(|e| doc.err(e))?;
    Ok(match two.as_slice() {
        [b'\n', ..] => Some(end + 1),
        [b'\r', b'\n'] => Some(end + 2),
        _ => None,
    })
}

impl Context {
    /// Prints the lines `ranges` (numbered from `first`) as context: `LINE-text`.
    fn print(
        &mut self,
        doc: &Document,
        out: &mut impl Write,
        first: u64,
        ranges: Vec<std::ops::Range<u64>>,
    ) -> Result<()> {
        for (i, r) in ranges.into_iter().enumerate() {
            let line = first + i as u64;
            write!(out, "{line}-").map_err(stdout_err)?;
            doc.copy_range(r, out)?;
            out.write_all(b"\n").map_err(stdout_err)?;
            self.printed = line;
        }
        Ok(())
    }

    /// Pays the after-context owed, up to line `until` (inclusive).
    fn pay(&mut self, doc: &Document, out: &mut impl Write, until: u64) -> Result<()> {
        let Some((next, start, owed)) = self.owed.take() else { return Ok(()) };
        let k = (owed as u64).min(until.saturating_add(1).saturating_sub(next)) as usize;
        let ranges =
            bigedit_core::lines_from(doc.source(), start, k, 64 * 1024).map_err(|e| doc.err(e))?;
        self.print(doc, out, next, ranges)
    }

    /// Before match line `line` (whose text starts at `start`): the owed after-context, a
    /// `--` if this group does not touch the last, and the before-context.
    fn before_match(
        &mut self,
        doc: &Document,
        out: &mut impl Write,
        around: Around,
        (line, start): (u64, u64),
    ) -> Result<()> {
        if line <= self.printed {
            return Ok(());
        }
        self.pay(doc, out, line - 1)?;
        let from = line.saturating_sub(around.before as u64).max(self.printed + 1).max(1);
        if self.printed > 0 && from > self.printed + 1 {
            out.write_all(b"--\n").map_err(stdout_err)?;
        }
        let k = (line - from) as usize;
        let ranges = bigedit_core::lines_before(doc.source(), start, k, 64 * 1024)
            .map_err(|e| doc.err(e))?;
        self.print(doc, out, line - ranges.len() as u64, ranges)
    }
}

/// The context lines of one match for `--json`: `[{"line": N, "text": ...}]`.
fn context_json(
    doc: &Document,
    first: u64,
    ranges: Vec<std::ops::Range<u64>>,
) -> Result<serde_json::Value> {
    let mut lines = Vec::with_capacity(ranges.len());
    for (i, r) in ranges.into_iter().enumerate() {
        let r = r.start..r.end.min(r.start + FIND_LINE_HELD);
        let (bytes, _) = doc.read_range(r)?;
        lines.push(json!({"line": first + i as u64, "text": String::from_utf8_lossy(&bytes)}));
    }
    Ok(serde_json::Value::Array(lines))
}

#[allow(clippy::too_many_arguments)]
pub fn find(
    ctx: &Ctx,
    file: &Path,
    pattern: &str,
    regex: bool,
    max: Option<u64>,
    count_only: bool,
    around: Option<Around>,
) -> Result<()> {
    let doc = open(ctx, file)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let held = if count_only { 0 } else { FIND_LINE_HELD };
    let with_context = around.is_some();
    let around = around.unwrap_or_default();
    let mut context = Context::default();
    // `--json` streams the matches as it finds them (as `csv read --json` streams rows): the
    // object opens with the file, the array follows, and the count closes it.
    let stream_json = ctx.json && !count_only;
    if stream_json {
        let file = serde_json::to_string(&file.display().to_string()).map_err(io::Error::from);
        write!(out, "{{\"file\":{},\"matches\":[", file.map_err(stdout_err)?)
            .map_err(stdout_err)?;
    }
    let mut first = true;
    let count = doc.find(pattern, regex, max, held, &mut |f| {
        if count_only {
            return Ok(Flow::Continue);
        }
        let m = f.m;
        if ctx.json {
            if !std::mem::take(&mut first) {
                out.write_all(b",").map_err(stdout_err)?;
            }
            let mut v = json!({
                "line": m.line, "column": m.column, "offset": m.offset, "len": m.len,
                "text": String::from_utf8_lossy(f.text), "truncated": !f.is_whole(),
            });
            if with_context {
                let before = bigedit_core::lines_before(
                    doc.source(),
                    f.line.start,
                    around.before,
                    64 * 1024,
                )
                .map_err(|e| doc.err(e))?;
                let after = match next_line_start(&doc, f.line.end)? {
                    Some(next) => {
                        bigedit_core::lines_from(doc.source(), next, around.after, 64 * 1024)
                            .map_err(|e| doc.err(e))?
                    }
                    None => Vec::new(),
                };
                v["before"] = context_json(&doc, m.line - before.len() as u64, before)?;
                v["after"] = context_json(&doc, m.line + 1, after)?;
            }
            serde_json::to_writer(&mut out, &v).map_err(|e| stdout_err(e.into()))?;
            return Ok(Flow::Continue);
        }
        if with_context {
            context.before_match(&doc, &mut out, around, (m.line, f.line.start))?;
        }
        write!(out, "{}:{}:{}:", m.line, m.column, m.offset).map_err(stdout_err)?;
        out.write_all(f.text).map_err(stdout_err)?;
        if !f.is_whole() {
            // A line longer than FIND_LINE_HELD is cut, as in --json, and says so.
            let len = f.line.end - f.line.start;
            write!(out, " [line cut: {} of {len} bytes shown]", f.text.len())
                .map_err(stdout_err)?;
        }
        out.write_all(b"\n").map_err(stdout_err)?;
        if with_context {
            context.printed = m.line;
            context.owed =
                next_line_start(&doc, f.line.end)?.map(|at| (m.line + 1, at, around.after));
        }
        Ok(Flow::Continue)
    })?;
    if with_context && !ctx.json {
        context.pay(&doc, &mut out, u64::MAX)?;
    }
    if count == 0 {
        super::NOTHING_FOUND.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if stream_json {
        writeln!(out, "],\"count\":{count}}}").map_err(stdout_err)?;
        return out.flush().map_err(stdout_err);
    }
    if ctx.json {
        drop(out);
        return output::json(&json!({"file": file.display().to_string(), "count": count}));
    }
    if count_only {
        writeln!(out, "{count}").map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}
