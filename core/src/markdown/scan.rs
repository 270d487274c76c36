//! [`HeadingScanner`]: the push-based scanner that finds the top-level headings of a
//! Markdown document, whatever the chunk sizes.

use std::ops::{Range, RangeInclusive};

use super::block::{BlockParser, Found, LineIn};
use crate::error::EditError;
use crate::find::{Line, LineSplitter};
use crate::scan::{Flow, Scanner};

/// How the scanner reads a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Skip YAML (`---` ... `---` or `...`) or TOML (`+++` ... `+++`) front matter at the
    /// very start. Front matter longer than 64 KiB, or never closed, is read as Markdown.
    pub front_matter: bool,
    /// The most bytes of one line the scanner holds: a longer line (a paragraph holding a
    /// 200 MB data URI) is read from its first `line_limit` bytes, which decide its block,
    /// and the rest is passed over, so memory stays bounded.
    pub line_limit: usize,
}

/// The most bytes of a Markdown line the scanner holds by default: 1 MiB.
pub const MD_LINE_HELD: usize = 1 << 20;

impl Default for Options {
    fn default() -> Self {
        Options { front_matter: true, line_limit: MD_LINE_HELD }
    }
}

impl Options {
    /// Plain CommonMark: no front matter.
    pub fn commonmark() -> Self {
        Options { front_matter: false, ..Options::default() }
    }
}

/// The UTF-8 byte order mark, skipped at the start of a document.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The longest front matter that is recognized.
const FRONT_MATTER_LIMIT: usize = 64 * 1024;

/// How a heading is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadingKind {
    /// `# Title` (ATX).
    Atx,
    /// `Title` underlined with `===` or `---` (setext).
    Setext,
}

impl HeadingKind {
    /// `atx` or `setext`.
    pub fn as_str(self) -> &'static str {
        match self {
            HeadingKind::Atx => "atx",
            HeadingKind::Setext => "setext",
        }
    }
}

/// A top-level heading as the scanner finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// ATX or setext.
    pub kind: HeadingKind,
    /// The title as written, white space runs made one space (see [`super::TITLE_LIMIT`]).
    pub title: String,
    /// Whether the title was cut at [`super::TITLE_LIMIT`] bytes.
    pub truncated: bool,
    /// Its lines (1-based, inclusive): one for ATX, the text lines and the underline for
    /// setext.
    pub lines: RangeInclusive<u64>,
    /// Its bytes, from the start of its first line to the end of its last line (ending
    /// included).
    pub range: Range<u64>,
    /// The bytes of the title as written (without markers, closing `#`s or the spaces
    /// around); what a rename replaces.
    pub title_range: Range<u64>,
}

/// What a complete scan learned about the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocInfo {
    /// Length in bytes.
    pub len: u64,
    /// Number of lines (a last line without newline counts).
    pub lines: u64,
    /// Lines ending in `\n` (without `\r`) and in `\r\n`.
    pub endings: (u64, u64),
    /// The front matter that was skipped, if any.
    pub front_matter: Option<Range<u64>>,
}

impl DocInfo {
    /// The line ending new lines get: `\r\n` when most lines have it, else `\n`.
    pub fn newline(&self) -> &'static [u8] {
        if self.endings.1 > self.endings.0 {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// Whether the document ends with a line ending (or is empty).
    pub fn ends_with_newline(&self) -> bool {
        self.len == 0 || self.lines == self.endings.0 + self.endings.1
    }
}

#[derive(Debug, Clone)]
struct HeldLine {
    number: u64,
    offset: u64,
    text: Vec<u8>,
    ending: usize,
}

#[derive(Debug, Clone)]
enum Front {
    Off,
    Start,
    Inside { toml: bool, held: Vec<HeldLine>, bytes: usize },
    Done,
}

/// One line as the scanner read it, for callers that follow the block structure (the
/// chunker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineInfo {
    /// 1-based line number.
    pub number: u64,
    /// Offset of its first byte.
    pub offset: u64,
    /// Offset after its ending.
    pub end: u64,
    /// Whether it holds only spaces and tabs.
    pub blank: bool,
    /// The verbatim block it belongs to (fenced or indented code, HTML block, front matter),
    /// named by the line number that block opened on.
    pub verbatim: Option<u64>,
}

/// Everything but the line splitter (so a closure can borrow it while the splitter runs).
#[derive(Debug, Clone)]
struct State {
    parser: BlockParser,
    front: Front,
    info: DocInfo,
    /// Lines read and not yet taken, when tracked.
    lines: Option<Vec<LineInfo>>,
    /// The end of the last complete line read.
    read_to: u64,
}

impl State {
    /// Feeds a line to the block parser and notes it when lines are tracked.
    #[inline]
    fn parse(&mut self, line: LineIn<'_>) {
        self.parser.line(line);
        if self.lines.is_some() {
            let verbatim = self.parser.verbatim();
            self.note(&line, verbatim);
        }
    }

    fn note(&mut self, line: &LineIn<'_>, verbatim: Option<u64>) {
        if let Some(lines) = &mut self.lines {
            // A BOM belongs to the first line: it starts at 0 whatever the parser was shown.
            let offset = if line.number == 1 { 0 } else { line.offset };
            lines.push(LineInfo {
                number: line.number,
                offset,
                end: line.end(),
                blank: line.text.iter().all(|&b| b == b' ' || b == b'\t'),
                verbatim,
            });
        }
    }

    #[inline]
    fn line(&mut self, line: Line<'_>) {
        let ending = line.ending.len();
        self.read_to = line.offset + line.text.len() as u64 + line.skipped + ending as u64;
        self.info.lines += 1;
        match ending {
            1 => self.info.endings.0 += 1,
            2 => self.info.endings.1 += 1,
            _ => {}
        }
        // The bytes of a cut line past what is held count as part of its end: the blocks see
        // its first bytes, and every offset after it stays exact.
        let tail = ending + line.skipped as usize;
        let mut line =
            LineIn { number: line.number, offset: line.offset, text: line.text, ending: tail };
        // A UTF-8 BOM is no part of the first line's Markdown (a heading may follow it); the
        // first section starts after it.
        if line.offset == 0 {
            if let Some(rest) = line.text.strip_prefix(BOM) {
                line.text = rest;
                line.offset = BOM.len() as u64;
            }
        }
        if matches!(self.front, Front::Off | Front::Done) {
            self.parse(line);
        } else {
            self.front_line(line);
        }
    }

    /// A line while front matter may still start or be open.
    #[inline(never)]
    fn front_line(&mut self, line: LineIn<'_>) {
        let ending = line.ending;
        let trimmed = trim_end(line.text);
        match &mut self.front {
            Front::Off | Front::Done => self.parse(line),
            Front::Start => {
                if trimmed == b"---" || trimmed == b"+++" {
                    let toml = trimmed == b"+++";
                    let held = vec![hold(&line)];
                    self.front = Front::Inside { toml, held, bytes: line.text.len() };
                } else {
                    self.front = Front::Done;
                    self.parse(line);
                }
            }
            Front::Inside { toml, held, bytes } => {
                let closes =
                    if *toml { trimmed == b"+++" } else { trimmed == b"---" || trimmed == b"..." };
                if closes {
                    self.info.front_matter =
                        Some(0..line.offset + (line.text.len() + ending) as u64);
                    if let Front::Inside { held, .. } =
                        std::mem::replace(&mut self.front, Front::Done)
                    {
                        for l in &held {
                            self.note(&held_line(l), Some(1));
                        }
                    }
                    self.note(&line, Some(1));
                } else if *bytes + line.text.len() > FRONT_MATTER_LIMIT {
                    self.replay();
                    self.parse(line);
                } else {
                    *bytes += line.text.len();
                    held.push(hold(&line));
                }
            }
        }
    }

    /// Reads held front-matter candidate lines as Markdown after all.
    fn replay(&mut self) {
        if let Front::Inside { held, .. } = std::mem::replace(&mut self.front, Front::Done) {
            for l in &held {
                self.parse(held_line(l));
            }
        }
    }
}

fn held_line(l: &HeldLine) -> LineIn<'_> {
    LineIn { number: l.number, offset: l.offset, text: &l.text, ending: l.ending }
}

fn hold(line: &LineIn<'_>) -> HeldLine {
    HeldLine {
        number: line.number,
        offset: line.offset,
        text: line.text.to_vec(),
        ending: line.ending,
    }
}

fn trim_end(text: &[u8]) -> &[u8] {
    let n = text.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
    &text[..text.len() - n]
}

/// Finds the top-level headings of a Markdown document pushed in chunks of any size.
///
/// Feed every chunk in order with [`Scanner::feed`], take the headings found so far with
/// [`HeadingScanner::take_headings`] whenever convenient, and end with
/// [`HeadingScanner::finish`], which reads a last line without newline. Memory: the current
/// line when it spans chunks, up to 64 KiB of front matter, 16 KiB of the current paragraph,
/// the open blocks, and the headings not yet taken.
///
/// # Example
///
/// ```
/// use bigedit_core::markdown::HeadingScanner;
/// use bigedit_core::Scanner;
///
/// let mut s = HeadingScanner::default();
/// s.feed(0, b"# Intro\n\n```\n# not a heading\n``").unwrap();
/// s.feed(32, b"`\nTitle\n===\n> # quoted, not top level\n").unwrap();
/// s.finish().unwrap();
/// let titles: Vec<_> = s.take_headings().into_iter().map(|h| (h.level, h.title)).collect();
/// assert_eq!(titles, [(1, "Intro".to_string()), (1, "Title".to_string())]);
/// ```
#[derive(Debug, Clone)]
pub struct HeadingScanner {
    splitter: LineSplitter,
    state: State,
}

impl Default for HeadingScanner {
    fn default() -> Self {
        HeadingScanner::new(Options::default())
    }
}

impl HeadingScanner {
    /// A scanner for a document that starts at offset 0.
    pub fn new(options: Options) -> Self {
        HeadingScanner {
            splitter: LineSplitter::clipping(options.line_limit),
            state: State {
                parser: BlockParser::default(),
                front: if options.front_matter { Front::Start } else { Front::Off },
                info: DocInfo::default(),
                lines: None,
                read_to: 0,
            },
        }
    }

    /// Notes every line read from now on, for [`HeadingScanner::take_lines`].
    pub(crate) fn track_lines(mut self) -> Self {
        self.state.lines = Some(Vec::new());
        self
    }

    /// Moves the lines read since the last call into `out` (cleared first), in order. Lines
    /// of possible front matter are held until it closes (at most 64 KiB).
    pub(crate) fn take_lines(&mut self, out: &mut Vec<LineInfo>) {
        out.clear();
        if let Some(lines) = &mut self.state.lines {
            std::mem::swap(lines, out);
        }
    }

    /// Takes the headings found since the last call, in document order.
    pub fn take_headings(&mut self) -> Vec<Heading> {
        let mut out = Vec::with_capacity(self.state.parser.headings.len());
        self.drain_headings(|h, title| {
            out.push(Heading {
                level: h.level,
                kind: h.kind,
                title: title.to_string(),
                truncated: h.truncated,
                lines: h.lines.clone(),
                range: h.range.clone(),
                title_range: h.title_range.clone(),
            });
        });
        out
    }

    /// As [`HeadingScanner::take_headings`], handing each heading and its title to `each`
    /// instead of allocating them.
    pub(super) fn drain_headings(&mut self, mut each: impl FnMut(&Found, &str)) {
        let parser = &mut self.state.parser;
        for h in &parser.headings {
            each(h, &parser.titles[h.title.clone()]);
        }
        parser.headings.clear();
        parser.titles.clear();
    }

    /// Ends the input: reads a last line without newline and any unclosed front matter, and
    /// returns what the scan learned about the whole document.
    ///
    /// # Errors
    ///
    /// None today; the signature leaves room for a scanner that checks the end.
    pub fn finish(&mut self) -> Result<DocInfo, EditError> {
        let state = &mut self.state;
        self.splitter.finish(&mut |line| {
            state.line(line);
            Ok(Flow::Continue)
        })?;
        state.replay();
        Ok(state.info.clone())
    }

    /// What the scan has learned so far about the document read up to now (its length is the
    /// end of the last chunk fed); [`HeadingScanner::finish`] gives the final answer.
    pub fn info(&self) -> &DocInfo {
        &self.state.info
    }

    /// The offset before which no top-level heading can be found any more, whatever follows:
    /// the start of the open top-level paragraph (a setext underline may still make it a
    /// heading), else the end of the last complete line read; 0 while front matter is
    /// undecided (it may still be read as Markdown). Headings already found may start
    /// before it (take them with [`HeadingScanner::take_headings`]).
    pub fn settled(&self) -> u64 {
        match self.state.front {
            Front::Start | Front::Inside { .. } => 0,
            Front::Off | Front::Done => {
                self.state.parser.open_paragraph().unwrap_or(self.state.read_to)
            }
        }
    }

    /// The block still open at the end of the input that would swallow any text after it: a
    /// top-level fenced code block or HTML block of types 1 to 5, with its first line.
    pub fn open_block(&self) -> Option<(&'static str, u64)> {
        self.state.parser.open_block()
    }
}

impl Scanner for HeadingScanner {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let state = &mut self.state;
        state.info.len = offset + chunk.len() as u64;
        self.splitter.feed(offset, chunk, &mut |line| {
            state.line(line);
            Ok(Flow::Continue)
        })
    }
}

/// The top-level headings of `text` (a helper for tests and for checking new text).
pub(super) fn headings_of(
    text: &[u8],
    options: Options,
) -> (Vec<Heading>, Option<(&'static str, u64)>) {
    let mut s = HeadingScanner::new(options);
    // A line limit error cannot happen below the limit; past it, the text is reported as
    // having no heading, which every caller treats as a mismatch.
    if s.feed(0, text).is_err() || s.finish().is_err() {
        return (Vec::new(), None);
    }
    let open = s.open_block();
    (s.take_headings(), open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::{push, SIZES};

    fn scan(text: &[u8], size: usize, options: Options) -> (Vec<Heading>, DocInfo) {
        let mut s = HeadingScanner::new(options);
        push(&mut s, text, size);
        let info = s.finish().unwrap();
        (s.take_headings(), info)
    }

    fn titles(text: &str) -> Vec<(u8, String)> {
        let (h, _) = scan(text.as_bytes(), usize::MAX, Options::default());
        h.into_iter().map(|h| (h.level, h.title)).collect()
    }

    fn t(level: u8, title: &str) -> (u8, String) {
        (level, title.to_string())
    }

    #[test]
    fn headings_and_their_ranges_at_every_chunk_size() {
        let text = b"---\ntitle: x\n---\n# A #\r\ntext\n\nB\n---\n## C\n[r]: /u\nD \\#\n===\nend";
        let (want, info) = scan(text, usize::MAX, Options::default());
        assert_eq!(info.front_matter, Some(0..17));
        assert_eq!(info.lines, 13);
        assert_eq!(info.endings, (11, 1));
        assert!(!info.ends_with_newline());
        let got: Vec<_> =
            want.iter().map(|h| (h.level, h.title.as_str(), h.range.clone())).collect();
        assert_eq!(
            got,
            [(1, "A", 17..24), (2, "B", 30..36), (2, "C", 36..41), (1, "D \\#", 49..58)]
        );
        assert_eq!(
            &text[want[0].title_range.start as usize..want[0].title_range.end as usize],
            b"A"
        );
        assert_eq!(want[3].lines, 11..=12);
        for size in SIZES {
            assert_eq!(scan(text, size, Options::default()).0, want, "size {size}");
        }
    }

    #[test]
    fn code_html_quotes_and_lists_hide_headings() {
        assert_eq!(titles("```\n# a\n```\n# b\n"), [t(1, "b")]);
        assert_eq!(titles("~~~~\n# a\n~~~\n# b\n"), []);
        assert_eq!(titles("    # a\n# b"), [t(1, "b")]);
        assert_eq!(titles("<div>\n# a\n\n# b"), [t(1, "b")]);
        assert_eq!(titles("<!--\n# a\n-->\n# b"), [t(1, "b")]);
        assert_eq!(titles("> # a\n# b"), [t(1, "b")]);
        assert_eq!(titles("- # a\n\n  # b\n# c"), [t(1, "c")]);
        assert_eq!(titles("- a\n---\n"), []);
        assert_eq!(titles("a\n---\n***\n"), [t(2, "a")]);
        assert_eq!(titles("[a]: /b\n===\n"), []);
        assert_eq!(titles("---\n# not front matter\n"), [t(1, "not front matter")]);
    }

    #[test]
    fn long_titles_are_cut_at_a_character_boundary() {
        let text = format!("# {}\n", "\u{e9}".repeat(3000));
        let (h, _) = scan(text.as_bytes(), 7, Options::default());
        assert!(h[0].truncated && h[0].title.len() <= super::super::TITLE_LIMIT);
    }

    #[test]
    fn a_line_over_the_limit_is_read_from_its_first_bytes_with_exact_offsets() {
        let long = "x".repeat(100);
        let text = format!("# a\npara {long}\r\n# b {long}\n\n## c\n");
        for size in SIZES {
            let (h, _) =
                scan(text.as_bytes(), size, Options { line_limit: 8, ..Options::default() });
            let got: Vec<_> = h
                .iter()
                .map(|h| (h.level, h.title.clone(), *h.lines.start(), h.range.clone()))
                .collect();
            let b = text.find("# b").unwrap() as u64;
            let b_end = text.find("\n\n## c").unwrap() as u64 + 1;
            let c = text.find("## c").unwrap() as u64;
            let want = [
                (1, "a".to_string(), 1, 0..4),
                (1, "b xxxx".to_string(), 3, b..b_end),
                (2, "c".to_string(), 5, c..text.len() as u64),
            ];
            assert_eq!(got, want, "{size}");
        }
    }
}
