//! Markdown sections: a streaming outline scanner, heading paths, and section planners.
//!
//! A **section** is a heading plus everything up to the next heading of the same or a higher
//! level (a smaller `#` count), or the end of the document. Its **body** is the section
//! without its heading line(s); the body of `# A` contains `## A.1` and its text.
//!
//! [`HeadingScanner`] is a push-based [`Scanner`](crate::Scanner) that follows the CommonMark
//! block structure line by line (block quotes, list items, ATX and setext headings, thematic
//! breaks, fenced and indented code, HTML blocks, link reference definitions before a setext
//! heading) and reports the headings that sit at the **top level** of the document. Headings
//! inside a block quote or a list item are not section boundaries. YAML (`---` ... `---` or
//! `...`) and TOML (`+++` ... `+++`) front matter at the very start is skipped when
//! [`Options::front_matter`] is on (the default; CommonMark itself has no front matter).
//!
//! [`outline`] collects every section into an [`Outline`]; [`locate`] finds a few sections by
//! selector in one pass and constant memory (what the editing commands use on big files);
//! [`Locator`] is that pass pushed chunk by chunk, with a provisional answer along the way.
//! The planners ([`replace_body`], [`replace_section`], [`delete_section`],
//! [`insert_section`], [`rename_heading`], [`move_section`]) return a [`Patch`](crate::Patch).
//!
//! # Selectors
//!
//! A section is named by its **heading path**: the titles from the top-level ancestor down,
//! joined by ` > ` (`"Install > Linux"`). Spaces around `>` do not matter, titles compare
//! exactly (case included) after runs of white space become one space. When several
//! sections share a path, `PATH #N` picks the N-th (1-based, in document order) and the bare
//! path is an [`MarkdownError::AmbiguousPath`] error listing the choices. `#N` alone is the
//! N-th heading of the document, as `md outline` numbers them. A path that names a section
//! exactly wins over a `#N` reading (a heading titled `Issue #2` is found by `Issue #2`).
//!
//! # Deliberate departures from CommonMark
//!
//! - Lines end at `\n` or `\r\n` only (a lone `\r` is text), as everywhere in bigedit.
//! - Heading titles are kept as written (inline markup and backslash escapes included) and
//!   capped at [`TITLE_LIMIT`] bytes; longer ones are cut at a character boundary
//!   ([`Section::truncated`]).
//! - Block containers nest at most [`MAX_NESTING`] deep; deeper markers are read as text.
//! - Front matter (see above), when enabled.
//!
//! ADVICE FOR HACKERS: the scanner works one complete line at a time (a [`LineSplitter`]
//! carries a line that spans chunks), so its result cannot depend on chunk boundaries. Keep
//! it that way: any per-byte state would have to be tested at every chunk size.
//!
//! [`LineSplitter`]: crate::LineSplitter

mod block;
mod edit;
mod html;
mod linkref;
mod outline;
mod resolve;
mod scan;

pub use edit::{
    delete_section, insert_section, move_section, rename_heading, replace_body, replace_section,
    Place,
};
pub use outline::{outline, outline_first, outline_with, Outline, OutlineBuilder, Section};
pub use resolve::{check_rename, locate, Located, Locator};
pub(crate) use scan::LineInfo;
pub use scan::{DocInfo, Heading, HeadingKind, HeadingScanner, Options};

/// The longest heading title kept, in bytes; longer titles are truncated.
pub const TITLE_LIMIT: usize = 4096;

/// How deeply block quotes and list items may nest before further markers are read as text.
pub const MAX_NESTING: usize = 128;

/// What is wrong with a Markdown request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkdownError {
    /// A heading path that names no section.
    #[error("no section {path:?}{}", suggest(suggestions))]
    UnknownPath {
        /// The path as given.
        path: String,
        /// The closest existing selectors, best first (empty when the document has no
        /// headings).
        suggestions: Vec<String>,
    },
    /// A heading path shared by several sections, given without `#N`.
    #[error("section path {path:?} matches {count} sections; choose one of {}", list(choices))]
    AmbiguousPath {
        /// The path as given.
        path: String,
        /// How many sections have it.
        count: usize,
        /// The first few choices, as `PATH #N (line L)`.
        choices: Vec<String>,
    },
    /// `PATH #N` where fewer than N sections have the path.
    #[error("section path {path:?} has {count} occurrence(s), so there is no #{occurrence}")]
    OccurrenceOutOfRange {
        /// The path without its `#N`.
        path: String,
        /// The N asked for.
        occurrence: usize,
        /// How many sections have the path.
        count: usize,
    },
    /// `#N` past the last heading (or `#0`).
    #[error("there is no heading #{number}: the document has {count} heading(s), numbered from 1")]
    IndexOutOfRange {
        /// The 1-based number asked for.
        number: usize,
        /// How many headings the document has.
        count: usize,
    },
    /// An empty selector.
    #[error("the section path is empty")]
    EmptyPath,
    /// A section moved next to itself or to a place inside itself.
    #[error("cannot move section {path:?} next to {anchor:?}, which is inside it")]
    MoveIntoItself {
        /// The moved section's path.
        path: String,
        /// The anchor's path.
        anchor: String,
    },
    /// A new heading title that would not read back as the same heading.
    #[error("cannot use {title:?} as the title of {path:?} (line {line}): {reason}")]
    BadTitle {
        /// The title as given.
        title: String,
        /// The renamed section's path.
        path: String,
        /// Its heading's first line (1-based).
        line: u64,
        /// Why, in a few words.
        reason: String,
    },
    /// A rename that would give the section the path of another section (an ambiguous
    /// path from then on).
    #[error(
        "cannot rename {path:?} (line {line}) to {title:?}: {taken:?} names another section \
         already, so the path would be ambiguous"
    )]
    PathTaken {
        /// The renamed section's path.
        path: String,
        /// The new title.
        title: String,
        /// The path the section would get.
        taken: String,
        /// Its heading's first line (1-based).
        line: u64,
    },
    /// A new heading title longer than [`TITLE_LIMIT`].
    #[error("the new title of {path:?} (line {line}) is {len} bytes, over the {limit}-byte limit")]
    HeadingTooLong {
        /// The renamed section's path.
        path: String,
        /// Its heading's first line (1-based).
        line: u64,
        /// The title's length in bytes.
        len: usize,
        /// The limit, [`TITLE_LIMIT`].
        limit: usize,
    },
    /// New text that leaves a block open, which would swallow the rest of the document.
    #[error(
        "the new text leaves {what} open (from its line {line}); close it, or it would swallow \
         everything after it"
    )]
    UnclosedBlock {
        /// "a fenced code block" or "an HTML block".
        what: &'static str,
        /// The line of the new text where it opens (1-based).
        line: u64,
    },
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        "; the document has no headings".to_string()
    } else {
        format!("; closest: {}", list(suggestions))
    }
}

fn list(items: &[String]) -> String {
    items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
}
