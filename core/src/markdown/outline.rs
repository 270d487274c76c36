//! [`Section`] and [`Outline`]: the headings of a document as nested sections with paths.

use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};

use super::resolve::{normalize_path, Matcher, Selector};
use super::scan::{DocInfo, Heading, HeadingKind, HeadingScanner, Options};
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

/// The path of a section titled `title` under the (normalized) path `parent`: what
/// `normalize_path("{parent} > {title}")` gives, without its work when the title is plain
/// ASCII words with no `>` (as `normalize_title` leaves most titles).
fn join_path(parent: &str, title: &str) -> String {
    let plain = !title.starts_with(' ')
        && !title.ends_with(' ')
        && !title.contains("  ")
        && title.bytes().all(|b| b == b' ' || (b.is_ascii_graphic() && b != b'>'));
    if !plain || title.is_empty() {
        return normalize_path(&format!("{parent} > {title}"));
    }
    let mut path = String::with_capacity(parent.len() + 3 + title.len());
    path.push_str(parent);
    path.push_str(" > ");
    path.push_str(title);
    path
}

/// Turns headings, in order, into sections: keeps the open ones (at most six, one per
/// level) and hands each out once its end is known.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    open: Vec<Section>,
    next: usize,
}

impl Tracker {
    /// Opens the section of `h`, first closing the open sections it ends. Returns the new
    /// section (its end not known yet).
    pub fn heading(&mut self, h: Heading, closed: &mut dyn FnMut(Section)) -> &Section {
        let first_line = *h.lines.start();
        while self.open.last().is_some_and(|s| s.level >= h.level) {
            if let Some(mut s) = self.open.pop() {
                s.range.end = h.range.start;
                s.lines = *s.lines.start()..=first_line.saturating_sub(1).max(*s.lines.start());
                closed(s);
            }
        }
        let path = match self.open.last() {
            Some(parent) => join_path(&parent.path, &h.title),
            None => normalize_path(&h.title),
        };
        let index = self.next;
        self.next += 1;
        self.open.push(Section {
            index,
            level: h.level,
            kind: h.kind,
            title: h.title,
            truncated: h.truncated,
            path,
            occurrence: 0,
            heading_lines: h.lines.clone(),
            lines: h.lines,
            heading: h.range.clone(),
            title_range: h.title_range,
            range: h.range,
        });
        &self.open[self.open.len() - 1]
    }

    /// Closes every open section at the end of the document.
    pub fn finish(&mut self, info: &DocInfo, closed: &mut dyn FnMut(Section)) {
        while let Some(mut s) = self.open.pop() {
            s.range.end = info.len;
            s.lines = *s.lines.start()..=info.lines.max(*s.lines.start());
            closed(s);
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

    /// How many sections (headings) there are.
    pub fn len(&self) -> usize {
        self.sections.len()
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
    /// share the path, or `#N` alone for an empty path.
    pub fn selector(&self, section: &Section) -> String {
        if section.path.is_empty() {
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

/// The push-based builder of an [`Outline`]: a [`Pass`] over the document's chunks.
#[derive(Debug)]
pub struct OutlineBuilder {
    scanner: HeadingScanner,
    tracker: Tracker,
    sections: Vec<Section>,
}

impl OutlineBuilder {
    /// A builder that reads headings with `options`.
    pub fn new(options: Options) -> Self {
        OutlineBuilder {
            scanner: HeadingScanner::new(options),
            tracker: Tracker::default(),
            sections: Vec::new(),
        }
    }

    /// Turns the headings the scanner completed into sections.
    fn take(&mut self) {
        let sections = &mut self.sections;
        for h in self.scanner.take_headings() {
            self.tracker.heading(h, &mut |s| sections.push(s));
        }
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
        let mut sections = self.sections;
        self.tracker.finish(&info, &mut |s| sections.push(s));
        sections.sort_by_key(|s| s.index);
        let mut counts: HashMap<String, usize> = HashMap::new();
        for s in &mut sections {
            let n = counts.entry(s.path.clone()).or_default();
            *n += 1;
            s.occurrence = *n;
        }
        Ok(Outline { sections, counts, info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for parent in ["Top", "A > B", ""] {
            for title in titles {
                let want = normalize_path(&format!("{parent} > {title}"));
                assert_eq!(join_path(parent, title), want, "{parent:?} + {title:?}");
            }
        }
    }
}
