//! The cut candidates of each format, found line by line (Markdown), byte by byte (text) or
//! terminator by terminator (CSV), and handed to the [`Packer`] in document order.

use std::sync::Arc;

use memchr::{memchr2, memchr_iter};

use super::pack::{Meta, Packer};
use super::Boundary;
use crate::csv::{Dialect, RecordScanner};
use crate::error::EditError;
use crate::markdown::{HeadingKind, HeadingScanner, LineInfo, Options};
use crate::scan::{Flow, Scanner};

/// Markdown: every line start is a candidate; a top-level heading's start is a section
/// boundary, a line after a blank line a blank-line boundary; lines inside a verbatim block
/// (code, HTML, front matter) or a setext heading are inside a span.
#[derive(Debug, Clone)]
pub(super) struct Markdown {
    scanner: HeadingScanner,
    lines: Vec<LineInfo>,
    /// Level and title of the open sections.
    titles: Vec<(u8, String)>,
    path: Arc<Vec<String>>,
    prev_blank: bool,
    prev_verbatim: Option<u64>,
    span_start: u64,
}

impl Markdown {
    pub fn new() -> Self {
        Markdown {
            scanner: HeadingScanner::new(Options::default()).track_lines(),
            lines: Vec::new(),
            titles: Vec::new(),
            path: Arc::default(),
            prev_blank: false,
            prev_verbatim: None,
            span_start: 0,
        }
    }

    pub fn feed(
        &mut self,
        packer: &mut Packer,
        offset: u64,
        chunk: &[u8],
    ) -> Result<(), EditError> {
        self.scanner.feed(offset, chunk)?;
        self.drain(packer);
        Ok(())
    }

    pub fn finish(&mut self, packer: &mut Packer) -> Result<Meta, EditError> {
        self.scanner.finish()?;
        self.drain(packer);
        Ok(Meta { path: Arc::clone(&self.path), ..Meta::default() })
    }

    fn drain(&mut self, packer: &mut Packer) {
        self.scanner.take_lines(&mut self.lines);
        let mut headings = self.scanner.take_headings().into_iter().peekable();
        for line in &self.lines {
            let (mut atx, mut setext) = (false, None);
            while let Some(h) = headings.next_if(|h| *h.lines.end() <= line.number) {
                while self.titles.last().is_some_and(|(level, _)| *level >= h.level) {
                    self.titles.pop();
                }
                self.titles.push((h.level, h.title));
                // An empty title is no part of a path, and its own section has the empty
                // path (as in the outline).
                let titled = self.titles.iter().filter(|(_, t)| !t.trim().is_empty());
                let empty = self.titles.last().is_some_and(|(_, t)| t.trim().is_empty());
                self.path = Arc::new(if empty {
                    Vec::new()
                } else {
                    titled.map(|(_, t)| t.clone()).collect()
                });
                match h.kind {
                    HeadingKind::Atx => atx = true,
                    HeadingKind::Setext => setext = Some(h.range),
                }
            }
            let inner = line.verbatim.is_some() && line.verbatim == self.prev_verbatim;
            if line.verbatim.is_some() && !inner {
                self.span_start = line.offset;
            }
            let level = if atx {
                Boundary::Section
            } else if self.prev_blank && !inner {
                Boundary::Blank
            } else {
                Boundary::Line
            };
            let meta = Meta { path: Arc::clone(&self.path), ..Meta::default() };
            packer.candidate(line.offset, level, inner.then_some(self.span_start), meta);
            if let Some(range) = setext {
                packer.setext(range, &self.path);
            }
            self.prev_blank = line.blank;
            self.prev_verbatim = line.verbatim;
            packer.advance(line.end);
        }
    }
}

/// How much of the current line of plain text is white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// Only spaces and tabs so far.
    Yes,
    /// Spaces and tabs, then a `\r` (the start of a `\r\n` ending, or text).
    Cr,
    /// Something else.
    No,
}

/// Plain text: every line start is a candidate, a blank-line boundary after a line of only
/// spaces and tabs.
#[derive(Debug, Clone)]
pub(super) struct Text {
    blank: Blank,
}

impl Text {
    pub fn new() -> Self {
        Text { blank: Blank::Yes }
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.blank = match (self.blank, b) {
                (Blank::No, _) => return,
                (Blank::Yes, b' ' | b'\t') => Blank::Yes,
                (Blank::Yes, b'\r') => Blank::Cr,
                _ => Blank::No,
            };
        }
    }

    pub fn feed(&mut self, packer: &mut Packer, offset: u64, chunk: &[u8]) {
        let mut from = 0;
        for nl in memchr_iter(b'\n', chunk) {
            self.scan(&chunk[from..nl]);
            let level = if self.blank == Blank::No { Boundary::Line } else { Boundary::Blank };
            packer.candidate(offset + nl as u64 + 1, level, None, Meta::default());
            self.blank = Blank::Yes;
            from = nl + 1;
        }
        self.scan(&chunk[from..]);
        packer.advance(offset + chunk.len() as u64 + 1);
    }
}

/// CSV: a record start is a record boundary; a position after a terminator between records
/// is a line boundary; a line start inside a record (a quoted newline) is inside a span.
#[derive(Debug, Clone)]
pub(super) struct Csv {
    scanner: RecordScanner,
    prev: Option<u8>,
    span_start: u64,
    /// Whether the first record has begun.
    first: bool,
}

impl Csv {
    pub fn new(dialect: &Dialect) -> Self {
        Csv {
            scanner: RecordScanner::new(dialect).bounds_only(true),
            prev: None,
            span_start: 0,
            first: false,
        }
    }

    pub fn feed(
        &mut self,
        packer: &mut Packer,
        offset: u64,
        chunk: &[u8],
    ) -> Result<(), EditError> {
        let mut i = 0;
        while i < chunk.len() {
            // One piece: up to and including the next terminator byte.
            let end = memchr2(b'\r', b'\n', &chunk[i..]).map_or(chunk.len(), |k| i + k + 1);
            let pos = offset + i as u64;
            let inside = self.scanner.in_record();
            self.scanner.feed(pos, &chunk[i..end], &mut |_| Ok(Flow::Continue))?;
            let begun = self.scanner.next_record();
            let first = chunk[i];
            match self.prev {
                Some(b'\n') if inside => {
                    let meta = Meta { started: begun, inside: true, ..Meta::default() };
                    packer.candidate(pos, Boundary::Line, Some(self.span_start), meta);
                }
                Some(b'\r') if inside || first == b'\n' => {}
                Some(b'\r' | b'\n') if first == b'\r' || first == b'\n' => {
                    let meta = Meta { started: begun, ..Meta::default() };
                    packer.candidate(pos, Boundary::Line, None, meta);
                }
                Some(b'\r' | b'\n') => {
                    self.span_start = pos;
                    let meta = Meta { started: begun - 1, at_record: true, ..Meta::default() };
                    packer.candidate(pos, Boundary::Record, None, meta);
                }
                _ if begun == 1 && !self.first => {
                    // The first record, at offset 0 or after a BOM (which belongs to it).
                    let meta = Meta { at_record: true, ..Meta::default() };
                    packer.candidate(0, Boundary::Record, None, meta);
                }
                _ => {}
            }
            self.first |= begun > 0;
            self.prev = Some(chunk[end - 1]);
            i = end;
            packer.advance(offset + i as u64);
        }
        Ok(())
    }

    pub fn finish(&mut self) -> Result<Meta, EditError> {
        self.scanner.finish(&mut |_| Ok(Flow::Continue))?;
        Ok(Meta { started: self.scanner.next_record(), ..Meta::default() })
    }
}
