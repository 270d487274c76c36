//! The tools' parameters: what the JSON schemas shown to the model are derived from. Doc
//! comments become the schema's descriptions, so they are written for a model.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// Largest `max_bytes` a read accepts.
pub const MAX_READ: u64 = 1 << 20;
/// `max_bytes` when not given.
pub const DEFAULT_READ: u64 = 16 << 10;
/// Largest new text an edit accepts.
pub const MAX_CONTENT: usize = 8 << 20;

/// A file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathOnly {
    /// File path relative to the workspace root.
    pub path: String,
}

/// Which lines to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadLines {
    /// File path relative to the workspace root.
    pub path: String,
    /// First line to read (1-based; negative counts from the end: -10 starts at the 10th line
    /// from the end, so start=-10 reads the last 10 lines). Default 1.
    #[serde(default)]
    pub start: Option<i64>,
    /// Last line to read (inclusive; negative counts from the end, -1 is the last line).
    /// Default: as many as fit in max_bytes.
    #[serde(default)]
    pub end: Option<i64>,
    /// Byte budget: at most this many bytes of text are returned (whole lines), default
    /// 16384, at most 1048576. The reply says where to continue.
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// What to find.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Find {
    /// File path relative to the workspace root.
    pub path: String,
    /// The text to find (exact bytes), or a regular expression when regex is true.
    pub pattern: String,
    /// Treat pattern as a regular expression (Rust syntax, matched line by line).
    #[serde(default)]
    pub regex: bool,
    /// Return at most this many matches (default 20, at most 500).
    #[serde(default)]
    pub max_results: Option<u64>,
    /// Lines of context before and after each match (default 0, at most 10).
    #[serde(default)]
    pub context: Option<u64>,
}

/// A file's structure.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    /// File path relative to the workspace root.
    pub path: String,
    /// "markdown" or "csv"; detected from the file name (.md, .markdown, .csv, .tsv) if not given.
    #[serde(default)]
    pub kind: Option<String>,
    /// Markdown: list at most this many headings (default 200, at most 5000).
    #[serde(default)]
    pub max_sections: Option<u64>,
}

/// A Markdown section to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadSection {
    /// Markdown file path relative to the workspace root.
    pub path: String,
    /// The section: heading titles joined by " > " ("Install > Linux"), "PATH #2" for the
    /// second of two sections with that path, or "#7" for the 7th heading of the outline.
    pub section: String,
    /// Read only the body (without the heading line).
    #[serde(default)]
    pub body: bool,
    /// Byte budget (default 16384, at most 1048576).
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// CSV rows to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRows {
    /// CSV file path relative to the workspace root.
    pub path: String,
    /// Data rows to read, 1-based and inclusive, header excluded: "N", "A:B", "A:" or ":B".
    #[serde(default)]
    pub rows: Option<String>,
    /// Conditions that must all hold: "COL=V", "COL!=V", "COL<V", "COL<=V", "COL>V",
    /// "COL>=V", "COL~TEXT" (contains). Numeric comparison when both sides are numbers.
    #[serde(default, rename = "where")]
    pub conds: Vec<String>,
    /// Return at most this many rows (default 50, at most 5000).
    #[serde(default)]
    pub max_rows: Option<u64>,
    /// Byte budget of the rows returned (default 16384, at most 1048576).
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// Semantic chunks to list.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Chunks {
    /// File path relative to the workspace root.
    pub path: String,
    /// Largest chunk in bytes (default 4096, at least 4, at most 1048576).
    #[serde(default)]
    pub max_chunk_bytes: Option<u64>,
    /// Skip this many chunks first, for paging (default 0).
    #[serde(default)]
    pub skip: Option<u64>,
    /// Return at most this many chunks (default 20, at most 1000).
    #[serde(default)]
    pub max_chunks: Option<u64>,
}

/// Replace lines.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceLines {
    /// File path relative to the workspace root.
    pub path: String,
    /// First line to replace (1-based).
    pub start: u64,
    /// Last line to replace (inclusive).
    pub end: u64,
    /// The new text of those lines (a final newline is optional; empty removes the lines).
    pub text: String,
    /// The version a read returned for text covering these lines.
    pub version: String,
}

/// Insert lines.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsertLines {
    /// File path relative to the workspace root.
    pub path: String,
    /// Insert after this line (0 inserts at the top).
    pub after: u64,
    /// The lines to insert (a final newline is optional).
    pub text: String,
    /// The version a read returned for text covering line `after` (for after = 0: any read
    /// starting at line 1).
    pub version: String,
}

/// Delete lines.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteLines {
    /// File path relative to the workspace root.
    pub path: String,
    /// First line to delete (1-based).
    pub start: u64,
    /// Last line to delete (inclusive).
    pub end: u64,
    /// The version a read returned for text covering these lines.
    pub version: String,
}

/// Find and replace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceText {
    /// File path relative to the workspace root.
    pub path: String,
    /// The exact text to find, or a regular expression when regex is true.
    pub find: String,
    /// The replacement ($1, ${name} refer to groups when regex is true).
    pub replace: String,
    /// Treat find as a regular expression (matched line by line).
    #[serde(default)]
    pub regex: bool,
    /// Replace at most this many matches (default: all).
    #[serde(default)]
    pub max: Option<u64>,
    /// A version covering every line that changes: from read_lines around the matches, or
    /// the whole-file version from file_info.
    pub version: String,
}

/// Replace a Markdown section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceSection {
    /// Markdown file path relative to the workspace root.
    pub path: String,
    /// The section, as read_section takes it ("Install > Linux", "#7").
    pub section: String,
    /// The new section, heading included (or only the body when body is true).
    pub text: String,
    /// Replace only the body, keeping the heading line.
    #[serde(default)]
    pub body: bool,
    /// The version read_section returned for this section.
    pub version: String,
}

/// Set CSV cells.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvSet {
    /// CSV file path relative to the workspace root.
    pub path: String,
    /// Conditions that must all hold for a row to change (as read_rows takes them).
    #[serde(rename = "where")]
    pub conds: Vec<String>,
    /// Column name to new value, e.g. {"status": "done"}.
    pub set: BTreeMap<String, String>,
    /// The version read_rows returned for the same `where` (without `rows`).
    pub version: String,
}

/// Delete CSV rows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvDelete {
    /// CSV file path relative to the workspace root.
    pub path: String,
    /// Conditions that must all hold for a row to be deleted (as read_rows takes them).
    #[serde(rename = "where")]
    pub conds: Vec<String>,
    /// The version read_rows returned for the same `where` (without `rows`).
    pub version: String,
}
