//! Section planners: intent in, [`Patch`] out.
//!
//! Text that a planner puts in front of a heading (a new body, a new or moved section) is
//! normalized to end with exactly one blank line, so the next heading stays a heading and
//! sections stay apart: trailing blank lines are dropped, then one line ending and one blank
//! line are added in the document's line ending. At the end of the document the text gets
//! one final line ending instead, or none if the document had none. A new or moved section
//! that would follow a non-blank line gets a blank line in front (a setext title would
//! otherwise join the paragraph above). New text that leaves a fenced code block or an HTML
//! block open is refused ([`MarkdownError::UnclosedBlock`]): it would swallow the rest of
//! the document.
//!
//! Untouched bytes stay byte-identical: every patch replaces only the ranges named here.

use super::block::normalize_title;
use super::outline::Section;
use super::scan::{headings_of, DocInfo, Options};
use super::{MarkdownError, TITLE_LIMIT};
use crate::error::{EditError, Error};
use crate::patch::{Patch, PatchBuilder};
use crate::source::{read_range, ReadAt};

/// Where a new or moved section goes, relative to an anchor section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Before the anchor's heading.
    Before,
    /// After the anchor's whole section (its subsections included).
    After,
}

/// How far back a planner looks to see whether the line before an insertion is blank.
const LOOK_BACK: u64 = 4096;

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Refuses text that leaves a block open.
fn check_closed(text: &[u8]) -> Result<(), MarkdownError> {
    match headings_of(text, Options::commonmark()).1 {
        Some((what, line)) => Err(MarkdownError::UnclosedBlock { what, line }),
        None => Ok(()),
    }
}

/// `text` without its trailing blank lines, ended as the module docs say.
fn normalize(text: &[u8], followed: bool, info: &DocInfo) -> Vec<u8> {
    let newline = info.newline();
    let text = &crate::text::to_newline(text, newline);
    // The end of the last line that has something on it, its line ending included.
    let last = text.iter().rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    let mut out = match last {
        Some(i) => {
            let end = text[i..].iter().position(|&b| b == b'\n').map_or(text.len(), |p| i + p + 1);
            text[..end].to_vec()
        }
        None => Vec::new(),
    };
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(newline);
    }
    if followed {
        out.extend_from_slice(newline);
    } else if !info.ends_with_newline() {
        let keep =
            out.len() - if out.ends_with(b"\r\n") { 2 } else { usize::from(out.ends_with(b"\n")) };
        out.truncate(keep);
    }
    out
}

/// What goes in front of a section placed at `at`, where the text before it ends at
/// `prev_end` (the two differ when the section that stood between them moves away).
fn separator<S: ReadAt + ?Sized>(
    src: &S,
    info: &DocInfo,
    prev_end: u64,
) -> Result<Vec<u8>, Error<S::Error>> {
    if prev_end == 0 {
        return Ok(Vec::new());
    }
    let back = read_range(src, prev_end.saturating_sub(LOOK_BACK)..prev_end)?;
    let newline = info.newline();
    if !back.ends_with(b"\n") {
        // The last line of a document without a final newline: end it, then a blank line.
        return Ok([newline, newline].concat());
    }
    let line_start = back[..back.len() - 1].iter().rposition(|&b| b == b'\n').map(|p| p + 1);
    let blank = match line_start {
        Some(start) => is_blank(&back[start..]),
        None => prev_end <= LOOK_BACK && is_blank(&back),
    };
    Ok(if blank { Vec::new() } else { newline.to_vec() })
}

fn single(len: u64, range: std::ops::Range<u64>, bytes: Vec<u8>) -> Result<Patch, EditError> {
    let mut b = PatchBuilder::new(len);
    b.push(range, bytes)?;
    b.build()
}

/// Plans replacing the body of `section` (everything after its heading, subsections
/// included) with `text`, normalized as the module docs say.
///
/// # Example
///
/// ```
/// use bigedit_core::{markdown, Chunker};
///
/// let doc = b"# A\nold\n\n\n# B\n".to_vec();
/// let found = markdown::locate(&doc, &["A"], &mut Chunker::default()).unwrap();
/// let patch = markdown::replace_body(&found.info, &found.sections[0], b"new").unwrap();
/// assert_eq!(patch.apply_to_vec(&doc).unwrap(), b"# A\nnew\n\n# B\n");
/// ```
///
/// # Errors
///
/// [`MarkdownError::UnclosedBlock`], or [`EditError::BytesPastEnd`] if the section was found
/// in a longer document.
pub fn replace_body(info: &DocInfo, section: &Section, text: &[u8]) -> Result<Patch, EditError> {
    check_closed(text)?;
    let body = section.body();
    let mut bytes = Vec::new();
    if body.start == info.len && !info.ends_with_newline() && !is_blank(text) {
        // The heading is the last line and has no newline: end it first.
        bytes.extend_from_slice(info.newline());
    }
    bytes.extend_from_slice(&normalize(text, body.end < info.len, info));
    single(info.len, body, bytes)
}

/// Plans replacing the whole of `section` (heading, body, subsections) with `text`,
/// normalized as the module docs say; empty text deletes the section.
///
/// # Errors
///
/// [`MarkdownError::UnclosedBlock`], or the source's error.
pub fn replace_section<S: ReadAt + ?Sized>(
    src: &S,
    info: &DocInfo,
    section: &Section,
    text: &[u8],
) -> Result<Patch, Error<S::Error>> {
    if is_blank(text) {
        return Ok(delete_section(info, section)?);
    }
    check_closed(text).map_err(EditError::from)?;
    let mut bytes = separator(src, info, section.range.start)?;
    bytes.extend_from_slice(&normalize(text, section.range.end < info.len, info));
    Ok(single(info.len, section.range.clone(), bytes)?)
}

/// Plans deleting `section`: its heading, body and subsections.
///
/// # Errors
///
/// [`EditError::BytesPastEnd`] if the section was found in a longer document.
pub fn delete_section(info: &DocInfo, section: &Section) -> Result<Patch, EditError> {
    single(info.len, section.range.clone(), Vec::new())
}

/// Plans inserting `text` (a new section, heading included) before or after `anchor`,
/// normalized as the module docs say.
///
/// # Errors
///
/// [`MarkdownError::UnclosedBlock`], or the source's error.
pub fn insert_section<S: ReadAt + ?Sized>(
    src: &S,
    info: &DocInfo,
    anchor: &Section,
    place: Place,
    text: &[u8],
) -> Result<Patch, Error<S::Error>> {
    if is_blank(text) {
        return Ok(Patch::identity(info.len));
    }
    check_closed(text).map_err(EditError::from)?;
    let at = match place {
        Place::Before => anchor.range.start,
        Place::After => anchor.range.end,
    };
    let mut bytes = separator(src, info, at)?;
    bytes.extend_from_slice(&normalize(text, at < info.len, info));
    Ok(single(info.len, at..at, bytes)?)
}

/// Plans renaming the heading of `section` to `title`, keeping its markers (`##`, a closing
/// sequence, a setext underline). A multi-line setext title becomes one line.
///
/// # Errors
///
/// [`MarkdownError::BadTitle`] for an empty title, a line break, or a title that would not
/// read back as the same heading (`Foo #` would lose its `#`: write `Foo \#`);
/// [`MarkdownError::HeadingTooLong`]; or the source's error.
pub fn rename_heading<S: ReadAt + ?Sized>(
    src: &S,
    info: &DocInfo,
    section: &Section,
    title: &str,
) -> Result<Patch, Error<S::Error>> {
    let bad = |reason: &str| {
        EditError::from(MarkdownError::BadTitle {
            title: title.to_string(),
            path: section.path.clone(),
            line: *section.heading_lines.start(),
            reason: reason.to_string(),
        })
    };
    let new = title.trim_matches([' ', '\t']);
    if new.is_empty() {
        return Err(bad("a title cannot be empty").into());
    }
    if new.contains(['\n', '\r']) {
        return Err(bad("a title is one line").into());
    }
    if new.len() > TITLE_LIMIT {
        return Err(EditError::from(MarkdownError::HeadingTooLong {
            path: section.path.clone(),
            line: *section.heading_lines.start(),
            len: new.len(),
            limit: TITLE_LIMIT,
        })
        .into());
    }
    // The heading as it would read: its own prefix and suffix around the new title.
    let prefix = read_range(src, section.heading.start..section.title_range.start)?;
    let suffix = read_range(src, section.title_range.end..section.heading.end)?;
    let candidate = [prefix.as_slice(), new.as_bytes(), suffix.as_slice()].concat();
    let (headings, open) = headings_of(&candidate, Options::commonmark());
    let same = match headings.as_slice() {
        [h] => h.level == section.level && h.title == normalize_title(new.as_bytes()).0,
        _ => false,
    };
    if !same || open.is_some() {
        return Err(bad("it would not read back as the same heading (escape Markdown \
                        characters with a backslash, e.g. \\#)")
        .into());
    }
    Ok(single(info.len, section.title_range.clone(), new.as_bytes().to_vec())?)
}

/// Plans moving `section` (with its subsections) before or after `anchor`. Levels are kept
/// as written.
///
/// Memory: the moved section is held in memory.
///
/// # Errors
///
/// [`MarkdownError::MoveIntoItself`] when the anchor is the section or inside it;
/// [`MarkdownError::UnclosedBlock`] when the section is the last one and leaves a block open;
/// or the source's error.
pub fn move_section<S: ReadAt + ?Sized>(
    src: &S,
    info: &DocInfo,
    section: &Section,
    anchor: &Section,
    place: Place,
) -> Result<Patch, Error<S::Error>> {
    let moved = &section.range;
    if moved.start <= anchor.range.start && anchor.range.start < moved.end {
        return Err(EditError::from(MarkdownError::MoveIntoItself {
            path: section.path.clone(),
            anchor: anchor.path.clone(),
        })
        .into());
    }
    let at = match place {
        Place::Before => anchor.range.start,
        Place::After => anchor.range.end,
    };
    let text = read_range(src, moved.clone())?;
    check_closed(&text).map_err(EditError::from)?;
    // In the new document, the text before `at` ends where the moved section began when
    // the section stood right there; what follows `at` is what followed the section.
    let prev_end = if at == moved.end { moved.start } else { at };
    let followed = if at == moved.start { moved.end < info.len } else { at < info.len };
    let mut bytes = separator(src, info, prev_end)?;
    bytes.extend_from_slice(&normalize(&text, followed, info));
    let mut b = PatchBuilder::new(info.len);
    b.push(moved.clone(), Vec::new())?;
    b.push(at..at, bytes)?;
    Ok(b.build()?)
}
