//! [`Section`] and [`Outline`]: the headings of a document as nested sections with paths.

use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};

use super::block::Found;
use super::resolve::{normalize_path, Matcher, Selector};
use super::scan::{DocInfo, HeadingKind, HeadingScanner, Options};
use super::MarkdownError;
use crate::error::{EditError, Error};
use crate::scan::{Chunker, Flow, Pass, Scanner};
use crate::source::ReadAt;

/// A section: a top-level heading and everything up to the next heading of the same or a
/// higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Position in the outline (0-based; `md outline` and `#N` selectors count from 1).
    pub index: usize,
    /// Heading level, 1 to 6.
    pub level: u8,
    /// ATX or setext.
    pub kind: HeadingKind,
    /// The title as written, white space runs made one space.
    pub title: String,
    /// Whether the title was cut at [`super::TITLE_LIMIT`] bytes.
    pub truncated: bool,
    /// The heading path: the titles of the enclosing sections and this one, joined by ` > `.
    pub path: String,
    /// Which of the sections with this path it is (1-based, in document order). A section
    /// found by [`locate`](super::locate) with a bare `#N` has 0 here: that pass does not count.
    pub occurrence: usize,
    /// Lines of the heading (1-based, inclusive).
    pub heading_lines: RangeInclusive<u64>,
    /// Lines of the whole section (1-based, inclusive).
    pub lines: RangeInclusive<u64>,
    /// Bytes of the heading, line endings included.
    pub heading: Range<u64>,
    /// Bytes of the title as written (what a rename replaces).
    pub title_range: Range<u64>,
    /// Bytes of the whole section: heading, body, subsections.
    pub range: Range<u64>,
}

impl Section {
    /// Bytes of the body: the section without its heading.
    pub fn body(&self) -> Range<u64> {
        self.heading.end..self.range.end
    }

    /// Lines of the body, or `None` when it is empty.
    pub fn body_lines(&self) -> Option<RangeInclusive<u64>> {
        let first = self.heading_lines.end() + 1;
        (first <= *self.lines.end()).then(|| first..=*self.lines.end())
    }

    /// The 1-based number `#N` selects this section by.
    pub fn number(&self) -> usize {
        self.index + 1
    }
}

/// Whether `normalize_path` leaves `title` as it is and keeps it one part: plain ASCII words
/// with no `>` (as `normalize_title` leaves most titles).
fn is_plain(title: &str) -> bool {
    let bytes = title.as_bytes();
    if bytes.first().is_none_or(|&b| b == b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    // One pass (a heading in every few lines of a big document comes through here).
    let mut space = false;
    bytes.iter().all(|&b| {
        let ok = if b == b' ' { !space } else { b.is_ascii_graphic() && b != b'>' };
        space = b == b' ';
        ok
    })
}

/// Appends the path of a top-level section titled `title` to `path` (empty):
/// `normalize_path(title)`, without its work for a plain title.
fn push_path(path: &mut String, title: &str) {
    if is_plain(title) {
        path.push_str(title);
    } else {
        path.push_str(&normalize_path(title));
    }
}

/// Turns `path`, a (normalized) parent path, into the path of its child titled `title`:
/// `normalize_path("{parent} > {title}")`, without its work for a plain title.
fn join_path(path: &mut String, title: &str) {
    if is_plain(title) {
        path.push_str(" > ");
        path.push_str(title);
    } else {
        let joined = normalize_path(&format!("{path} > {title}"));
        path.clear();
        path.push_str(&joined);
    }
}

/// Turns headings, in order, into sections: keeps the open ones (at most six, one per
/// level) and shows each once its end is known, without allocating per heading (a
/// [`Section`] is made only for the sections a caller keeps, with [`View::to_section`]).
#[derive(Debug, Default)]
pub(super) struct Tracker {
    open: Vec<Open>,
    /// The path of the innermost open section; each open section's path is a prefix of it.
    path: String,
    /// The titles of the open sections, one after the other.
    titles: String,
    next: usize,
}

/// An open section: a [`Section`] whose title and path are in the [`Tracker`]'s buffers.
#[derive(Debug, Clone)]
struct Open {
    index: usize,
    level: u8,
    kind: HeadingKind,
    truncated: bool,
    heading_lines: RangeInclusive<u64>,
    heading: Range<u64>,
    title_range: Range<u64>,
    /// The end of its path in `Tracker::path` (for an untitled one, its parent's).
    path_end: usize,
    /// Whether its title is empty (its path is then empty too).
    untitled: bool,
    /// Its title in `Tracker::titles`.
    title: Range<usize>,
}

impl Open {
    /// Its heading path, out of the tracker's `path`.
    fn path<'a>(&self, path: &'a str) -> &'a str {
        if self.untitled {
            ""
        } else {
            &path[..self.path_end]
        }
    }
}

/// A section as the [`Tracker`] shows it: borrowed, with its extent as far as known (the
/// heading alone for a section just opened).
#[derive(Debug)]
pub(super) struct View<'a> {
    open: &'a Open,
    /// The section's heading path.
    pub path: &'a str,
    /// The section's title.
    pub title: &'a str,
    lines: RangeInclusive<u64>,
    range: Range<u64>,
}

impl View<'_> {
    /// Position in the outline (0-based).
    pub fn index(&self) -> usize {
        self.open.index
    }

    /// The first line of its heading.
    pub fn line(&self) -> u64 {
        *self.open.heading_lines.start()
    }

    /// Where the section starts.
    pub fn start(&self) -> u64 {
        self.range.start
    }

    /// The section, owned.
    pub fn to_section(&self) -> Section {
        let o = self.open;
        Section {
            index: o.index,
            level: o.level,
            kind: o.kind,
            title: self.title.to_string(),
            truncated: o.truncated,
            path: self.path.to_string(),
            occurrence: 0,
            heading_lines: o.heading_lines.clone(),
            lines: self.lines.clone(),
            heading: o.heading.clone(),
            title_range: o.title_range.clone(),
            range: self.range.clone(),
        }
    }
}

impl Tracker {
    /// Opens the section of heading `h` titled `title`, first closing (and showing to
    /// `closed`) the open sections it ends. Returns the new section (its end not known yet).
    pub fn heading(
        &mut self,
        h: &Found,
        title: &str,
        mut closed: impl FnMut(View<'_>),
    ) -> View<'_> {
        let first_line = *h.lines.start();
        while self.open.last().is_some_and(|s| s.level >= h.level) {
            let start = *self.open[self.open.len() - 1].heading_lines.start();
            self.close(h.range.start, first_line.saturating_sub(1).max(start), &mut closed);
        }
        let (path_end, title_end) =
            self.open.last().map_or((0, 0), |parent| (parent.path_end, parent.title.end));
        self.path.truncate(path_end);
        self.titles.truncate(title_end);
        // An empty title is no part of a path: the heading itself has the empty path
        // (selected by `#N`), and its subsections' paths leave it out.
        let untitled = title.split_whitespace().next().is_none();
        if untitled {
        } else if self.path.is_empty() {
            push_path(&mut self.path, title);
        } else {
            join_path(&mut self.path, title);
        }
        self.titles.push_str(title);
        let index = self.next;
        self.next += 1;
        self.open.push(Open {
            index,
            level: h.level,
            kind: h.kind,
            truncated: h.truncated,
            heading_lines: h.lines.clone(),
            heading: h.range.clone(),
            title_range: h.title_range.clone(),
            path_end: self.path.len(),
            untitled,
            title: title_end..self.titles.len(),
        });
        let open = &self.open[self.open.len() - 1];
        View {
            open,
            path: open.path(&self.path),
            title: &self.titles[open.title.clone()],
            lines: open.heading_lines.clone(),
            range: open.heading.clone(),
        }
    }

    /// Closes the innermost open section: it ends at byte `end` and line `last_line`.
    fn close(&mut self, end: u64, last_line: u64, closed: &mut impl FnMut(View<'_>)) {
        if let Some(o) = self.open.pop() {
            closed(View {
                open: &o,
                path: o.path(&self.path),
                title: &self.titles[o.title.clone()],
                lines: *o.heading_lines.start()..=last_line,
                range: o.heading.start..end,
            });
        }
    }

    /// Closes every open section at the end of the document.
    pub fn finish(&mut self, info: &DocInfo, mut closed: impl FnMut(View<'_>)) {
        while let Some(o) = self.open.last() {
            let last_line = info.lines.max(*o.heading_lines.start());
            self.close(info.len, last_line, &mut closed);
        }
    }
}

/// Every section of a document, in document order.
///
/// Memory: one record per heading (title and path included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    sections: Vec<Section>,
    counts: HashMap<String, usize>,
    info: DocInfo,
    /// Sections in the document: more than `sections.len()` for an outline of the first few.
    total: usize,
}

impl Outline {
    /// The sections in document order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// An iterator over the sections in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, Section> {
        self.sections.iter()
    }

    /// How many sections (headings) the outline holds: all of them, or at most the cap of
    /// [`outline_first`].
    pub fn len(&self) -> usize {
        self.sections.len()
    }

    /// How many sections (headings) the document has, held or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Whether the document has no top-level heading.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// The section at 0-based `index`.
    pub fn get(&self, index: usize) -> Option<&Section> {
        self.sections.get(index)
    }

    /// What the scan learned about the whole document.
    pub fn info(&self) -> &DocInfo {
        &self.info
    }

    /// The shortest selector that names `section`: its path, with `#N` when other sections
    /// share the path, or `#N` alone for an empty path or a path that reads as a selector
    /// form (`# #1`, found by fuzzing: its path `#1` would name the first section).
    pub fn selector(&self, section: &Section) -> String {
        // An empty path, or one that reads as a numbered form (a heading titled `#1`): by number.
        if section.path.is_empty() || !Selector::parse(&section.path).is_ok_and(|s| s.is_plain()) {
            return format!("#{}", section.number());
        }
        if self.counts.get(&section.path).copied().unwrap_or(1) > 1 {
            format!("{} #{}", section.path, section.occurrence)
        } else {
            section.path.clone()
        }
    }

    /// The section a selector names (see the [module docs](super) for the syntax).
    ///
    /// Runs in O(sections).
    ///
    /// # Errors
    ///
    /// [`MarkdownError::UnknownPath`] (with the closest paths), `AmbiguousPath`,
    /// `OccurrenceOutOfRange`, `IndexOutOfRange` or `EmptyPath`.
    pub fn resolve(&self, selector: &str) -> Result<&Section, MarkdownError> {
        let mut m = Matcher::new(Selector::parse(selector)?, true);
        for s in &self.sections {
            m.offer(s.index, &s.path, &s.title, *s.heading_lines.start());
        }
        let index = m.finish()?;
        self.sections
            .get(index)
            .ok_or(MarkdownError::IndexOutOfRange { number: index + 1, count: self.sections.len() })
    }
}

/// Scans `src` once and returns its outline (front matter skipped).
///
/// # Example
///
/// ```
/// use bigedit_core::{markdown, Chunker};
///
/// let doc = b"# Install\n\n## Linux\n\napt install x\n\n## Mac\n\nbrew install x\n".to_vec();
/// let outline = markdown::outline(&doc, &mut Chunker::new(5)).unwrap();
/// let linux = outline.resolve("Install > Linux").unwrap();
/// assert_eq!((linux.level, linux.range.clone(), linux.body()), (2, 11..36, 20..36));
/// let err = outline.resolve("Install > Linx").unwrap_err();
/// assert_eq!(err.to_string(), "no section \"Install > Linx\"; closest: \"Install > Linux\", \"Install > Mac\", \"Install\"");
/// ```
///
/// # Errors
///
/// A line longer than the line limit, or the source's error.
pub fn outline<S: ReadAt + ?Sized>(
    src: &S,
    chunker: &mut Chunker,
) -> Result<Outline, Error<S::Error>> {
    outline_with(src, Options::default(), chunker)
}

/// [`outline`] with explicit [`Options`].
///
/// # Errors
///
/// As [`outline`].
pub fn outline_with<S: ReadAt + ?Sized>(
    src: &S,
    options: Options,
    chunker: &mut Chunker,
) -> Result<Outline, Error<S::Error>> {
    chunker.run(src, OutlineBuilder::new(options))
}

/// The first `cap` sections of `src` (and the count of all), in memory bounded by `cap`: the
/// selectors of those sections are exact (a path shared with a later section gets its `#N`),
/// since every later heading is still scanned and counted against their paths.
///
/// # Errors
///
/// As [`outline`].
pub fn outline_first<S: ReadAt + ?Sized>(
    src: &S,
    options: Options,
    cap: usize,
    chunker: &mut Chunker,
) -> Result<Outline, Error<S::Error>> {
    chunker.run(src, OutlineBuilder::new(options).first(cap))
}

/// The push-based builder of an [`Outline`]: a [`Pass`] over the document's chunks.
#[derive(Debug)]
pub struct OutlineBuilder {
    scanner: HeadingScanner,
    tracker: Tracker,
    sections: Vec<Section>,
    /// Sections kept: the first `cap`.
    cap: usize,
    /// How many sections so far have each path of a kept section.
    counts: HashMap<String, usize>,
    /// The occurrence of each kept section's path, by index.
    occurrences: Vec<usize>,
}

impl OutlineBuilder {
    /// A builder that reads headings with `options`.
    pub fn new(options: Options) -> Self {
        OutlineBuilder {
            scanner: HeadingScanner::new(options),
            tracker: Tracker::default(),
            sections: Vec::new(),
            cap: usize::MAX,
            counts: HashMap::new(),
            occurrences: Vec::new(),
        }
    }

    /// Keeps only the first `cap` sections (see [`outline_first`]).
    pub fn first(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    /// Turns the headings the scanner completed into sections.
    fn take(&mut self) {
        let (tracker, sections, cap) = (&mut self.tracker, &mut self.sections, self.cap);
        let (counts, occurrences) = (&mut self.counts, &mut self.occurrences);
        self.scanner.drain_headings(|h, title| {
            let opened = tracker.heading(h, title, |s| {
                if s.index() < cap {
                    sections.push(s.to_section());
                }
            });
            // Every earlier section with a kept section's path is itself kept (it comes first),
            // so counting the kept paths alone gives exact counts and occurrences for them.
            if opened.index() < cap {
                let n = counts.entry(opened.path.to_string()).or_default();
                *n += 1;
                occurrences.push(*n);
            } else if let Some(n) = counts.get_mut(opened.path) {
                *n += 1;
            }
        });
    }
}

impl Scanner for OutlineBuilder {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let flow = self.scanner.feed(offset, chunk)?;
        self.take();
        Ok(flow)
    }
}

impl Pass for OutlineBuilder {
    type Output = Outline;

    fn finish(mut self) -> Result<Outline, EditError> {
        let info = self.scanner.finish()?;
        self.take();
        let (mut sections, cap) = (self.sections, self.cap);
        self.tracker.finish(&info, |s| {
            if s.index() < cap {
                sections.push(s.to_section());
            }
        });
        sections.sort_by_key(|s| s.index);
        for s in &mut sections {
            s.occurrence = self.occurrences[s.index];
        }
        Ok(Outline { sections, counts: self.counts, info, total: self.tracker.next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: headings titled `#1`/`#2` and empty headings; every selector must
    /// name its own section.
    #[test]
    fn every_selector_names_its_own_section_even_for_titles_that_look_like_numbers() {
        for text in ["##\n# #1", "## \n#\n# #2 \t #\n", "# a\n# #1\n# a\n"] {
            let o = outline(&text.as_bytes().to_vec(), &mut Chunker::new(3)).unwrap();
            for s in o.sections() {
                let sel = o.selector(s);
                assert_eq!(o.resolve(&sel).unwrap().index, s.index, "{sel:?} in {text:?}");
            }
        }
    }

    /// The first `cap` sections, selectors included, are those of the whole outline: later
    /// headings sharing a kept path still give it its `#N`.
    #[test]
    fn an_outline_of_the_first_sections_names_them_as_the_whole_outline_does() {
        let mut doc = String::new();
        for i in 0..60 {
            doc.push_str(&format!("# Part {}\n\ntext {i}\n\n## Notes\n\nx\n", i % 7));
            if i % 5 == 0 {
                doc.push_str("## \n\n### Deep\n\n");
            }
        }
        let src = doc.into_bytes();
        let whole = outline(&src, &mut Chunker::new(11)).unwrap();
        assert_eq!(whole.total(), whole.len());
        for cap in [0, 1, 2, 7, 30, whole.len() - 1, whole.len(), whole.len() + 5] {
            let first = outline_first(&src, Options::default(), cap, &mut Chunker::new(5)).unwrap();
            assert_eq!(first.total(), whole.total(), "cap {cap}");
            assert_eq!(first.sections(), &whole.sections()[..cap.min(whole.len())], "cap {cap}");
            for s in first.sections() {
                assert_eq!(first.selector(s), whole.selector(s), "cap {cap}, section {}", s.index);
            }
        }
    }

    #[test]
    fn join_path_is_normalize_path_of_the_joined_text() {
        let titles = [
            "Install",
            "Part 3",
            "a > b",
            "x>y",
            " lead",
            "trail ",
            "two  spaces",
            "",
            "é  ü",
            "tab\tx",
            "\u{a0}nbsp",
            " ",
            "a  b c",
            "a >b",
            "a\u{3000}b",
            "x ",
        ];
        for parent in ["Top", "A > B", ""] {
            for title in titles {
                let want = normalize_path(&format!("{parent} > {title}"));
                let mut path = parent.to_string();
                join_path(&mut path, title);
                assert_eq!(path, want, "{parent:?} + {title:?}");
                let mut top = String::new();
                push_path(&mut top, title);
                assert_eq!(top, normalize_path(title), "{title:?}");
            }
        }
    }
}
