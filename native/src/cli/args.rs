//! The command line, as clap derives it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Edit parts of very large files without loading them.
///
/// Lines are 1-based and inclusive: LINES is N, A:B, A: or :B, or counted from the end: -N (the
/// Nth line from the end), -N: (the last N lines), A:-B, and A:+N (A and N more). Byte ranges are 0-based and
/// end-exclusive: A:B. Content comes from --with TEXT, --from PATH (- for stdin), or stdin.
#[derive(Debug, Parser)]
#[command(name = "bigedit", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Print a machine-readable JSON result.
    #[arg(long, global = true)]
    pub json: bool,

    /// Neither read nor write the line-index cache.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// How long to wait for another bigedit process's lock on the file, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value = "30", value_parser = parse_seconds)]
    pub lock_timeout: std::time::Duration,

    /// Append one JSON line per operation to this file (default: $BIGEDIT_AUDIT_LOG, if set).
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,

    /// Run even when the audit log cannot be opened (by default the operation is refused
    /// before it starts, so the trail has no holes).
    #[arg(long, global = true)]
    pub audit_log_optional: bool,

    /// Confine every path to this directory: `..`, absolute paths outside it and symlinks
    /// leading out are refused (default: $BIGEDIT_ROOT, if set).
    #[arg(long, global = true, value_name = "DIR", env = "BIGEDIT_ROOT")]
    pub root: Option<PathBuf>,

    /// Chunk size of full passes, in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = bigedit_core::DEFAULT_CHUNK,
          value_parser = parse_chunk_size)]
    pub chunk_size: usize,

    /// The S3-compatible server of s3://BUCKET/KEY objects (default: $AWS_ENDPOINT_URL_S3,
    /// $AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS).
    #[cfg(feature = "s3")]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Address buckets path-style (ENDPOINT/BUCKET/KEY), as most S3-compatible servers
    /// need; the default for an IP or localhost endpoint.
    #[cfg(feature = "s3")]
    #[arg(long, global = true)]
    pub path_style: bool,
}

impl Cli {
    /// The object-storage flags.
    #[cfg(feature = "s3")]
    pub fn s3(&self) -> crate::object::S3Options {
        crate::object::S3Options {
            endpoint_url: self.endpoint_url.clone(),
            path_style: self.path_style,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Size, line count, line ending (LF/CRLF/mixed/none) and index state.
    Info {
        /// The file.
        file: PathBuf,
    },
    /// Build and cache the line index.
    Index {
        /// The file.
        file: PathBuf,
    },
    /// Print lines (or bytes) exactly as stored.
    #[command(
        override_usage = "bigedit read [OPTIONS] <FILE> <LINES>\n       bigedit read [OPTIONS] <FILE> --bytes <A:B>"
    )]
    Read {
        /// The file.
        file: PathBuf,
        /// Lines to print: N, A:B, A:, :B, -N, -N: (the last N), A:-B or A:+N.
        #[arg(
            required_unless_present = "bytes",
            conflicts_with = "bytes",
            allow_hyphen_values = true
        )]
        lines: Option<String>,
        /// Print the byte range A:B instead.
        #[arg(long, value_name = "A:B")]
        bytes: Option<String>,
    },
    /// Find a literal (or --regex) pattern: prints LINE:COLUMN:OFFSET:text per match.
    Find {
        /// The file.
        file: PathBuf,
        /// What to find.
        #[arg(allow_hyphen_values = true)]
        pattern: String,
        /// Treat PATTERN as a regular expression (matched line by line).
        #[arg(long)]
        regex: bool,
        /// Stop after N matches.
        #[arg(long, value_name = "N")]
        max: Option<u64>,
        /// Print only the number of matches.
        #[arg(long)]
        count: bool,
        /// Print N lines of context around each match (as grep -C; `--` between groups).
        #[arg(short = 'C', long, value_name = "N")]
        context: Option<usize>,
        /// Print N lines after each match (as grep -A).
        #[arg(short = 'A', long, value_name = "N")]
        after_context: Option<usize>,
        /// Print N lines before each match (as grep -B).
        #[arg(short = 'B', long, value_name = "N")]
        before_context: Option<usize>,
    },
    /// Replace lines with new content (empty content removes them).
    ReplaceLines {
        /// The file.
        file: PathBuf,
        /// Lines to replace: N, A:B, A:, :B, -N, -N:, A:-B or A:+N.
        #[arg(allow_hyphen_values = true)]
        lines: String,
        /// Where the new content comes from.
        #[command(flatten)]
        content: Content,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Insert lines after (or before) a line.
    Insert {
        /// The file.
        file: PathBuf,
        /// Insert after line N (0 inserts at the top).
        #[arg(
            long,
            value_name = "N",
            required_unless_present = "before",
            conflicts_with = "before"
        )]
        after: Option<u64>,
        /// Insert before line N.
        #[arg(long, value_name = "N")]
        before: Option<u64>,
        /// Where the new content comes from.
        #[command(flatten)]
        content: Content,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Delete lines.
    DeleteLines {
        /// The file.
        file: PathBuf,
        /// Lines to delete: N, A:B, A:, :B, -N, -N:, A:-B or A:+N.
        #[arg(allow_hyphen_values = true)]
        lines: String,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Find and replace a literal (or --regex, line by line) pattern.
    Replace {
        /// The file.
        file: PathBuf,
        /// What to find.
        #[arg(long, value_name = "PAT", allow_hyphen_values = true)]
        find: String,
        /// The replacement (with --regex, $1 and ${name} refer to groups).
        #[arg(long = "with", value_name = "REPL", allow_hyphen_values = true)]
        with: String,
        /// Treat PAT as a regular expression.
        #[arg(long)]
        regex: bool,
        /// Replace at most N matches.
        #[arg(long, value_name = "N")]
        max: Option<u64>,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Replace a byte range with new content.
    Splice {
        /// The file.
        file: PathBuf,
        /// The byte range A:B (0-based, end exclusive).
        #[arg(long, value_name = "A:B")]
        bytes: String,
        /// Where the new content comes from.
        #[command(flatten)]
        content: Content,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Markdown sections: outline, read, replace, delete, insert, rename, move.
    Md {
        /// What to do with the Markdown file.
        #[command(subcommand)]
        command: super::md::MdCommand,
    },
    /// CSV records: headers, read, set, delete, append, add-column, remove-column.
    Csv {
        /// What to do with the CSV file.
        #[command(subcommand)]
        command: super::csv::CsvCommand,
    },
    /// Split a file into pieces of at most N bytes at the best boundaries (sections, blank
    /// lines, records, lines), for language models.
    Chunks(super::chunks::ChunksArgs),
    /// Serve the Model Context Protocol on stdin/stdout for AI agents: bounded reads with
    /// versions, guarded edits, undo, all confined to --root DIR (required).
    Mcp {
        /// Let tools read and edit objects of this bucket (s3://BUCKET/KEY); repeat for more.
        /// Off by default.
        #[arg(long = "allow-s3", value_name = "BUCKET")]
        allow_s3: Vec<String>,
    },
    /// Apply a JSON list of edits in one pass and one commit.
    Apply {
        /// The file.
        file: PathBuf,
        /// The edit list (- for stdin): [{"op": "replace-lines", "lines": "10:12", "with": "..."}, ...]
        edits: PathBuf,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
}

/// Where new content comes from.
#[derive(Debug, Args)]
pub struct Content {
    /// The new content.
    #[arg(long = "with", value_name = "TEXT", allow_hyphen_values = true, conflicts_with = "from")]
    pub with: Option<String>,
    /// Read the new content from a file (- for stdin).
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
}

/// Flags of every editing command.
#[derive(Debug, Args)]
pub struct EditFlags {
    /// Print a unified diff of the change and touch nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse the edit unless the bytes it replaces still have this version (from `read --json`:
    /// the lines of a line edit, the bytes of a splice, the whole file for `replace`, the line
    /// an insert goes after).
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub expect: Option<bigedit_core::Version>,
    /// How to write the change: `atomic` (a new file renamed over the old), `in-place` (write
    /// only the changed bytes, or the tail from the first change, under an undo journal), or
    /// `auto` (in-place when the length is kept or the tail is under 1/8 of the file).
    #[arg(long, value_name = "HOW", value_enum, default_value_t = crate::Strategy::Atomic)]
    pub commit: crate::Strategy,
    /// Shorthand for `--commit in-place` (also allows editing a file with several hard links).
    #[arg(long, conflicts_with = "commit")]
    pub in_place: bool,
    /// Keep the previous content as FILE.bak (a hard link or reflink where possible).
    #[arg(long)]
    pub backup: bool,
}

impl EditFlags {
    /// The commit options these flags choose.
    pub fn commit_options(&self) -> crate::CommitOptions {
        crate::CommitOptions {
            strategy: if self.in_place { crate::Strategy::InPlace } else { self.commit },
            backup: self.backup,
        }
    }
}

/// A chunk size between 1 byte and 1 GiB.
fn parse_chunk_size(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1 << 30).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a chunk size from 1 to 1073741824 bytes")),
    }
}

/// A non-negative number of seconds (fractions allowed).
fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|v| std::time::Duration::try_from_secs_f64(v).ok())
        .ok_or_else(|| format!("{s:?} is not a number of seconds"))
}

/// A version as `read --json` prints it: 16 hex digits.
fn parse_version(s: &str) -> Result<bigedit_core::Version, String> {
    match s.parse() {
        Ok(v) if s.len() == 16 => Ok(v),
        _ => Err(format!("{s:?} is not a version (16 hex digits, as read --json prints)")),
    }
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Info { .. } => "info",
            Command::Index { .. } => "index",
            Command::Read { .. } => "read",
            Command::Find { .. } => "find",
            Command::ReplaceLines { .. } => "replace-lines",
            Command::Insert { .. } => "insert",
            Command::DeleteLines { .. } => "delete-lines",
            Command::Replace { .. } => "replace",
            Command::Splice { .. } => "splice",
            Command::Apply { .. } => "apply",
            Command::Md { command } => command.name(),
            Command::Csv { command } => command.name(),
            Command::Chunks(_) => "chunks",
            Command::Mcp { .. } => "mcp",
        }
    }

    /// The file the command works on.
    pub fn file(&self) -> &std::path::Path {
        match self {
            Command::Info { file }
            | Command::Index { file }
            | Command::Read { file, .. }
            | Command::Find { file, .. }
            | Command::ReplaceLines { file, .. }
            | Command::Insert { file, .. }
            | Command::DeleteLines { file, .. }
            | Command::Replace { file, .. }
            | Command::Splice { file, .. }
            | Command::Apply { file, .. }
            | Command::Chunks(super::chunks::ChunksArgs { file, .. }) => file,
            Command::Md { command } => command.file(),
            Command::Csv { command } => command.file(),
            Command::Mcp { .. } => std::path::Path::new(""),
        }
    }

    /// Whether the command only reads the file (it then takes the shared lock).
    pub fn is_read_only(&self) -> bool {
        match self {
            Command::Info { .. }
            | Command::Index { .. }
            | Command::Read { .. }
            | Command::Find { .. }
            | Command::Chunks(_)
            | Command::Mcp { .. } => true,
            Command::Md { command } => command.is_read_only(),
            Command::Csv { command } => command.is_read_only(),
            _ => false,
        }
    }
}
