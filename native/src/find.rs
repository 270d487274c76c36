//! [`Document::find`]: the matches of a literal or regex with the text of their lines, as
//! `bigedit find` prints them and the MCP `find` tool returns them.

use std::ops::Range;

use bigedit_core::{text, EditError, Flow, Match, ReadAt};

use crate::error::{Error, Result};
use crate::Document;

/// One match and its line, as [`Document::find`] hands it over.
#[derive(Debug)]
pub struct Found<'a> {
    /// The match.
    pub m: &'a Match,
    /// The byte range of its line's text (the line ending excluded).
    pub line: Range<u64>,
    /// The first bytes of the line's text (at most the `held` bytes asked for).
    pub text: &'a [u8],
}

impl Found<'_> {
    /// Whether [`Found::text`] is the whole line.
    pub fn is_whole(&self) -> bool {
        self.line.end - self.line.start == self.text.len() as u64
    }
}

impl Document {
    /// Finds `pattern` (a literal, or with `regex` a regular expression matched line by line),
    /// stopping after `max` matches, and calls `each` for every match with the first `held`
    /// bytes of its line (`held == 0`: the line is not read, only counted). Several matches on
    /// one line read it once. `each` may stop the search early with [`Flow::Stop`]. Returns
    /// how many matches were found.
    ///
    /// One pass over the file through the chunk buffer; memory is bounded by the chunk size
    /// and `held`.
    ///
    /// # Errors
    ///
    /// A bad regex, a read error, or the first error `each` returned.
    pub fn find(
        &self,
        pattern: &str,
        regex: bool,
        max: Option<u64>,
        held: u64,
        each: &mut dyn FnMut(Found<'_>) -> Result<Flow>,
    ) -> Result<u64> {
        let src = self.source();
        let mut chunker = self.chunker();
        let mut line_chunker = bigedit_core::Chunker::new(64 * 1024);
        let mut count = 0u64;
        let mut failure: Option<Error> = None;
        let mut last_line: Option<(u64, Range<u64>, Vec<u8>)> = None;
        let mut visit = |m: Match| -> std::result::Result<Flow, EditError> {
            count += 1;
            if held == 0 {
                let found = Found { m: &m, line: m.line_start..m.line_start, text: &[] };
                return Ok(each(found).unwrap_or_else(|e| {
                    failure = Some(e);
                    Flow::Stop
                }));
            }
            let result = (|| -> Result<Flow> {
                if last_line.as_ref().is_none_or(|(start, _, _)| *start != m.line_start) {
                    let range = text::line_text_range(src, m.line_start, &mut line_chunker)
                        .map_err(|e| self.err(e))?;
                    let kept = range.start..range.end.min(range.start + held);
                    let bytes = bigedit_core::read_range(src, kept).map_err(|e| self.err(e))?;
                    last_line = Some((m.line_start, range, bytes));
                }
                let Some((_, line, bytes)) = &last_line else { return Ok(Flow::Continue) };
                each(Found { m: &m, line: line.clone(), text: bytes })
            })();
            Ok(result.unwrap_or_else(|e| {
                failure = Some(e);
                Flow::Stop
            }))
        };
        let scanned = if regex {
            let re = text::compile_regex(pattern).map_err(|e| Error::edit(self.path(), e))?;
            text::for_each_regex(src, &re, max, &mut chunker, &mut visit)
        } else {
            text::for_each_literal(
                src,
                0..src.len(),
                1,
                pattern.as_bytes(),
                max,
                &mut chunker,
                &mut visit,
            )
        };
        scanned.map_err(|e| self.err(e))?;
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }
}
