//! [`Packer`]: the cutting rule. It receives the cut candidates of a document in order and
//! the document's bytes, and cuts a chunk as soon as every candidate of the current window is
//! known.
//!
//! ADVICE FOR HACKERS: the packer keeps the candidates of the window in a stack whose levels
//! strictly decrease from the bottom (earliest) to the top (latest). A candidate is never
//! chosen once a later one of the same or a higher level exists (the rule always takes the
//! last candidate of a level), so pushing a candidate pops every lower-or-equal one below it,
//! and the stack never holds more than one candidate per level. Candidates inside a span (a
//! code block, a setext heading, a CSV record) that starts after the chunk start are not
//! candidates yet: the last one is kept aside (the shadow) in case the next chunk starts at
//! the span's start.

use std::ops::Range;
use std::sync::Arc;

use memchr::memchr_iter;

use super::{Boundary, Chunk};

/// What a chunk that starts at a candidate reports: the heading path there (Markdown) and
/// where it stands among the records (CSV).
#[derive(Debug, Clone, Default)]
pub(super) struct Meta {
    /// The heading path of the section the position is in.
    pub path: Arc<Vec<String>>,
    /// How many records begin before the position.
    pub started: u64,
    /// Whether the position lies strictly inside a record.
    pub inside: bool,
    /// Whether a record begins at the position.
    pub at_record: bool,
}

/// A place where a chunk may end.
#[derive(Debug, Clone)]
pub(super) struct Cand {
    pos: u64,
    level: Boundary,
    meta: Meta,
}

/// The cutting rule, fed candidates in order (see the [module docs](super)).
#[derive(Debug, Clone)]
pub(super) struct Packer {
    max: u64,
    keep_text: bool,
    /// Numbers of the first record (0 with a header, 1 without) for CSV; `None` otherwise.
    record_base: Option<u64>,
    /// Start of the chunk being built, its line and its meta.
    start: u64,
    start_line: u64,
    start_meta: Meta,
    /// Bytes from `buf_start` on; `buf_start <= start`.
    buf: Vec<u8>,
    buf_start: u64,
    stack: Vec<Cand>,
    /// The last candidate inside the open span that starts at `.0`, after the chunk start.
    shadow: Option<(u64, Cand)>,
    next_index: u64,
    out: Vec<Chunk>,
}

impl Packer {
    pub fn new(max: u64, record_base: Option<u64>) -> Self {
        Packer {
            max,
            keep_text: false,
            record_base,
            start: 0,
            start_line: 1,
            start_meta: Meta::default(),
            buf: Vec::new(),
            buf_start: 0,
            stack: Vec::new(),
            shadow: None,
            next_index: 0,
            out: Vec::new(),
        }
    }

    pub fn keep_text(&mut self, yes: bool) {
        self.keep_text = yes;
    }

    pub fn take(&mut self) -> Vec<Chunk> {
        std::mem::take(&mut self.out)
    }

    fn buf_end(&self) -> u64 {
        self.buf_start + self.buf.len() as u64
    }

    /// Holds the bytes that start at `offset`, directly after the previous ones.
    pub fn bytes(&mut self, offset: u64, chunk: &[u8]) {
        debug_assert_eq!(offset, self.buf_end());
        // Drop the bytes before the chunk start once they are at least half the buffer, so
        // the copying stays linear in the input.
        let dead = (self.start - self.buf_start) as usize;
        if dead > 0 && dead >= self.buf.len() - dead {
            self.buf.drain(..dead);
            self.buf_start = self.start;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Every candidate before `known` has been given: cuts every chunk whose window
    /// (`start + 1 ..= start + max`) lies before it.
    pub fn advance(&mut self, known: u64) {
        let limit = known.min(self.buf_end());
        while self.start + self.max < limit {
            self.cut();
        }
    }

    /// A candidate at `pos` (after every earlier one). `inner_of` is the start of the span
    /// it lies inside, if any.
    pub fn candidate(&mut self, pos: u64, level: Boundary, inner_of: Option<u64>, meta: Meta) {
        self.advance(pos);
        if pos == self.start {
            // What a chunk that starts here reports (a heading on the first line, say).
            self.start_meta = meta;
            return;
        }
        if pos < self.start {
            return;
        }
        let cand = Cand { pos, level, meta };
        match inner_of {
            Some(span) if span > self.start => {
                self.shadow = Some((span, cand));
                return;
            }
            Some(_) => {}
            None => self.shadow = None,
        }
        self.push(cand);
    }

    fn push(&mut self, cand: Cand) {
        while self.stack.last().is_some_and(|c| c.level <= cand.level) {
            self.stack.pop();
        }
        self.stack.push(cand);
    }

    /// A setext heading `start..end` found at its underline, whose section has `path`.
    pub fn setext(&mut self, heading: Range<u64>, path: &Arc<Vec<String>>) {
        if heading.start > self.start {
            // Its lines are now inside a span: set the last aside, and the heading dominates
            // every earlier candidate.
            let mut last = None;
            while self.stack.last().is_some_and(|c| c.pos > heading.start) {
                let popped = self.stack.pop();
                last = last.or(popped);
            }
            self.shadow = last.map(|mut c| {
                c.meta.path = Arc::clone(path);
                (heading.start, c)
            });
            self.stack.clear();
            let meta = Meta { path: Arc::clone(path), ..Meta::default() };
            self.stack.push(Cand { pos: heading.start, level: Boundary::Section, meta });
        } else {
            // The chunk starts inside the heading, which is its section.
            self.start_meta.path = Arc::clone(path);
            for c in self.stack.iter_mut().filter(|c| c.pos < heading.end) {
                c.meta.path = Arc::clone(path);
            }
        }
    }

    /// Cuts the chunk of the current window.
    fn cut(&mut self) {
        let half = self.max / 2;
        let start = self.start;
        let pick = match self.stack.iter().position(|c| c.pos - start >= half) {
            Some(i) => Some(i),
            None => self.stack.len().checked_sub(1),
        };
        let (end, kind, meta) = match pick {
            Some(i) => {
                let c = self.stack[i].clone();
                self.stack.drain(..=i);
                (c.pos, c.level, c.meta)
            }
            None => {
                let end = self.char_cut(start + self.max);
                // No record begins inside the window (a record start is a candidate), so the
                // cut is inside the record the chunk starts in, or in the same gap.
                let m = &self.start_meta;
                let meta = Meta {
                    path: Arc::clone(&m.path),
                    started: m.started + u64::from(m.at_record),
                    inside: m.inside || m.at_record,
                    at_record: false,
                };
                (end, Boundary::Char, meta)
            }
        };
        self.emit(end, kind, meta);
        match self.shadow.take() {
            Some((span, cand)) if span == end => self.push(cand),
            Some((span, cand)) if span > end => self.shadow = Some((span, cand)),
            _ => {}
        }
    }

    /// The last position at or before `w` that does not split a UTF-8 character: up to three
    /// continuation bytes are backed over; past that the bytes are not UTF-8 and `w` is used.
    fn char_cut(&self, w: u64) -> u64 {
        let at = |p: u64| self.buf[(p - self.buf_start) as usize];
        let continuation = |b: u8| b & 0xC0 == 0x80;
        (0..=3).map(|k| w - k).find(|&p| !continuation(at(p))).unwrap_or(w)
    }

    /// Emits the chunk `start..end` that ends at a boundary of `kind`; `meta` is the meta at
    /// `end`.
    fn emit(&mut self, end: u64, kind: Boundary, meta: Meta) {
        let from = (self.start - self.buf_start) as usize;
        let text = &self.buf[from..(end - self.buf_start) as usize];
        let newlines = memchr_iter(b'\n', text).count() as u64;
        let last_line =
            self.start_line + newlines - u64::from(text.last() == Some(&b'\n') && newlines > 0);
        let records = self.record_base.and_then(|base| {
            let first = self.start_meta.started - u64::from(self.start_meta.inside);
            (first < meta.started).then(|| (first + base).max(1)..=meta.started - 1 + base)
        });
        let chunk = Chunk {
            index: self.next_index,
            range: self.start..end,
            lines: self.start_line..=last_line,
            boundary: kind,
            heading_path: self.start_meta.path.to_vec(),
            records: records.filter(|r| r.start() <= r.end()),
            text: self.keep_text.then(|| text.to_vec()),
        };
        self.out.push(chunk);
        self.next_index += 1;
        self.start = end;
        self.start_line += newlines;
        self.start_meta = meta;
    }

    /// The end of the document: cuts what is left. `meta` is the meta at `len`.
    pub fn finish(&mut self, len: u64, meta: Meta) {
        self.advance(len.saturating_add(1));
        if self.start < len {
            self.emit(len, Boundary::End, meta);
        }
        self.buf = Vec::new();
        self.buf_start = len;
        self.stack.clear();
        self.shadow = None;
    }
}
