//! [`Edit`]: the edit vocabulary shared by `bigedit apply`, the wasm API and agents, and
//! [`plan_edits`], which turns a list of edits into one patch for one commit.
//!
//! Every edit in a list is in the coordinates of the document as it was before the list, so
//! the order does not matter; two edits that touch the same bytes are an error naming both.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{EditError, Error};
use crate::lines::LineIndex;
use crate::patch::{Patch, PatchBuilder};
use crate::range::{parse_byte_range, LineRange};
use crate::scan::Chunker;
use crate::source::ReadAt;
use crate::text;
use crate::version::{Version, VersionHasher};

/// A line range as JSON: `"10:12"`, `"5"`, `":3"`, `"7:"`, or a bare number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LinesArg {
    /// A single line number.
    Line(u64),
    /// The `N`, `A:B`, `A:`, `:B` syntax.
    Spec(String),
}

impl LinesArg {
    fn parse(&self) -> Result<LineRange, EditError> {
        match self {
            LinesArg::Line(n) => Ok(LineRange::line(*n)),
            LinesArg::Spec(s) => s.parse(),
        }
    }
}

impl std::fmt::Display for LinesArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinesArg::Line(n) => write!(f, "{n}"),
            LinesArg::Spec(s) => f.write_str(s),
        }
    }
}

/// New content: bytes that JSON carries as a string (so it is UTF-8 there), while Rust callers
/// and the CLI's `--from` may pass any bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content(pub Vec<u8>);

impl Content {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content(s.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for Content {
    fn from(b: Vec<u8>) -> Self {
        Content(b)
    }
}

impl Serialize for Content {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Content(s.into_bytes()))
    }
}

/// One edit, as written in an `apply` list: `{"op": "replace-lines", "lines": "10:12", "with": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Edit {
    /// Replace lines with text (empty text removes them).
    ReplaceLines {
        /// Which lines.
        lines: LinesArg,
        /// The new lines.
        with: Content,
    },
    /// Insert lines after line `after` (0 = top) or before line `before`; give exactly one.
    Insert {
        /// Insert after this 1-based line.
        #[serde(default)]
        after: Option<u64>,
        /// Insert before this 1-based line.
        #[serde(default)]
        before: Option<u64>,
        /// The new lines.
        with: Content,
    },
    /// Delete lines.
    DeleteLines {
        /// Which lines.
        lines: LinesArg,
    },
    /// Find and replace, literal or regex (line by line).
    Replace {
        /// The literal text or regex to find.
        find: String,
        /// The replacement (`$1` etc. with `regex`).
        with: Content,
        /// Whether `find` is a regex.
        #[serde(default)]
        regex: bool,
        /// Replace at most this many matches.
        #[serde(default)]
        max: Option<u64>,
    },
    /// Replace a byte range `A:B`.
    Splice {
        /// The byte range, 0-based, end exclusive.
        bytes: String,
        /// The new bytes.
        with: Content,
    },
}

impl Edit {
    /// A short description for messages, e.g. `replace-lines 10:12`.
    pub fn describe(&self) -> String {
        match self {
            Edit::ReplaceLines { lines, .. } => format!("replace-lines {lines}"),
            Edit::Insert { after: Some(n), .. } => format!("insert --after {n}"),
            Edit::Insert { before: Some(n), .. } => format!("insert --before {n}"),
            Edit::Insert { .. } => "insert".to_string(),
            Edit::DeleteLines { lines } => format!("delete-lines {lines}"),
            Edit::Replace { find, .. } => format!("replace {find:?}"),
            Edit::Splice { bytes, .. } => format!("splice {bytes}"),
        }
    }

    /// The op name (`replace-lines`, `insert`, ...).
    pub fn op(&self) -> &'static str {
        match self {
            Edit::ReplaceLines { .. } => "replace-lines",
            Edit::Insert { .. } => "insert",
            Edit::DeleteLines { .. } => "delete-lines",
            Edit::Replace { .. } => "replace",
            Edit::Splice { .. } => "splice",
        }
    }

    /// Whether planning this edit needs the document's [`LineIndex`] (line operations do;
    /// find & replace and byte splices do not).
    pub fn needs_line_index(&self) -> bool {
        matches!(self, Edit::ReplaceLines { .. } | Edit::Insert { .. } | Edit::DeleteLines { .. })
    }

    /// The line an insert goes after (0: the top), from its `after` or `before`.
    fn insert_after(
        &self,
        after: Option<u64>,
        before: Option<u64>,
        count: u64,
    ) -> Result<u64, EditError> {
        match (after, before) {
            (Some(a), None) => Ok(a),
            (None, Some(0)) => Err(EditError::LineZero),
            // Before the line after the last one is the end; past that, name the line given.
            (None, Some(b)) if b > count + 1 => {
                Err(EditError::LinePastEnd { line: b, lines: count })
            }
            (None, Some(b)) => Ok(b - 1),
            _ => Err(EditError::BadEdit {
                index: 0,
                op: self.op().to_string(),
                message: "give exactly one of \"after\" and \"before\"".to_string(),
            }),
        }
    }

    /// The bytes this edit replaces, whose [`Version`] a caller passes to
    /// [`check_version`] for optimistic concurrency: the lines of a line edit, the byte range
    /// of a splice, the whole document for find & replace, and for an insert the line it goes
    /// after (nothing for an insert at the top).
    ///
    /// # Errors
    ///
    /// A line range outside the document, [`EditError::IndexRequired`], or the source's error.
    pub fn region<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        index: Option<&LineIndex>,
    ) -> Result<Range<u64>, Error<S::Error>> {
        let need = || index.ok_or(EditError::IndexRequired { op: self.op() });
        let lines = |r: std::ops::RangeInclusive<u64>| need()?.lines_to_bytes(src, r);
        match self {
            Edit::ReplaceLines { lines: l, .. } | Edit::DeleteLines { lines: l } => {
                lines(l.parse()?.resolve(need()?.line_count())?)
            }
            Edit::Insert { after, before, .. } => {
                match self.insert_after(*after, *before, need()?.line_count())? {
                    0 => Ok(0..0),
                    n => lines(n..=n),
                }
            }
            Edit::Replace { .. } => Ok(0..src.len()),
            Edit::Splice { bytes, .. } => {
                let r = parse_byte_range(bytes)?;
                crate::source::check_range(&r, src.len())?;
                Ok(r)
            }
        }
    }

    /// Plans this one edit against `src`. `index` may be `None` when
    /// [`Edit::needs_line_index`] is false, so a host need not scan for lines it will not use.
    ///
    /// # Errors
    ///
    /// Whatever the edit's planner reports (a line past the end, a bad regex, ...),
    /// [`EditError::IndexRequired`] for a line edit without an index, or the source's error.
    pub fn plan<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        index: Option<&LineIndex>,
        chunker: &mut Chunker,
    ) -> Result<Patch, Error<S::Error>> {
        let need = || index.ok_or(EditError::IndexRequired { op: self.op() });
        let lines = |arg: &LinesArg| {
            let count = need()?.line_count();
            arg.parse().and_then(|r| r.resolve(count))
        };
        match self {
            Edit::ReplaceLines { lines: l, with } => {
                text::replace_lines(src, need()?, lines(l)?, with.as_bytes())
            }
            Edit::DeleteLines { lines: l } => text::delete_lines(src, need()?, lines(l)?),
            Edit::Insert { after, before, with } => {
                let after = self.insert_after(*after, *before, need()?.line_count())?;
                text::insert_lines(src, need()?, after, with.as_bytes())
            }
            Edit::Replace { find, with, regex, max } => {
                let pass = text::Replacer::new(find, with.as_bytes(), *regex, *max, src.len())?;
                chunker.run(src, pass)
            }
            Edit::Splice { bytes, with } => {
                Ok(text::splice_bytes(src.len(), parse_byte_range(bytes)?, with.as_bytes())?)
            }
        }
    }
}

/// One entry of an edit list: an [`Edit`] and, optionally, the [`Version`] of the bytes it
/// replaces as the caller read them (`{"op": "replace-lines", "lines": "7", "with": "x",
/// "expect": "9f3c0a1b2c3d4e5f"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The edit.
    #[serde(flatten)]
    pub edit: Edit,
    /// Refuse the whole list unless the edit's [region](Edit::region) still has this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Version>,
}

impl From<Edit> for Step {
    fn from(edit: Edit) -> Self {
        Step { edit, expect: None }
    }
}

impl Step {
    /// Plans this step against the edited view `overlay` (so it sees every step staged before
    /// it) and stages it there; checks its `expect` version against the view first.
    /// `base_index` is the line index of the overlay's *source*: it is shifted over the staged
    /// patch, not rebuilt, when the step needs lines.
    ///
    /// This is what a multi-step transaction is made of, on every host.
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::{Chunker, Edit, LineIndex, Overlay, Step};
    ///
    /// let src = b"one\ntwo\n".to_vec();
    /// let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
    /// let mut view = Overlay::new(&src);
    /// let mut c = Chunker::default();
    /// let steps: Vec<Step> = serde_json::from_str(r#"[
    ///     {"op": "insert", "after": 0, "with": "zero"},
    ///     {"op": "replace-lines", "lines": "3", "with": "TWO"}
    /// ]"#).unwrap();
    /// for step in &steps {
    ///     step.stage(&mut view, Some(&index), &mut c).unwrap();
    /// }
    /// // The second step saw the first: line 3 of the view was "two".
    /// assert_eq!(view.patch().apply_to_vec(&src).unwrap(), b"zero\none\nTWO\n");
    /// ```
    ///
    /// # Errors
    ///
    /// A stale `expect` ([`EditError::Stale`]), the planner's error, or the source's error.
    /// Nothing is staged on error.
    pub fn stage<S: ReadAt>(
        &self,
        overlay: &mut crate::Overlay<S>,
        base_index: Option<&LineIndex>,
        chunker: &mut Chunker,
    ) -> Result<(), Error<S::Error>> {
        let wants_lines = self.edit.needs_line_index() || self.expect.is_some();
        let view_index = match base_index {
            Some(index) if wants_lines => Some(index.shifted(overlay.source(), overlay.patch())?),
            _ => None,
        };
        if let Some(expected) = self.expect {
            let region = self.edit.region(&*overlay, view_index.as_ref())?;
            check_version(&*overlay, region, expected, chunker)?;
        }
        let patch = self.edit.plan(&*overlay, view_index.as_ref(), chunker)?;
        overlay.stage(&patch)?;
        Ok(())
    }
}

/// Checks the `expect` version of every step against `src` (before planning any of them).
///
/// # Errors
///
/// [`EditError::BadEdit`] naming the first step whose region changed (with both versions), or
/// the source's error.
pub fn check_steps<S: ReadAt + ?Sized>(
    src: &S,
    index: Option<&LineIndex>,
    steps: &[Step],
    chunker: &mut Chunker,
) -> Result<(), Error<S::Error>> {
    for (i, step) in steps.iter().enumerate() {
        let Some(expected) = step.expect else { continue };
        let checked = step
            .edit
            .region(src, index)
            .and_then(|region| check_version(src, region, expected, chunker));
        checked.map_err(|e| match e {
            Error::Edit(e) => Error::Edit(EditError::BadEdit {
                index: i,
                op: step.edit.describe(),
                message: e.to_string(),
            }),
            other => other,
        })?;
    }
    Ok(())
}

/// Checks that bytes `range` of `src` still have version `expected`, hashing them in chunks.
///
/// # Errors
///
/// [`EditError::Stale`] naming the range and both versions, or the source's error.
pub fn check_version<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
    expected: Version,
    chunker: &mut Chunker,
) -> Result<(), Error<S::Error>> {
    let mut hasher = VersionHasher::new();
    chunker.scan(src, range.clone(), &mut |_: u64, c: &[u8]| {
        hasher.update(c);
        Ok(crate::Flow::Continue)
    })?;
    let actual = hasher.finish();
    if actual != expected {
        return Err(
            EditError::Stale { start: range.start, end: range.end, expected, actual }.into()
        );
    }
    Ok(())
}

/// Plans a list of edits, all in the coordinates of `src`, into one patch. `index` may be
/// `None` when no edit [needs it](Edit::needs_line_index).
///
/// # Example
///
/// ```
/// use bigedit_core::{plan_edits, Chunker, Edit, LineIndex};
///
/// let src = b"one\ntwo\nthree\n".to_vec();
/// let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
/// let edits: Vec<Edit> = serde_json::from_str(r#"[
///     {"op": "replace-lines", "lines": "2", "with": "TWO"},
///     {"op": "insert", "after": 0, "with": "zero"},
///     {"op": "replace", "find": "three", "with": "3"}
/// ]"#).unwrap();
/// let patch = plan_edits(&src, Some(&index), &edits, &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"zero\none\nTWO\n3\n");
/// ```
///
/// # Errors
///
/// [`EditError::BadEdit`] naming the edit (by its 0-based position) and what is wrong with it,
/// or [`EditError::EditsOverlap`] naming two edits that touch the same bytes.
pub fn plan_edits<S: ReadAt + ?Sized>(
    src: &S,
    index: Option<&LineIndex>,
    edits: &[Edit],
    chunker: &mut Chunker,
) -> Result<Patch, Error<S::Error>> {
    let mut b = PatchBuilder::new(src.len());
    for (i, edit) in edits.iter().enumerate() {
        let patch = edit.plan(src, index, chunker).map_err(|e| match e {
            Error::Edit(EditError::BadEdit { message, .. }) => {
                Error::Edit(EditError::BadEdit { index: i, op: edit.op().to_string(), message })
            }
            Error::Edit(e) => Error::Edit(EditError::BadEdit {
                index: i,
                op: edit.describe(),
                message: e.to_string(),
            }),
            other => other,
        })?;
        b.extend_tagged(i, patch)?;
    }
    b.build().map_err(|e| match e {
        EditError::Overlap { first, second, .. } => EditError::EditsOverlap {
            first,
            first_op: edits[first].describe(),
            second,
            second_op: edits[second].describe(),
        }
        .into(),
        other => other.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(src: &str, json: &str) -> Result<Vec<u8>, EditError> {
        let s = src.as_bytes().to_vec();
        let index = LineIndex::build(&s, &mut Chunker::default()).unwrap();
        let edits: Vec<Edit> = serde_json::from_str(json).unwrap();
        let p = plan_edits(&s, Some(&index), &edits, &mut Chunker::default())
            .map_err(Error::into_edit)?;
        Ok(p.apply_to_vec(&s).unwrap())
    }

    #[test]
    fn edits_compose_in_original_coordinates() {
        let out = plan(
            "1\n2\n3\n4\n5\n",
            r#"[{"op":"delete-lines","lines":"4:5"},{"op":"insert","before":1,"with":"0"},
                {"op":"replace-lines","lines":2,"with":"two"},{"op":"splice","bytes":"4:5","with":"three"}]"#,
        )
        .unwrap();
        assert_eq!(out, b"0\n1\ntwo\nthree\n");
    }

    #[test]
    fn overlapping_edits_name_both() {
        let err = plan(
            "1\n2\n3\n4\n5\n",
            r#"[{"op":"replace-lines","lines":"2:3","with":"x"},{"op":"delete-lines","lines":"3"}]"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "edits[1] (delete-lines 3) overlaps edits[0] (replace-lines 2:3)"
        );
    }

    #[test]
    fn a_bad_edit_is_named_by_position() {
        let err = plan(
            "1\n2\n",
            r#"[{"op":"delete-lines","lines":"1"},{"op":"delete-lines","lines":"9"}]"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "edits[1] (delete-lines 9): line 9 is past the end: the document has 2 lines"
        );
        let err = plan("1\n", r#"[{"op":"insert","with":"x"}]"#).unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
        assert!(serde_json::from_str::<Vec<Edit>>(
            r#"[{"op":"delete-lines","lines":"1","oops":1}]"#
        )
        .is_err());
    }

    #[test]
    fn find_and_replace_needs_no_index_but_line_edits_do() {
        let s = b"a\nb\n".to_vec();
        let edits: Vec<Edit> =
            serde_json::from_str(r#"[{"op":"replace","find":"b","with":"B"}]"#).unwrap();
        assert!(!edits[0].needs_line_index());
        let p = plan_edits(&s, None, &edits, &mut Chunker::default()).unwrap();
        assert_eq!(p.apply_to_vec(&s).unwrap(), b"a\nB\n");
        let line: Vec<Edit> =
            serde_json::from_str(r#"[{"op":"delete-lines","lines":"1"}]"#).unwrap();
        assert!(line[0].needs_line_index());
        let err = plan_edits(&s, None, &line, &mut Chunker::default()).unwrap_err().into_edit();
        assert!(err.to_string().contains("needs the line index"), "{err}");
    }

    #[test]
    fn regions_are_what_a_read_returns_and_stale_versions_are_refused() {
        let s = b"one\ntwo\nthree\n".to_vec();
        let index = LineIndex::build(&s, &mut Chunker::default()).unwrap();
        let region = |json: &str| {
            let e: Edit = serde_json::from_str(json).unwrap();
            e.region(&s, Some(&index)).unwrap()
        };
        assert_eq!(region(r#"{"op":"replace-lines","lines":"2:3","with":"x"}"#), 4..14);
        assert_eq!(region(r#"{"op":"insert","after":1,"with":"x"}"#), 0..4);
        assert_eq!(region(r#"{"op":"insert","before":3,"with":"x"}"#), 4..8);
        assert_eq!(region(r#"{"op":"insert","after":0,"with":"x"}"#), 0..0);
        assert_eq!(region(r#"{"op":"splice","bytes":"1:2","with":"x"}"#), 1..2);
        assert_eq!(region(r#"{"op":"replace","find":"o","with":"0"}"#), 0..14);
        let mut c = Chunker::new(3);
        check_version(&s, 4..8, Version::of(b"two\n"), &mut c).unwrap();
        let err = check_version(&s, 4..8, Version::of(b"TWO\n"), &mut c).unwrap_err().into_edit();
        assert!(matches!(err, EditError::Stale { start: 4, end: 8, .. }), "{err}");
    }
}
