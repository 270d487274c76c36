//! The reading tools: `file_info`, `read_lines`, `find`, `outline`, `read_section`,
//! `read_rows`. Each returns a JSON object; every text it returns comes with a `version`
//! token ([`Token`]) an edit can pass back.

use std::ops::Range;

use bigedit_core::chunks::Format;
use bigedit_core::csv::{self, Condition, Dialect, Header, Overrides};
use bigedit_core::{markdown, FileKind, Flow, LineRange, Version, VersionHasher};
use serde_json::{json, Value};

use super::params::{self, DEFAULT_READ, MAX_READ};
use super::session::{Notes, Session, ToolError};
use super::token::{Region, Token};
use crate::{Document, LockKind};

/// Longest line text `find` returns per match.
const FIND_LINE_SHOWN: u64 = 400;

/// A byte budget from a `max_bytes` parameter.
pub(super) fn budget(max_bytes: Option<u64>) -> Result<u64, ToolError> {
    match max_bytes {
        None => Ok(DEFAULT_READ),
        Some(0) => Err(ToolError::new("max_bytes must be at least 1")),
        Some(n) if n > MAX_READ => Err(ToolError::new(format!(
            "max_bytes {n} is too large: at most {MAX_READ} bytes per call; read in pages"
        ))),
        Some(n) => Ok(n),
    }
}

/// A count limit from an optional parameter: `default` when absent, refused above `max`.
pub(super) fn limit(
    what: &str,
    given: Option<u64>,
    default: u64,
    max: u64,
) -> Result<u64, ToolError> {
    match given {
        None => Ok(default),
        Some(n) if n > max => {
            Err(ToolError::new(format!("{what} {n} is too large: at most {max}")))
        }
        Some(n) => Ok(n),
    }
}

/// Bytes as text, refusing what is not UTF-8 (an incomplete character at the end of a
/// budget-cut read is dropped first by the caller).
pub(super) fn text_of(path: &str, start: u64, bytes: &[u8]) -> Result<String, ToolError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ToolError::new(format!(
            "{path}: not UTF-8 text (invalid byte at offset {}); these tools read and edit text only",
            start + e.utf8_error().valid_up_to() as u64
        ))
    })
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 character.
fn utf8_prefix(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    }
}

/// Whole lines `start..=end` of `doc`, at most `budget` bytes: the text, the last line
/// returned, and its token. A first line longer than the budget is returned cut (at a
/// character boundary) with a byte token.
pub(super) struct Lines {
    /// The text returned.
    pub text: String,
    /// The first and last line returned.
    pub lines: (u64, u64),
    /// Its version token.
    pub token: Token,
    /// Whether the first line was cut to fit the budget.
    pub cut: bool,
}

/// Reads whole lines `start..=end` (clamped to the file) within `budget` bytes.
pub(super) fn read_lines_within(
    doc: &mut Document,
    path: &str,
    start: u64,
    end: u64,
    budget: u64,
) -> Result<Lines, ToolError> {
    let count = doc.index(&|_| {})?.line_count();
    if count == 0 {
        return Ok(Lines {
            text: String::new(),
            lines: (0, 0),
            token: Token::lines(0, 0, Version::of(b"")),
            cut: false,
        });
    }
    if start == 0 {
        return Err(ToolError::new("lines are 1-based: start must be at least 1"));
    }
    if start > count {
        return Err(ToolError::new(format!(
            "{path}: line {start} is past the end: the file has {count} line{}",
            if count == 1 { "" } else { "s" }
        )));
    }
    let end = end.clamp(start, count);
    let range = doc.lines_to_bytes(start..=end)?;
    if range.end - range.start <= budget {
        let (bytes, version) = doc.read_range(range.clone())?;
        let text = text_of(path, range.start, &bytes)?;
        return Ok(Lines {
            text,
            lines: (start, end),
            token: Token::lines(start, end, version),
            cut: false,
        });
    }
    let (mut bytes, _) = doc.read_range(range.start..range.start + budget)?;
    match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => {
            bytes.truncate(last + 1);
            let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            let version = Version::of(&bytes);
            let text = text_of(path, range.start, &bytes)?;
            let lines = (start, start + n - 1);
            Ok(Lines { text, lines, token: Token::lines(lines.0, lines.1, version), cut: false })
        }
        None => {
            bytes.truncate(utf8_prefix(&bytes));
            let version = Version::of(&bytes);
            let text = text_of(path, range.start, &bytes)?;
            let token = Token::bytes(range.start..range.start + bytes.len() as u64, version);
            Ok(Lines { text, lines: (start, start), token, cut: true })
        }
    }
}

/// `file_info`.
pub fn file_info(s: &Session, n: &mut Notes, p: &params::PathOnly) -> Result<Value, ToolError> {
    let mut doc = s.open(&p.path, LockKind::Shared, n)?;
    let index = doc.index(&|_| {})?.clone();
    let len = doc.len();
    let mut hasher = VersionHasher::new();
    doc.copy_range(0..len, &mut HashWriter(&mut hasher))?;
    Ok(json!({
        "path": p.path,
        "size": len,
        "lines": index.line_count(),
        "line_ending": index.ending().as_str(),
        "final_newline": index.ends_with_newline(),
        "kind": kind_of(&p.path).unwrap_or("text"),
        "version": Token::bytes(0..len, hasher.finish()).to_string(),
        "note": "version covers the whole file: pass it to replace_text, or to any edit",
    }))
}

/// An `io::Write` that only hashes.
struct HashWriter<'a>(&'a mut VersionHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The version of bytes `range` of `doc`, hashed in chunks.
pub(super) fn version_of(doc: &Document, range: Range<u64>) -> Result<Version, ToolError> {
    let mut hasher = VersionHasher::new();
    doc.copy_range(range, &mut HashWriter(&mut hasher))?;
    Ok(hasher.finish())
}

/// The lines `read_lines` asks for, in the CLI's range vocabulary: a negative start or end
/// counts from the end (`start=-10` is `-10:`, the last 10 lines); an end past the last line
/// (or none) reads as far as the budget allows.
fn signed_lines(start: Option<i64>, end: Option<i64>, total: u64) -> Result<(u64, u64), ToolError> {
    use bigedit_core::{LineEnd, LineStart};
    let from_end = start.is_some_and(|s| s < 0) || end.is_some_and(|e| e < 0);
    if !from_end {
        let start = start.map_or(1, i64::unsigned_abs);
        let end = end.map_or(u64::MAX, i64::unsigned_abs);
        if end < start {
            return Err(ToolError::new(format!("end {end} is before start {start}")));
        }
        return Ok((start, end));
    }
    let start = match start {
        None => LineStart::First,
        Some(s) if s < 0 => LineStart::FromEnd(s.unsigned_abs()),
        Some(s) => LineStart::Line(s.unsigned_abs()),
    };
    let (end, open) = match end {
        None => (LineEnd::Last, true),
        Some(e) if e < 0 => (LineEnd::FromEnd(e.unsigned_abs()), false),
        Some(e) if e.unsigned_abs() > total => (LineEnd::Last, true),
        Some(e) => (LineEnd::Line(e.unsigned_abs()), false),
    };
    let range =
        LineRange { start, end }.resolve(total).map_err(|e| ToolError::new(e.to_string()))?;
    Ok((*range.start(), if open { u64::MAX } else { *range.end() }))
}

/// `read_lines`.
pub fn read_lines(s: &Session, n: &mut Notes, p: &params::ReadLines) -> Result<Value, ToolError> {
    let budget = budget(p.max_bytes)?;
    let mut doc = s.open(&p.path, LockKind::Shared, n)?;
    let total = doc.index(&|_| {})?.line_count();
    let (start, asked_end) = signed_lines(p.start, p.end, total)
        .map_err(|e| ToolError::new(format!("{}: {}", p.path, e.message)))?;
    let got = read_lines_within(&mut doc, &p.path, start, asked_end, budget)?;
    n.insert("lines".into(), json!([got.lines.0, got.lines.1]));
    n.insert("bytes_out".into(), got.text.len().into());
    let wanted_end = asked_end.min(total);
    let mut v = json!({
        "path": p.path,
        "start": got.lines.0,
        "end": got.lines.1,
        "total_lines": total,
        "text": got.text,
        "version": got.token.to_string(),
    });
    if got.cut {
        v["truncated_line"] = json!(true);
        v["next"] = json!(format!(
            "line {start} is longer than max_bytes ({budget}); only its first {} bytes are shown. Raise max_bytes (up to {MAX_READ}) to read it whole",
            got.text.len()
        ));
    } else if got.lines.1 < wanted_end {
        v["next"] = json!(format!(
            "stopped at the byte budget; continue with read_lines start={}",
            got.lines.1 + 1
        ));
    }
    Ok(v)
}

/// `find`.
pub fn find(s: &Session, n: &mut Notes, p: &params::Find) -> Result<Value, ToolError> {
    let max = limit("max_results", p.max_results, 20, 500)?;
    let context = limit("context", p.context, 0, 10)?;
    if p.pattern.is_empty() {
        return Err(ToolError::new("pattern is empty"));
    }
    let mut doc = s.open(&p.path, LockKind::Shared, n)?;
    let mut found = Vec::new();
    // One more than asked, to say whether there are more.
    let count = doc.find(&p.pattern, p.regex, Some(max + 1), FIND_LINE_SHOWN, &mut |f| {
        if found.len() as u64 == max {
            return Ok(Flow::Stop);
        }
        let cut = utf8_prefix(f.text);
        found.push(json!({
            "line": f.m.line,
            "column": f.m.column,
            "text": String::from_utf8_lossy(&f.text[..cut]),
            "line_cut": !f.is_whole(),
        }));
        Ok(Flow::Continue)
    })?;
    if !found.is_empty() {
        let total = doc.index(&|_| {})?.line_count();
        for m in &mut found {
            let line = m["line"].as_u64().unwrap_or(1);
            // The version of the matched line as stored (ending included): an edit of that
            // line can pass it directly.
            if m["line_cut"] == json!(false) {
                let r = doc.lines_to_bytes(line..=line)?;
                m["version"] = json!(Token::lines(line, line, version_of(&doc, r)?).to_string());
            }
            if context == 0 {
                continue;
            }
            let before = line.saturating_sub(context).max(1);
            let after = (line + context).min(total);
            let mut ctx = |a: u64, b: u64| -> Result<Value, ToolError> {
                if a > b {
                    return Ok(json!([]));
                }
                let r = doc.lines_to_bytes(a..=b)?;
                let r = r.start..r.end.min(r.start + FIND_LINE_SHOWN * (b - a + 1));
                let (bytes, _) = doc.read_range(r)?;
                let text = String::from_utf8_lossy(&bytes[..utf8_prefix(&bytes)]).into_owned();
                Ok(json!(text.lines().collect::<Vec<_>>()))
            };
            m["before"] = ctx(before, line - 1)?;
            m["after"] = ctx(line + 1, after)?;
        }
    }
    n.insert("matches".into(), found.len().into());
    let more = count > max;
    Ok(json!({
        "path": p.path,
        "matches": found,
        "more": more,
        "note": if more { "more matches exist; narrow the pattern or raise max_results" } else { "all matches shown" },
        "hint": "each match's version guards an edit of its line; read_lines returns versions of wider ranges",
    }))
}

/// The kind a file name says: `markdown`, `csv`, or none.
fn kind_of(path: &str) -> Option<&'static str> {
    match FileKind::from_name(path) {
        FileKind::Text => None,
        kind => Some(kind.as_str()),
    }
}

/// `outline`.
pub fn outline(s: &Session, n: &mut Notes, p: &params::Outline) -> Result<Value, ToolError> {
    let kind = match p.kind.as_deref() {
        Some(k @ ("markdown" | "csv")) => k,
        Some(other) => {
            return Err(ToolError::new(format!("kind {other:?}: give \"markdown\" or \"csv\"")))
        }
        None => kind_of(&p.path).ok_or_else(|| {
            ToolError::new(format!(
                "{}: outline works on Markdown (.md) and CSV (.csv, .tsv) files; pass kind, or use read_lines and find",
                p.path
            ))
        })?,
    };
    let max = limit("max_sections", p.max_sections, 200, 5000)?;
    let doc = s.open(&p.path, LockKind::Shared, n)?;
    if kind == "csv" {
        let dialect =
            Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?;
        let mut chunker = doc.chunker();
        let header = Header::read(doc.source(), &dialect, &mut chunker).map_err(|e| doc.err(e))?;
        let report =
            csv::read_rows(doc.source(), &dialect, &header, None, &[], &mut chunker, &mut |_| {
                Ok(Flow::Continue)
            })
            .map_err(|e| doc.err(e))?;
        let columns = header.keys();
        return Ok(json!({
            "path": p.path,
            "kind": "csv",
            "columns": columns,
            "header": dialect.has_header,
            "delimiter": char::from(dialect.delimiter).to_string(),
            "rows": report.rows,
            "rows_with_wrong_field_count": report.skipped_count,
        }));
    }
    // Only the sections shown are held: the rest are scanned and counted.
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    let outline = markdown::outline_first(
        doc.source(),
        markdown::Options::default(),
        cap,
        &mut doc.chunker(),
    )
    .map_err(|e| doc.err(e))?;
    let sections: Vec<Value> = outline
        .iter()
        .map(|s| {
            json!({
                "number": s.number(),
                "level": s.level,
                "title": s.title,
                "section": outline.selector(s),
                "lines": [s.lines.start(), s.lines.end()],
                "bytes": s.range.end - s.range.start,
            })
        })
        .collect();
    n.insert("sections".into(), outline.total().into());
    Ok(json!({
        "path": p.path,
        "kind": "markdown",
        "total_sections": outline.total(),
        "sections": sections,
        "more": outline.total() as u64 > max,
    }))
}

/// `read_section`.
pub fn read_section(
    s: &Session,
    n: &mut Notes,
    p: &params::ReadSection,
) -> Result<Value, ToolError> {
    let budget = budget(p.max_bytes)?;
    let doc = s.open(&p.path, LockKind::Shared, n)?;
    let found = markdown::locate(doc.source(), &[p.section.as_str()], &mut doc.chunker())
        .map_err(|e| doc.err(e))?;
    let sec = &found.sections[0];
    let range = if p.body { sec.body() } else { sec.range.clone() };
    let whole = range.end - range.start <= budget;
    let shown = if whole { range.clone() } else { range.start..range.start + budget };
    let (mut bytes, _) = doc.read_range(shown.clone())?;
    bytes.truncate(utf8_prefix(&bytes));
    let version = Version::of(&bytes);
    let text = text_of(&p.path, range.start, &bytes)?;
    n.insert("ranges".into(), json!([[range.start, range.end]]));
    let lines = if p.body { sec.body_lines() } else { Some(sec.lines.clone()) };
    let mut v = json!({
        "path": p.path,
        "section": sec.path,
        "level": sec.level,
        "lines": lines.map(|l| json!([l.start(), l.end()])),
        "text": text,
        "version": Token::bytes(range.start..range.start + bytes.len() as u64, version).to_string(),
    });
    if !whole {
        v["truncated"] = json!(true);
        v["section_version"] =
            json!(Token::bytes(range.clone(), version_of(&doc, range.clone())?).to_string());
        v["next"] = json!(format!(
            "the section is {} bytes, more than max_bytes; read the rest with read_lines. section_version covers the whole section (for replace_section)",
            range.end - range.start
        ));
    }
    Ok(v)
}

/// Parses `where` conditions.
pub(super) fn conditions(conds: &[String]) -> Result<Vec<Condition>, ToolError> {
    conds
        .iter()
        .map(|c| Condition::parse(c).map_err(|e| ToolError::new(format!("where {c:?}: {e}"))))
        .collect()
}

/// The version of every row matching `conds` (their stored bytes, concatenated) and how many
/// there are: what `read_rows` returns for a `where` and what `csv_set`/`csv_delete` check.
pub(super) fn matches_version(
    doc: &Document,
    dialect: &Dialect,
    conds: &[Condition],
) -> Result<Token, ToolError> {
    let mut chunker = doc.chunker();
    let header = Header::read(doc.source(), dialect, &mut chunker).map_err(|e| doc.err(e))?;
    let mut hasher = VersionHasher::new();
    let report =
        csv::read_rows(doc.source(), dialect, &header, None, conds, &mut chunker, &mut |r| {
            hasher.update(r.raw().unwrap_or_default());
            Ok(Flow::Continue)
        })
        .map_err(|e| doc.err(e))?;
    Ok(Token { region: Region::Matches(report.matched), version: hasher.finish() })
}

/// `read_rows`.
pub fn read_rows(s: &Session, n: &mut Notes, p: &params::ReadRows) -> Result<Value, ToolError> {
    let budget = budget(p.max_bytes)?;
    let max_rows = limit("max_rows", p.max_rows, 50, 5000)?;
    let rows: Option<LineRange> = p
        .rows
        .as_deref()
        .map(|r| r.parse().map_err(|e| ToolError::new(format!("rows {r:?}: {e}"))))
        .transpose()?;
    let conds = conditions(&p.conds)?;
    let doc = s.open(&p.path, LockKind::Shared, n)?;
    let dialect = Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?;
    let mut chunker = doc.chunker();
    let header = Header::read(doc.source(), &dialect, &mut chunker).map_err(|e| doc.err(e))?;
    let names = header.keys();
    let mut out = Vec::new();
    let (mut used, mut span): (u64, Option<Range<u64>>) = (0, None);
    let mut all = VersionHasher::new();
    let mut more = false;
    // With `where` and no row range, every match is hashed (the version an edit of those rows
    // needs), even past the budget; otherwise the scan stops at the budget.
    let hash_all = !conds.is_empty() && rows.is_none();
    let mut bad_text = None;
    let report = csv::read_rows(
        doc.source(),
        &dialect,
        &header,
        rows.as_ref(),
        &conds,
        &mut chunker,
        &mut |r| {
            let raw = r.raw().unwrap_or_default();
            all.update(raw);
            if more || out.len() as u64 >= max_rows || used + raw.len() as u64 > budget {
                more = true;
                return Ok(if hash_all { Flow::Continue } else { Flow::Stop });
            }
            used += raw.len() as u64;
            let range = r.range();
            span = Some(span.as_ref().map_or(range.clone(), |s| s.start..range.end));
            let mut values = serde_json::Map::new();
            for (name, value) in names.iter().zip(r.iter()) {
                match std::str::from_utf8(value) {
                    Ok(v) => values.insert(name.clone(), v.into()),
                    Err(_) => {
                        bad_text.get_or_insert(range.start);
                        values.insert(name.clone(), String::from_utf8_lossy(value).into())
                    }
                };
            }
            out.push(json!({"row": r.number(), "values": values}));
            Ok(Flow::Continue)
        },
    )
    .map_err(|e| doc.err(e))?;
    if let Some(at) = bad_text {
        return Err(ToolError::new(format!(
            "{}: not UTF-8 text in the row at offset {at}; these tools read and edit text only",
            p.path
        )));
    }
    let version = if hash_all {
        Token { region: Region::Matches(report.matched), version: all.finish() }
    } else {
        let span = span.unwrap_or(header.data_start()..header.data_start());
        Token::bytes(span.clone(), version_of(&doc, span)?)
    };
    n.insert("matched".into(), report.matched.into());
    let mut v = json!({
        "path": p.path,
        "columns": names,
        "rows": out,
        "version": version.to_string(),
        "more": more,
    });
    if hash_all {
        v["matched"] = json!(report.matched);
        v["note"] = json!("version covers every row matching `where` (also those not shown): pass it to csv_set or csv_delete with the same `where`");
    }
    if report.skipped_count > 0 {
        v["rows_with_wrong_field_count"] = json!(report.skipped_count);
    }
    if more && !hash_all {
        v["next"] = json!("stopped at max_rows or max_bytes; continue with a later `rows` range");
    }
    Ok(v)
}

/// `chunks`.
pub fn chunks(s: &Session, n: &mut Notes, p: &params::Chunks) -> Result<Value, ToolError> {
    let max_chunk = budget(Some(p.max_chunk_bytes.unwrap_or(4096)))?;
    let skip = p.skip.unwrap_or(0);
    let max = limit("max_chunks", p.max_chunks, 20, 1000)?;
    let doc = s.open(&p.path, LockKind::Shared, n)?;
    let format = match kind_of(&p.path) {
        Some("markdown") => Format::Markdown,
        Some("csv") => Format::Csv(
            Dialect::detect(doc.source(), &Overrides::default()).map_err(|e| doc.err(e))?,
        ),
        _ => Format::Text,
    };
    let mut out = Vec::new();
    let mut more = false;
    bigedit_core::chunks::for_each_chunk(
        doc.source(),
        &format,
        max_chunk,
        false,
        &mut doc.chunker(),
        |c| {
            if c.index < skip {
                return Flow::Continue;
            }
            if out.len() as u64 == max {
                more = true;
                return Flow::Stop;
            }
            let mut v = json!({
                "index": c.index,
                "bytes": [c.range.start, c.range.end],
                "lines": [c.lines.start(), c.lines.end()],
                "ends_at": c.boundary.as_str(),
            });
            if !c.heading_path.is_empty() {
                v["section"] = json!(c.heading_path.join(" > "));
            }
            if let Some(r) = &c.records {
                v["rows"] = json!([r.start(), r.end()]);
            }
            out.push(v);
            Flow::Continue
        },
    )
    .map_err(|e| doc.err(e))?;
    n.insert("chunks".into(), out.len().into());
    let mut v = json!({"path": p.path, "chunks": out, "more": more});
    if more {
        v["next"] = json!(format!("continue with skip={}", skip + max));
    }
    Ok(v)
}
