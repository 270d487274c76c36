//! The CommonMark block parser, one line at a time, reduced to what sections need: which
//! blocks are open (a stack, as commonmark.js keeps its open nodes) and which top-level
//! headings the lines make. It follows commonmark.js `blocks.js` step for step
//! (`incorporateLine`: match the open blocks, look for block starts, then add the text), so
//! a reader can check it against that file.

use std::ops::{Range, RangeInclusive};

use super::scan::HeadingKind;
use super::{html, linkref, MAX_NESTING, TITLE_LIMIT};

/// A line without its ending, and where it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct LineIn<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Offset of its first byte.
    pub offset: u64,
    /// The line without `\n` or `\r\n`.
    pub text: &'a [u8],
    /// Length of its ending (0, 1 or 2).
    pub ending: usize,
}

impl LineIn<'_> {
    pub fn end(&self) -> u64 {
        self.offset + (self.text.len() + self.ending) as u64
    }
}

/// An open block.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Quote,
    /// A list item whose content starts at column `indent`.
    Item {
        indent: usize,
        has_child: bool,
    },
    Paragraph,
    Fence {
        ch: u8,
        len: usize,
        indent: usize,
        opened: u64,
    },
    Indented {
        opened: u64,
    },
    Html {
        kind: u8,
        opened: u64,
    },
}

impl Block {
    fn is_leaf(&self) -> bool {
        !matches!(self, Block::Quote | Block::Item { .. })
    }

    fn accepts_lines(&self) -> bool {
        self.is_leaf()
    }

    /// The line a verbatim block (fenced or indented code, HTML) opened on.
    fn verbatim(&self) -> Option<u64> {
        match self {
            Block::Fence { opened, .. }
            | Block::Indented { opened }
            | Block::Html { opened, .. } => Some(*opened),
            _ => None,
        }
    }
}

/// Where the parser is within one line (commonmark.js: `offset`, `column`, `nextNonspace`,
/// `indent`, `blank`). Columns count tabs to the next multiple of 4.
struct Cursor<'a> {
    ln: &'a [u8],
    offset: usize,
    column: usize,
    next_nonspace: usize,
    next_nonspace_column: usize,
    indent: usize,
    blank: bool,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl<'a> Cursor<'a> {
    fn new(ln: &'a [u8]) -> Self {
        Cursor {
            ln,
            offset: 0,
            column: 0,
            next_nonspace: 0,
            next_nonspace_column: 0,
            indent: 0,
            blank: false,
        }
    }

    fn peek(&self, i: usize) -> Option<u8> {
        self.ln.get(i).copied()
    }

    fn find_next_nonspace(&mut self) {
        let (mut i, mut cols) = (self.offset, self.column);
        while let Some(c) = self.peek(i) {
            match c {
                b' ' => cols += 1,
                b'\t' => cols += 4 - cols % 4,
                _ => break,
            }
            i += 1;
        }
        self.blank = i >= self.ln.len();
        self.next_nonspace = i;
        self.next_nonspace_column = cols;
        self.indent = cols - self.column;
    }

    fn indented(&self) -> bool {
        self.indent >= 4
    }

    /// The line from the next non-space byte on.
    fn rest(&self) -> &'a [u8] {
        &self.ln[self.next_nonspace.min(self.ln.len())..]
    }

    fn advance_next_nonspace(&mut self) {
        self.offset = self.next_nonspace;
        self.column = self.next_nonspace_column;
    }

    /// Advances by `count` bytes, or by `count` columns when `columns` (a tab may then be
    /// consumed only in part).
    fn advance_offset(&mut self, mut count: usize, columns: bool) {
        while count > 0 {
            let Some(c) = self.peek(self.offset) else { break };
            if c == b'\t' {
                let to_tab = 4 - self.column % 4;
                if columns {
                    let partial = to_tab > count;
                    let step = to_tab.min(count);
                    self.column += step;
                    self.offset += usize::from(!partial);
                    count -= step;
                } else {
                    self.column += to_tab;
                    self.offset += 1;
                    count -= 1;
                }
            } else {
                self.offset += 1;
                self.column += 1;
                count -= 1;
            }
        }
    }
}

/// The top-level paragraph being read: its text (up to [`PARAGRAPH_HELD`] bytes) and where
/// each held line's text lies in the source, so a setext heading can name its title's bytes.
#[derive(Debug, Clone, Default)]
struct Paragraph {
    text: Vec<u8>,
    full: bool,
    lines: Vec<ParagraphLine>,
    /// End of the last line's text, trailing spaces and tabs excluded.
    text_end: u64,
}

#[derive(Debug, Clone, Copy)]
struct ParagraphLine {
    /// Position of the line's text in `Paragraph::text`.
    at: usize,
    /// Source offset of that text.
    content: u64,
    /// Source offset of the line.
    start: u64,
    number: u64,
}

/// How much of a top-level paragraph is held for its setext title and its link reference
/// definitions.
const PARAGRAPH_HELD: usize = 16 * 1024;

/// Per-line state of `incorporate_line`.
struct LineState {
    all_closed: bool,
    last_matched: usize,
}

/// A top-level heading as the parser records it: as [`super::Heading`], with its title in
/// [`BlockParser::titles`] (so a heading costs no allocation of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// 1 to 6.
    pub level: u8,
    /// ATX or setext.
    pub kind: HeadingKind,
    /// Where its normalized title lies in [`BlockParser::titles`].
    pub title: Range<usize>,
    /// Whether the title was cut at [`TITLE_LIMIT`] bytes.
    pub truncated: bool,
    /// Its lines (1-based, inclusive).
    pub lines: RangeInclusive<u64>,
    /// Its bytes, line endings included.
    pub range: Range<u64>,
    /// The bytes of the title as written.
    pub title_range: Range<u64>,
}

/// The block parser.
#[derive(Debug, Clone, Default)]
pub(super) struct BlockParser {
    stack: Vec<Block>,
    paragraph: Paragraph,
    /// Headings found and not yet taken.
    pub headings: Vec<Found>,
    /// The titles of [`BlockParser::headings`], one after the other (cleared when they are
    /// taken).
    pub titles: String,
    /// A verbatim block closed by the line being read (its closing fence or end condition).
    closed: Option<u64>,
    /// Tests: skip the fast path, to compare it with the general one.
    #[cfg(test)]
    general_only: bool,
}

enum Cont {
    Matched,
    Failed,
    /// The line was a closing fence: nothing more to do with it.
    Done,
}

enum Start {
    None,
    Container,
    Leaf,
}

impl BlockParser {
    /// The block that would swallow whatever follows the input: a top-level fenced code block
    /// or HTML block of types 1 to 5, with the line it opened on.
    pub fn open_block(&self) -> Option<(&'static str, u64)> {
        match self.stack.first()? {
            Block::Fence { opened, .. } => Some(("a fenced code block", *opened)),
            Block::Html { kind: 1..=5, opened } => Some(("an HTML block", *opened)),
            _ => None,
        }
    }

    /// The offset of the first line of the open top-level paragraph, if one is open.
    pub fn open_paragraph(&self) -> Option<u64> {
        match self.stack.first() {
            Some(Block::Paragraph) => self.paragraph.lines.first().map(|l| l.start),
            _ => None,
        }
    }

    /// Incorporates one line (commonmark.js `incorporateLine`).
    ///
    /// Most lines take the fast path ([`BlockParser::plain_line`]), inlined here; the general
    /// path is a large function kept out of line, so that its set-up is not paid per line.
    #[inline]
    pub fn line(&mut self, line: LineIn<'_>) {
        self.closed = None;
        #[cfg(test)]
        let fast = !self.general_only;
        #[cfg(not(test))]
        let fast = true;
        if fast && self.plain_line(&line) {
            return;
        }
        self.incorporate(line);
    }

    /// The verbatim block (fenced or indented code, HTML block) the last line belongs to,
    /// named by the line it opened on; `None` for any other line.
    pub fn verbatim(&self) -> Option<u64> {
        self.closed.or_else(|| self.stack.last().and_then(Block::verbatim))
    }

    #[inline(never)]
    fn incorporate(&mut self, line: LineIn<'_>) {
        let mut c = Cursor::new(line.text);
        let old_len = self.stack.len();
        // 1. Which open blocks does the line continue?
        let mut matched = 0;
        for i in 0..old_len {
            c.find_next_nonspace();
            match self.cont(i, &mut c) {
                Cont::Matched => matched = i + 1,
                Cont::Failed => break,
                Cont::Done => {
                    self.closed = self.stack[i].verbatim();
                    self.stack.truncate(i);
                    return;
                }
            }
        }
        let mut st = LineState { all_closed: matched == old_len, last_matched: matched };
        let mut container = matched;
        let mut matched_leaf = container > 0
            && self.stack[container - 1].accepts_lines()
            && self.stack[container - 1] != Block::Paragraph;

        // 2. New block starts.
        while !matched_leaf {
            c.find_next_nonspace();
            let first = c.peek(c.next_nonspace);
            let special = first.is_some_and(|b| {
                matches!(b, b'#' | b'`' | b'~' | b'*' | b'+' | b'_' | b'=' | b'<' | b'>' | b'-')
                    || b.is_ascii_digit()
            });
            if !c.indented() && !special {
                c.advance_next_nonspace();
                break;
            }
            match self.start(&mut c, &line, &mut st, container) {
                Start::None => {
                    c.advance_next_nonspace();
                    break;
                }
                Start::Container => container = self.stack.len(),
                Start::Leaf => matched_leaf = true,
            }
        }

        // 3. The rest of the line is text.
        let tip_is_paragraph = self.stack.last() == Some(&Block::Paragraph);
        if !st.all_closed && !c.blank && tip_is_paragraph {
            // A lazy continuation line (never of a top-level paragraph, which always matches).
            self.add_paragraph_line(&c, &line);
            return;
        }
        self.close_unmatched(&mut st);
        match self.stack.last() {
            Some(Block::Paragraph) => self.add_paragraph_line(&c, &line),
            Some(Block::Html { kind, .. }) => {
                let kind = *kind;
                if (1..=5).contains(&kind) && html::ends(kind, &line.text[c.offset..]) {
                    self.closed = self.stack.pop().as_ref().and_then(Block::verbatim);
                }
            }
            Some(Block::Fence { .. } | Block::Indented { .. }) => {}
            _ if c.offset < line.text.len() && !c.blank => {
                self.add_child(Some(Block::Paragraph));
                c.advance_next_nonspace();
                self.paragraph.text.clear();
                self.paragraph.lines.clear();
                self.paragraph.full = false;
                self.add_paragraph_line(&c, &line);
            }
            _ => {}
        }
    }

    /// The common case, decided without the general machinery: no container is open and
    /// the line starts with a byte that starts no block (a letter, say), so it starts or
    /// continues a paragraph, or is the content of a code or HTML block. Returns whether it
    /// handled the line; the result is the general path's (the model tests compare both).
    #[inline(always)]
    fn plain_line(&mut self, line: &LineIn<'_>) -> bool {
        let Some(&first) = line.text.first() else {
            // An empty line ends a top-level paragraph and is nothing at the top level (a
            // third of the lines of ordinary prose); inside any other block, the general path.
            if matches!(self.stack.as_slice(), [] | [Block::Paragraph]) {
                self.stack.clear();
                return true;
            }
            return false;
        };
        if self.stack.len() > 1 {
            return false;
        }
        let opens = |b: u8| {
            matches!(
                b,
                b' ' | b'\t' | b'#' | b'`' | b'~' | b'*' | b'+' | b'_' | b'=' | b'<' | b'>' | b'-'
            ) || b.is_ascii_digit()
        };
        match self.stack.first() {
            // Code: any line but a possible closing fence (indented, or starting with the
            // fence character) is content.
            Some(Block::Fence { ch, .. }) => first != b' ' && first != b'\t' && first != *ch,
            // A line that does not start with a space or tab is not blank: it is content,
            // and may end a block of kinds 1 to 5.
            Some(Block::Html { kind, .. }) => {
                if first == b' ' || first == b'\t' {
                    return false;
                }
                if (1..=5).contains(kind) && html::ends(*kind, line.text) {
                    self.closed = self.stack.first().and_then(Block::verbatim);
                    self.stack.clear();
                }
                true
            }
            Some(Block::Quote | Block::Item { .. }) => false,
            // `#` at the margin: an ATX heading (closing a paragraph or indented code), or,
            // when it is none, text like any other.
            Some(Block::Paragraph | Block::Indented { .. }) | None if first == b'#' => {
                let hashes = line.text.iter().take(7).take_while(|&&b| b == b'#').count();
                if hashes > 6 || line.text.get(hashes).is_some_and(|&b| !is_space(b)) {
                    return self.text_line(line);
                }
                let spaces = line.text[hashes..].iter().take_while(|&&b| is_space(b)).count();
                self.stack.clear();
                self.atx_heading(line, hashes as u8, hashes + spaces);
                true
            }
            Some(Block::Paragraph | Block::Indented { .. }) | None if !opens(first) => {
                self.text_line(line)
            }
            Some(Block::Paragraph | Block::Indented { .. }) | None => false,
        }
    }

    /// A line of text at the top level (no container open): it continues the paragraph, or
    /// starts one. Returns `true`.
    #[inline(always)]
    fn text_line(&mut self, line: &LineIn<'_>) -> bool {
        if self.stack.first() != Some(&Block::Paragraph) {
            self.stack.clear();
            self.stack.push(Block::Paragraph);
            self.paragraph.text.clear();
            self.paragraph.lines.clear();
            self.paragraph.full = false;
        }
        let c = Cursor::new(line.text);
        self.add_paragraph_line(&c, line);
        true
    }

    /// Whether the line continues open block `i` (commonmark.js `continue`).
    fn cont(&mut self, i: usize, c: &mut Cursor<'_>) -> Cont {
        match &self.stack[i] {
            Block::Quote => {
                if !c.indented() && c.peek(c.next_nonspace) == Some(b'>') {
                    c.advance_next_nonspace();
                    c.advance_offset(1, false);
                    if c.peek(c.offset).is_some_and(is_space) {
                        c.advance_offset(1, true);
                    }
                    Cont::Matched
                } else {
                    Cont::Failed
                }
            }
            Block::Item { indent, has_child } => {
                if c.blank {
                    if !has_child {
                        return Cont::Failed;
                    }
                    c.advance_next_nonspace();
                } else if c.indent >= *indent {
                    c.advance_offset(*indent, true);
                } else {
                    return Cont::Failed;
                }
                Cont::Matched
            }
            Block::Paragraph => {
                if c.blank {
                    Cont::Failed
                } else {
                    Cont::Matched
                }
            }
            Block::Fence { ch, len, indent, .. } => {
                let rest = c.rest();
                if c.indent <= 3 && rest.first() == Some(ch) {
                    let run = rest.iter().take_while(|b| *b == ch).count();
                    if run >= *len && rest[run..].iter().all(|&b| is_space(b)) {
                        return Cont::Done;
                    }
                }
                let mut i = *indent;
                while i > 0 && c.peek(c.offset).is_some_and(is_space) {
                    c.advance_offset(1, true);
                    i -= 1;
                }
                Cont::Matched
            }
            Block::Indented { .. } => {
                if c.indent >= 4 {
                    c.advance_offset(4, true);
                } else if c.blank {
                    c.advance_next_nonspace();
                } else {
                    return Cont::Failed;
                }
                Cont::Matched
            }
            Block::Html { kind, .. } => {
                if c.blank && (*kind == 6 || *kind == 7) {
                    Cont::Failed
                } else {
                    Cont::Matched
                }
            }
        }
    }

    fn close_unmatched(&mut self, st: &mut LineState) {
        if !st.all_closed {
            self.stack.truncate(st.last_matched);
            st.all_closed = true;
        }
    }

    /// Adds a block as a child of the innermost open container, closing open leaves first
    /// (commonmark.js `addChild`); `None` adds a block that is closed at once (a heading, a
    /// thematic break). Returns the nesting depth of the parent (0: the document).
    fn add_child(&mut self, block: Option<Block>) -> usize {
        while self.stack.last().is_some_and(Block::is_leaf) {
            self.stack.pop();
        }
        if let Some(Block::Item { has_child, .. }) = self.stack.last_mut() {
            *has_child = true;
        }
        let parent = self.stack.len();
        if let Some(block) = block {
            self.stack.push(block);
        }
        parent
    }

    /// Tries the block starts in commonmark.js order.
    fn start(
        &mut self,
        c: &mut Cursor<'_>,
        line: &LineIn<'_>,
        st: &mut LineState,
        container: usize,
    ) -> Start {
        let rest = c.rest();
        let first = rest.first().copied();
        let in_paragraph = container > 0 && self.stack[container - 1] == Block::Paragraph;
        let nestable = self.stack.len() < MAX_NESTING;
        if c.indented() {
            // Only indented code starts here (list markers refuse an indent of 4 or more).
            if self.stack.last() != Some(&Block::Paragraph) && !c.blank {
                c.advance_offset(4, true);
                self.close_unmatched(st);
                self.add_child(Some(Block::Indented { opened: line.number }));
                return Start::Leaf;
            }
            return Start::None;
        }
        // Block quote.
        if first == Some(b'>') && nestable {
            c.advance_next_nonspace();
            c.advance_offset(1, false);
            if c.peek(c.offset).is_some_and(is_space) {
                c.advance_offset(1, true);
            }
            self.close_unmatched(st);
            self.add_child(Some(Block::Quote));
            return Start::Container;
        }
        // ATX heading.
        if first == Some(b'#') {
            let hashes = rest.iter().take_while(|&&b| b == b'#').count();
            if hashes <= 6 && rest.get(hashes).is_none_or(|&b| is_space(b)) {
                let spaces = rest[hashes..].iter().take_while(|&&b| is_space(b)).count();
                let content_start = c.next_nonspace + hashes + spaces;
                self.close_unmatched(st);
                if self.add_child(None) == 0 {
                    self.atx_heading(line, hashes as u8, content_start);
                }
                c.offset = c.ln.len();
                return Start::Leaf;
            }
        }
        // Fenced code.
        if let Some(ch @ (b'`' | b'~')) = first {
            let len = rest.iter().take_while(|&&b| b == ch).count();
            if len >= 3 && (ch == b'~' || !rest[len..].contains(&b'`')) {
                let indent = c.indent;
                self.close_unmatched(st);
                self.add_child(Some(Block::Fence { ch, len, indent, opened: line.number }));
                return Start::Leaf;
            }
        }
        // HTML block.
        if first == Some(b'<') {
            if let Some(kind) = html::start_condition(rest) {
                let lazy =
                    !st.all_closed && !c.blank && self.stack.last() == Some(&Block::Paragraph);
                if kind < 7 || !(in_paragraph || lazy) {
                    self.close_unmatched(st);
                    self.add_child(Some(Block::Html { kind, opened: line.number }));
                    return Start::Leaf;
                }
            }
        }
        // Setext heading underline.
        if let (true, Some(ch @ (b'=' | b'-'))) = (in_paragraph, first) {
            let run = rest.iter().take_while(|&&b| b == ch).count();
            if rest[run..].iter().all(|&b| is_space(b)) {
                self.close_unmatched(st);
                if self.setext_heading(line, container, if ch == b'=' { 1 } else { 2 }) {
                    c.offset = c.ln.len();
                    return Start::Leaf;
                }
            }
        }
        // Thematic break.
        if let Some(ch @ (b'*' | b'-' | b'_')) = first {
            if rest.iter().all(|&b| b == ch || is_space(b))
                && rest.iter().filter(|&&b| b == ch).count() >= 3
            {
                self.close_unmatched(st);
                self.add_child(None);
                c.offset = c.ln.len();
                return Start::Leaf;
            }
        }
        // List item.
        if nestable {
            if let Some(indent) = list_marker(c, in_paragraph) {
                self.close_unmatched(st);
                self.add_child(Some(Block::Item { indent, has_child: false }));
                return Start::Container;
            }
        }
        Start::None
    }

    #[inline]
    fn add_paragraph_line(&mut self, c: &Cursor<'_>, line: &LineIn<'_>) {
        let text = &line.text[c.offset.min(line.text.len())..];
        let content = line.offset + c.offset as u64;
        let trimmed = text.len() - text.iter().rev().take_while(|&&b| is_space(b)).count();
        self.paragraph.text_end = content + trimmed as u64;
        let p = &mut self.paragraph;
        if p.full {
            return;
        }
        p.lines.push(ParagraphLine {
            at: p.text.len(),
            content,
            start: line.offset,
            number: line.number,
        });
        let room = PARAGRAPH_HELD - p.text.len();
        if text.len() + 1 > room {
            p.text.extend_from_slice(&text[..room.min(text.len())]);
            p.full = true;
        } else {
            p.text.extend_from_slice(text);
            p.text.push(b'\n');
        }
    }

    fn atx_heading(&mut self, line: &LineIn<'_>, level: u8, start: usize) {
        let content = &line.text[start.min(line.text.len())..];
        let mut end = content.len() - content.iter().rev().take_while(|&&b| is_space(b)).count();
        let hashes = content[..end].iter().rev().take_while(|&&b| b == b'#').count();
        if hashes == end {
            end = 0;
        } else if hashes > 0 && is_space(content[end - hashes - 1]) {
            end -= hashes;
            end -= content[..end].iter().rev().take_while(|&&b| is_space(b)).count();
        }
        let base = line.offset + start as u64;
        let at = self.titles.len();
        let truncated = push_title(&content[..end], &mut self.titles);
        self.headings.push(Found {
            level,
            kind: HeadingKind::Atx,
            title: at..self.titles.len(),
            truncated,
            lines: line.number..=line.number,
            range: line.offset..line.end(),
            title_range: base..base + end as u64,
        });
    }

    /// Turns the paragraph that `container` is into a setext heading, unless it holds only
    /// link reference definitions. Returns whether it did.
    fn setext_heading(&mut self, line: &LineIn<'_>, container: usize, level: u8) -> bool {
        let p = &self.paragraph;
        let skip =
            if p.text.first() == Some(&b'[') { linkref::definitions_len(&p.text) } else { 0 };
        if skip >= p.text.len() && !p.full {
            return false;
        }
        let Some(first) = p.lines.iter().find(|l| l.at >= skip).or(p.lines.last()).copied() else {
            return false;
        };
        if container == 1 {
            let at = self.titles.len();
            let truncated = push_title(&p.text[skip.min(p.text.len())..], &mut self.titles);
            self.headings.push(Found {
                level,
                kind: HeadingKind::Setext,
                title: at..self.titles.len(),
                truncated: truncated || p.full,
                lines: first.number..=line.number,
                range: first.start..line.end(),
                title_range: first.content..p.text_end.max(first.content),
            });
        }
        self.stack.truncate(container - 1);
        true
    }
}

/// A list marker at the cursor (commonmark.js `parseListMarker`): advances past it and
/// returns the column where the item's content starts, relative to the container.
fn list_marker(c: &mut Cursor<'_>, in_paragraph: bool) -> Option<usize> {
    let rest = c.rest();
    let marker = match rest.first()? {
        b'*' | b'+' | b'-' => 1,
        _ => {
            let digits = rest.iter().take(10).take_while(|b| b.is_ascii_digit()).count();
            if !(1..=9).contains(&digits) || !matches!(rest.get(digits), Some(b'.' | b')')) {
                return None;
            }
            let n = rest[..digits].iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            if in_paragraph && n != 1 {
                return None;
            }
            digits + 1
        }
    };
    if rest.get(marker).is_some_and(|&b| !is_space(b)) {
        return None;
    }
    if in_paragraph && rest[marker..].iter().all(|&b| is_space(b)) {
        return None;
    }
    let marker_offset = c.indent;
    c.advance_next_nonspace();
    c.advance_offset(marker, true);
    let (start_col, start_offset) = (c.column, c.offset);
    loop {
        c.advance_offset(1, true);
        if !(c.column - start_col < 5 && c.peek(c.offset).is_some_and(is_space)) {
            break;
        }
    }
    let blank_item = c.peek(c.offset).is_none();
    let spaces = c.column - start_col;
    let padding = if !(1..5).contains(&spaces) || blank_item {
        c.column = start_col;
        c.offset = start_offset;
        if c.peek(c.offset).is_some_and(is_space) {
            c.advance_offset(1, true);
        }
        marker + 1
    } else {
        marker + spaces
    };
    Some(marker_offset + padding)
}

/// A title as sections show it: white space runs become one space, the ends are trimmed,
/// invalid UTF-8 is replaced, and at most [`TITLE_LIMIT`] bytes are kept (at a character
/// boundary). Returns the title and whether it was cut.
pub(super) fn normalize_title(raw: &[u8]) -> (String, bool) {
    let mut out = String::new();
    let truncated = push_title(raw, &mut out);
    (out, truncated)
}

/// Appends `raw` as [`normalize_title`] makes it to `out`; returns whether it was cut.
pub(super) fn push_title(raw: &[u8], out: &mut String) -> bool {
    // The common case, one heading in every few lines of a big document: a short title with
    // single spaces between words is already normal.
    if raw.len() <= TITLE_LIMIT && raw.first() != Some(&b' ') && raw.last() != Some(&b' ') {
        let (mut space, mut ascii) = (false, true);
        let plain = raw.iter().all(|&b| {
            let ok = !(matches!(b, b'\t' | b'\n' | b'\r') || (b == b' ' && space));
            space = b == b' ';
            ascii &= b.is_ascii();
            ok
        });
        if plain && ascii {
            out.extend(raw.iter().map(|&b| char::from(b)));
            return false;
        }
        if let (true, Ok(text)) = (plain, std::str::from_utf8(raw)) {
            out.push_str(text);
            return false;
        }
    }
    let base = out.len();
    let text = String::from_utf8_lossy(raw);
    for word in text.split([' ', '\t', '\n', '\r']).filter(|w| !w.is_empty()) {
        if out.len() > base {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() - base > TITLE_LIMIT {
            let mut cut = base + TITLE_LIMIT;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line through the parser, with and without the fast path: the same headings, and
    /// the same open blocks and verbatim block after every line.
    fn both_paths_agree(doc: &[u8]) {
        let mut fast = BlockParser::default();
        let mut general = BlockParser { general_only: true, ..BlockParser::default() };
        let mut offset = 0u64;
        for (i, text) in doc.split(|&b| b == b'\n').enumerate() {
            let line = LineIn { number: i as u64 + 1, offset, text, ending: 1 };
            fast.line(line);
            general.line(line);
            offset = line.end();
            let doc = String::from_utf8_lossy(doc);
            assert_eq!(fast.stack, general.stack, "line {} of {doc:?}", i + 1);
            assert_eq!(fast.verbatim(), general.verbatim(), "line {} of {doc:?}", i + 1);
            assert_eq!(fast.headings, general.headings, "line {} of {doc:?}", i + 1);
            assert_eq!(fast.titles, general.titles, "line {} of {doc:?}", i + 1);
        }
    }

    /// Titles as a naive model normalizes them: words split at spaces, tabs and line ends,
    /// joined by one space, cut at the limit on a character boundary.
    fn naive_title(raw: &[u8]) -> (String, bool) {
        let text = String::from_utf8_lossy(raw);
        let joined = text.split([' ', '\t', '\n', '\r']).filter(|w| !w.is_empty());
        let mut out = joined.collect::<Vec<_>>().join(" ");
        if out.len() <= TITLE_LIMIT {
            return (out, false);
        }
        let mut cut = TITLE_LIMIT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        (out, true)
    }

    #[test]
    fn titles_are_normalized_as_the_naive_model_does_after_what_the_buffer_holds() {
        let long = "w ".repeat(TITLE_LIMIT);
        let long_e = "\u{e9}".repeat(TITLE_LIMIT / 2 + 1);
        let raws: [&[u8]; 14] = [
            b"",
            b"Title",
            b"two words",
            b"two  spaces",
            b" lead",
            b"trail ",
            b"tab\tx",
            b"line\nend\r",
            b"\xc3\xa9 caf\xc3\xa9",
            b"bad \xff utf8",
            b"\x0bvt",
            b"a > b",
            long.as_bytes(),
            long_e.as_bytes(),
        ];
        for raw in raws {
            let mut buf = "before".to_string();
            let truncated = push_title(raw, &mut buf);
            let (want, cut) = naive_title(raw);
            assert_eq!((&buf[6..], truncated), (want.as_str(), cut), "{raw:?}");
            assert_eq!(normalize_title(raw), (want, cut), "{raw:?}");
        }
    }

    #[test]
    fn the_fast_path_is_the_general_path() {
        // Lines that start or continue every kind of block, combined at random (a small
        // xorshift generator, so the test needs no dependency and replays exactly).
        let pieces: [&[u8]; 31] = [
            b"",
            b"text",
            b"Title",
            b"  ",
            b"\t",
            b"# h",
            b"## h #",
            b"#",
            b"#\th",
            b"#tag",
            b"###### six",
            b"####### seven",
            b"~~~ x",
            b"``` js",
            b"===",
            b"---",
            b"- item",
            b"1. item",
            b"> quote",
            b"```",
            b"~~~",
            b"    code",
            b"<div>",
            b"<!--",
            b"-->",
            b"</div>",
            b"[a]: /u",
            b"***",
            b"+++",
            b"x  y",
            b"\xc3\xa9 t",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..4000 {
            let lines = 1 + next() % 12;
            let doc: Vec<Vec<u8>> = (0..lines)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize].to_vec())
                .collect();
            both_paths_agree(&doc.join(&b'\n'));
        }
    }
}
