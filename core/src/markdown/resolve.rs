//! Selectors (`Install > Linux`, `Install > Linux #2`, `#7`) and how they pick a section,
//! over a whole [`Outline`](super::Outline) or in one streaming pass ([`locate`]).
//!
//! ADVICE FOR HACKERS: a plain path must name exactly one section; a second section with the
//! same path anywhere later makes it ambiguous (an error listing the `#N` choices). So a pass
//! reads to the end of the document even after the section and its end are found: stopping
//! early would silently turn "ambiguous" into "first match". The pass is kept cheap instead
//! (no per-heading path formatting for plain titles), and a host can hide most of its cost:
//! [`Locator`] is the pass as a push scanner that tells, while it runs, the provisional
//! answer and how far the document is settled, so the native commit writes the new
//! document behind the scan and checks its guess when the pass ends
//! (`native/src/commit_stream.rs`). A guess is only a guess: the final answer decides.

use super::outline::{Section, Tracker, View};
use super::scan::{DocInfo, HeadingScanner, Options};
use super::MarkdownError;
use crate::error::{EditError, Error};
use crate::scan::{Chunker, Flow, Scanner};
use crate::source::ReadAt;

/// How many choices an [`MarkdownError::AmbiguousPath`] lists.
const CHOICES: usize = 10;

/// How many suggestions an [`MarkdownError::UnknownPath`] gives.
const SUGGESTIONS: usize = 3;

/// A path as paths compare: split at `>`, each part's white space runs made one space and
/// its ends trimmed, joined by ` > `.
pub(super) fn normalize_path(path: &str) -> String {
    path.split('>')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" > ")
}

/// A parsed selector: the exact path, and its `#N` readings.
#[derive(Debug, Clone)]
pub(super) struct Selector {
    given: String,
    exact: String,
    /// `PATH #N`: the path without `#N`, and N.
    nth: Option<(String, usize)>,
    /// `#N` alone.
    number: Option<usize>,
    /// `A #2 > B`: ancestors picked by occurrence.
    qualified: Option<Qualified>,
}

/// A path with `#N` after some of its ancestors' parts (`Dup #2 > Child`).
#[derive(Debug, Clone)]
struct Qualified {
    /// The path of each qualified ancestor (without the `#N`s) and its N.
    ancestors: Vec<(String, usize)>,
    /// The whole path without the ancestors' `#N`s (the last part's `#N` taken off too).
    path: String,
    /// The last part's `#N`, if any.
    nth: Option<usize>,
}

/// `text` as `BASE #N` with a non-empty base.
fn split_number(text: &str) -> Option<(&str, usize)> {
    let text = text.trim();
    let hash = text.rfind('#')?;
    let digits = &text[hash + 1..];
    let base = text[..hash].trim();
    (!digits.is_empty() && !base.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (base, digits.parse::<usize>().unwrap_or(usize::MAX)))
}

impl Qualified {
    fn parse(trimmed: &str) -> Option<Qualified> {
        let parts: Vec<&str> = trimmed.split('>').collect();
        let (last, ancestors) = parts.split_last()?;
        let mut path = String::new();
        let mut qualified = Vec::new();
        for part in ancestors {
            let base = match split_number(part) {
                Some((base, n)) => {
                    path = join(&path, base);
                    qualified.push((path.clone(), n));
                    continue;
                }
                None => part,
            };
            path = join(&path, base);
        }
        if qualified.is_empty() {
            return None;
        }
        let (last, nth) = split_number(last).map_or((*last, None), |(b, n)| (b, Some(n)));
        Some(Qualified { ancestors: qualified, path: join(&path, last), nth })
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        normalize_path(part)
    } else {
        normalize_path(&format!("{path} > {part}"))
    }
}

impl Selector {
    /// Whether the selector is a plain path (no `#N` anywhere), so that a section whose path
    /// reads as one of the numbered forms (a heading titled `#1`) is named by number instead.
    pub fn is_plain(&self) -> bool {
        self.number.is_none() && self.nth.is_none() && self.qualified.is_none()
    }

    pub fn parse(given: &str) -> Result<Selector, MarkdownError> {
        let trimmed = given.trim();
        if trimmed.is_empty() {
            return Err(MarkdownError::EmptyPath);
        }
        let (mut nth, mut number) = (None, None);
        if let Some(hash) = trimmed.rfind('#') {
            let digits = &trimmed[hash + 1..];
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let n = digits.parse::<usize>().unwrap_or(usize::MAX);
                let base = trimmed[..hash].trim();
                if base.is_empty() {
                    number = Some(n);
                } else {
                    nth = Some((normalize_path(base), n));
                }
            }
        }
        let qualified = Qualified::parse(trimmed);
        Ok(Selector {
            given: given.to_string(),
            exact: normalize_path(trimmed),
            nth,
            number,
            qualified,
        })
    }
}

/// Levenshtein distance over characters, ignoring case, on at most 256 characters of each.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(256).flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().take(256).flat_map(char::to_lowercase).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Watches sections go by in document order and decides which one a selector names.
#[derive(Debug)]
pub(super) struct Matcher {
    sel: Selector,
    total: usize,
    exact: Vec<(usize, u64)>,
    exact_count: usize,
    nth_count: usize,
    nth_hit: Option<usize>,
    number_hit: Option<usize>,
    /// For a qualified selector: each ancestor's occurrences so far, then the sections
    /// that match (index and line, the first few) and how many.
    ancestor_counts: Vec<usize>,
    qualified_hits: Vec<(usize, u64)>,
    qualified_count: usize,
    /// `(distance, path)` of the closest paths, when suggestions are wanted.
    suggest: Option<Vec<(usize, String)>>,
}

impl Matcher {
    pub fn new(sel: Selector, suggest: bool) -> Self {
        let ancestors = sel.qualified.as_ref().map_or(0, |q| q.ancestors.len());
        Matcher {
            sel,
            total: 0,
            exact: Vec::new(),
            exact_count: 0,
            nth_count: 0,
            nth_hit: None,
            number_hit: None,
            ancestor_counts: vec![0; ancestors],
            qualified_hits: Vec::new(),
            qualified_count: 0,
            suggest: suggest.then(Vec::new),
        }
    }

    /// Sees the section at `index` (0-based, in order); returns whether it may be the one.
    pub fn offer(&mut self, index: usize, path: &str, title: &str, line: u64) -> bool {
        self.total += 1;
        let mut keep = false;
        if path == self.sel.exact {
            self.exact_count += 1;
            if self.exact.len() < CHOICES {
                self.exact.push((index, line));
            }
            keep |= self.exact_count == 1;
        }
        if let Some((base, n)) = &self.sel.nth {
            if path == base {
                self.nth_count += 1;
                if self.nth_count == *n {
                    self.nth_hit = Some(index);
                    keep = true;
                }
            }
        }
        if self.sel.number == Some(index + 1) {
            self.number_hit = Some(index);
            keep = true;
        }
        if let Some(q) = &self.sel.qualified {
            // The sections are offered as they open, so an ancestor is the latest section
            // with its path: count those, and match the path when each count is its N.
            for (k, (ancestor, _)) in q.ancestors.iter().enumerate() {
                if path == ancestor {
                    self.ancestor_counts[k] += 1;
                }
            }
            let under = q.ancestors.iter().zip(&self.ancestor_counts).all(|((_, n), c)| n == c);
            if under && path == q.path {
                self.qualified_count += 1;
                let wanted = q.nth.is_none_or(|n| n == self.qualified_count);
                if wanted && self.qualified_hits.len() < CHOICES {
                    self.qualified_hits.push((index, line));
                    keep = true;
                }
            }
        }
        if let Some(best) = &mut self.suggest {
            let d = distance(&self.sel.exact, path).min(distance(&self.sel.exact, title));
            // A heading with no text has no path to type: suggest its number, `#N`.
            let shown = if path.is_empty() { format!("#{}", index + 1) } else { path.to_string() };
            if !best.iter().any(|(_, p)| *p == shown) {
                best.push((d, shown));
                best.sort_by_key(|(d, _)| *d);
                best.truncate(SUGGESTIONS);
            }
        }
        keep
    }

    /// Whether the selector failed only for want of a match (so suggestions would help).
    pub fn is_unknown(&self) -> bool {
        matches!(self.finish(), Err(MarkdownError::UnknownPath { .. }))
    }

    /// The occurrence of the named section among those with its path, as far as the
    /// selector tells: 1 for an exact path, N for `PATH #N`, 0 (not counted) for `#N`.
    pub fn occurrence(&self) -> usize {
        if self.exact_count == 1 {
            1
        } else if self.nth_hit.is_some() {
            self.sel.nth.as_ref().map_or(0, |(_, n)| *n)
        } else {
            0
        }
    }

    /// The index of the named section.
    pub fn finish(&self) -> Result<usize, MarkdownError> {
        let path = self.sel.given.trim().to_string();
        // `#N` alone is always the Nth heading, even when a heading is titled `#N` (that one
        // is named by its own number; see `Outline::selector`).
        if let Some(n) = self.sel.number {
            return self
                .number_hit
                .ok_or(MarkdownError::IndexOutOfRange { number: n, count: self.total });
        }
        match self.exact.as_slice() {
            [(only, _)] if self.exact_count == 1 => return Ok(*only),
            [] => {}
            choices => {
                let choices = choices
                    .iter()
                    .enumerate()
                    .map(|(k, (_, line))| format!("{} #{} (line {line})", self.sel.exact, k + 1))
                    .collect();
                return Err(MarkdownError::AmbiguousPath {
                    path,
                    count: self.exact_count,
                    choices,
                });
            }
        }
        if let Some(n) = self.sel.number {
            return self
                .number_hit
                .ok_or(MarkdownError::IndexOutOfRange { number: n, count: self.total });
        }
        if let Some((base, n)) = &self.sel.nth {
            if let Some(hit) = self.nth_hit {
                return Ok(hit);
            }
            if self.nth_count > 0 {
                return Err(MarkdownError::OccurrenceOutOfRange {
                    path: base.clone(),
                    occurrence: *n,
                    count: self.nth_count,
                });
            }
        }
        if let Some(q) = &self.sel.qualified {
            match (self.qualified_hits.as_slice(), q.nth) {
                ([(only, _)], Some(_)) => return Ok(*only),
                ([(only, _)], None) if self.qualified_count == 1 => return Ok(*only),
                ([], Some(n)) if self.qualified_count > 0 => {
                    return Err(MarkdownError::OccurrenceOutOfRange {
                        path: path.rsplit_once('#').map_or(path.clone(), |(b, _)| b.trim().into()),
                        occurrence: n,
                        count: self.qualified_count,
                    });
                }
                ([], _) => {}
                (choices, _) => {
                    let choices = choices
                        .iter()
                        .enumerate()
                        .map(|(k, (_, line))| format!("{path} #{} (line {line})", k + 1))
                        .collect();
                    return Err(MarkdownError::AmbiguousPath {
                        path,
                        count: self.qualified_count,
                        choices,
                    });
                }
            }
        }
        let suggestions = self.suggest.iter().flatten().map(|(_, p)| p.clone()).collect::<Vec<_>>();
        Err(MarkdownError::UnknownPath { path, suggestions })
    }
}

/// The sections that [`locate`] found, and what the scan learned about the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// What the scan learned about the whole document.
    pub info: DocInfo,
    /// One section per selector, in the order the selectors were given.
    pub sections: Vec<Section>,
}

/// Finds the sections that `selectors` name in one pass over `src`, keeping only a few
/// sections in memory whatever the size of the document (an [`Outline`](super::Outline)
/// keeps them all). A selector that names nothing costs a second pass, to suggest the
/// closest paths. [`Locator`] is the same pass, pushed chunk by chunk.
///
/// # Example
///
/// ```
/// use bigedit_core::{markdown, Chunker};
///
/// let doc = b"# A\n\ntext\n\n## B\n\nmore\n\n# A\n".to_vec();
/// let found = markdown::locate(&doc, &["A > B", "A #2"], &mut Chunker::new(3)).unwrap();
/// assert_eq!(found.sections[0].range, 11..23);
/// assert_eq!(found.sections[1].heading_lines, 9..=9);
/// let err = markdown::locate(&doc, &["A"], &mut Chunker::default()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "section path \"A\" matches 2 sections; choose one of \"A #1 (line 1)\", \"A #2 (line 9)\""
/// );
/// ```
///
/// # Errors
///
/// The [`MarkdownError`] of the first selector that names no single section, a line longer
/// than the line limit, or the source's error.
pub fn locate<S: ReadAt + ?Sized>(
    src: &S,
    selectors: &[&str],
    chunker: &mut Chunker,
) -> Result<Located, Error<S::Error>> {
    let mut locator = Locator::new(selectors).map_err(EditError::from)?;
    chunker.scan(src, 0..src.len(), &mut locator)?;
    locator.finish(src, chunker)
}

/// [`locate`] as a push-based [`Scanner`]: feed it the document in order, then call
/// [`Locator::finish`]. While it runs, [`Locator::provisional`] and [`Locator::settled`] tell
/// a host what the answer will be if nothing later in the document changes it, so the host
/// can start writing the edited document before the pass ends (the native atomic commit
/// does: it copies the settled bytes while the scan goes on, and checks its guess against
/// the final patch).
///
/// Nothing here is final before [`Locator::finish`]: a later section with the same path
/// makes a plain path ambiguous (an error), and a later exact match beats a `PATH #N`
/// reading. A host that acts on a provisional answer must check it against the final one.
///
/// # Example
///
/// ```
/// use bigedit_core::{markdown::Locator, Chunker, Scanner};
///
/// let doc = b"# A\ntext\n# B\nmore\n";
/// let mut locator = Locator::new(&["A"]).unwrap();
/// locator.feed(0, &doc[..14]).unwrap();
/// // "# A" is closed by "# B": the provisional answer is known, and the bytes read are
/// // settled up to the end of the last complete line ("m" of "more" is not yet a line).
/// assert_eq!(locator.provisional().unwrap().sections[0].range, 0..9);
/// assert_eq!(locator.settled(), 13);
/// locator.feed(14, &doc[14..]).unwrap();
/// let found = locator.finish(&doc[..], &mut Chunker::default()).unwrap();
/// assert_eq!(found.sections[0].range, 0..9);
/// ```
#[derive(Debug)]
pub struct Locator {
    selectors: Vec<Selector>,
    matchers: Vec<Matcher>,
    scanner: HeadingScanner,
    tracker: Tracker,
    /// Candidates whose section is still open: index and start.
    wanted: Vec<(usize, u64)>,
    /// Candidates whose section is closed.
    kept: Vec<Section>,
    finished: Option<DocInfo>,
}

impl Locator {
    /// A pass for `selectors` (parsed here).
    ///
    /// # Errors
    ///
    /// [`MarkdownError::EmptyPath`] for an empty selector.
    pub fn new(selectors: &[&str]) -> Result<Locator, MarkdownError> {
        let parsed = selectors.iter().map(|s| Selector::parse(s)).collect::<Result<Vec<_>, _>>()?;
        Ok(Locator::with(parsed, false))
    }

    fn with(selectors: Vec<Selector>, suggest: bool) -> Locator {
        Locator {
            matchers: selectors.iter().map(|s| Matcher::new(s.clone(), suggest)).collect(),
            selectors,
            scanner: HeadingScanner::new(Options::default()),
            tracker: Tracker::default(),
            wanted: Vec::new(),
            kept: Vec::new(),
            finished: None,
        }
    }

    /// Offers the headings the scanner found to the matchers and keeps the candidates.
    fn take(&mut self) {
        let Locator { scanner, tracker, matchers, wanted, kept, .. } = self;
        scanner.drain_headings(|h, title| {
            let s = tracker.heading(h, title, |s| keep_closed(wanted, kept, &s));
            let mut keep = false;
            for m in matchers.iter_mut() {
                keep |= m.offer(s.index(), s.path, s.title, s.line());
            }
            if keep {
                wanted.push((s.index(), s.start()));
            }
        });
    }

    /// The answer if the document ended here without changing it: `Some` once every
    /// selector has a candidate whose section has ended (its end is known), with what the
    /// scan learned so far about the document ([`DocInfo::len`] is the length read).
    pub fn provisional(&self) -> Option<Located> {
        let info = self.finished.clone().unwrap_or_else(|| self.scanner.info().clone());
        self.resolve(info).ok()
    }

    /// The offset below which the edit a planner of this module makes for the sections
    /// named is known already: no byte before it is changed, or all changes before it are
    /// those of [`Locator::provisional`] (when that is `Some`). It is the start of the
    /// earliest candidate section while some candidate is still open, and never past the
    /// bytes the scanner has settled ([`HeadingScanner::settled`]).
    pub fn settled(&self) -> u64 {
        let scanned = self.scanner.settled();
        if self.provisional().is_some() {
            return scanned;
        }
        let starts = self.wanted.iter().map(|&(_, start)| start);
        let starts = starts.chain(self.kept.iter().map(|s| s.range.start));
        starts.fold(scanned, u64::min)
    }

    /// Ends the pass: reads a last line without newline and closes the open sections, then
    /// resolves every selector. A selector that names nothing costs a second pass over `src`
    /// (the same document), to suggest the closest paths.
    ///
    /// # Errors
    ///
    /// As [`locate`].
    pub fn finish<S: ReadAt + ?Sized>(
        mut self,
        src: &S,
        chunker: &mut Chunker,
    ) -> Result<Located, Error<S::Error>> {
        let info = self.end()?;
        for (k, m) in self.matchers.iter().enumerate() {
            if m.is_unknown() {
                let mut again = Locator::with(self.selectors[k..=k].to_vec(), true);
                chunker.scan(src, 0..src.len(), &mut again)?;
                again.end()?;
                for m in &again.matchers {
                    m.finish().map_err(EditError::from)?;
                }
            }
            m.finish().map_err(EditError::from)?;
        }
        Ok(self.resolve(info)?)
    }

    /// Ends the scan and closes the open sections.
    fn end(&mut self) -> Result<DocInfo, EditError> {
        let info = self.scanner.finish()?;
        self.take();
        let Locator { tracker, wanted, kept, .. } = self;
        tracker.finish(&info, |s| keep_closed(wanted, kept, &s));
        self.finished = Some(info.clone());
        Ok(info)
    }

    /// The sections the matchers name, among the kept ones.
    fn resolve(&self, info: DocInfo) -> Result<Located, EditError> {
        let mut sections = Vec::with_capacity(self.matchers.len());
        for m in &self.matchers {
            let index = m.finish()?;
            let mut section = self.kept.iter().find(|s| s.index == index).cloned();
            if let Some(s) = &mut section {
                s.occurrence = m.occurrence();
            }
            let count = m.total;
            sections
                .push(section.ok_or(MarkdownError::IndexOutOfRange { number: index + 1, count })?);
        }
        Ok(Located { info, sections })
    }
}

/// Checks that renaming `section` to `title` leaves its path unique: no other section of
/// `src` has the path the section would get. One pass, constant memory.
///
/// # Errors
///
/// [`MarkdownError::PathTaken`], a line longer than the line limit, or the source's error.
pub fn check_rename<S: ReadAt + ?Sized>(
    src: &S,
    section: &Section,
    title: &str,
    chunker: &mut Chunker,
) -> Result<(), Error<S::Error>> {
    let own = normalize_path(&section.title);
    let parent = section.path.strip_suffix(own.as_str()).unwrap_or("");
    let parent = parent.trim_end().strip_suffix('>').unwrap_or(parent).trim_end();
    let taken = if parent.is_empty() {
        normalize_path(title)
    } else {
        normalize_path(&format!("{parent} > {title}"))
    };
    let mut pass = TakenPass {
        scanner: HeadingScanner::new(Options::default()),
        tracker: Tracker::default(),
        path: taken.clone(),
        skip: section.index,
        found: false,
    };
    chunker.scan(src, 0..src.len(), &mut pass)?;
    pass.scanner.finish()?;
    pass.take();
    if pass.found {
        return Err(EditError::from(MarkdownError::PathTaken {
            path: section.path.clone(),
            title: title.to_string(),
            taken,
            line: *section.heading_lines.start(),
        })
        .into());
    }
    Ok(())
}

/// The pass of [`check_rename`]: whether a section other than `skip` has `path`.
struct TakenPass {
    scanner: HeadingScanner,
    tracker: Tracker,
    path: String,
    skip: usize,
    found: bool,
}

impl TakenPass {
    fn take(&mut self) {
        let TakenPass { scanner, tracker, path, skip, found } = self;
        scanner.drain_headings(|h, title| {
            let s = tracker.heading(h, title, |_| {});
            *found |= s.index() != *skip && s.path == path.as_str();
        });
    }
}

impl Scanner for TakenPass {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let flow = self.scanner.feed(offset, chunk)?;
        self.take();
        Ok(if self.found { Flow::Stop } else { flow })
    }
}

/// Keeps the closed section `s` if it is a candidate.
fn keep_closed(wanted: &mut Vec<(usize, u64)>, kept: &mut Vec<Section>, s: &View<'_>) {
    if let Some(p) = wanted.iter().position(|&(w, _)| w == s.index()) {
        wanted.swap_remove(p);
        kept.push(s.to_section());
    }
}

impl Scanner for Locator {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let flow = self.scanner.feed(offset, chunk)?;
        self.take();
        Ok(flow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("Linux", "linux"), 0);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn paths_normalize_around_the_separator() {
        assert_eq!(normalize_path("  Install>Linux  \t x "), "Install > Linux x");
        assert_eq!(normalize_path("a > b > c"), "a > b > c");
    }
}
