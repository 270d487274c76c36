//! `bigedit chunks`: semantic chunks for language models. The core cuts
//! (`bigedit_core::chunks`); this file picks the format, and prints one line (or one JSON
//! object of a streamed array) per chunk as soon as it is cut.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bigedit_core::chunks::{self, Chunk, Format};
use bigedit_core::{FileKind, Flow};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::csv::DialectFlags;
use super::output::stdout_err;
use super::read::open;
use super::Ctx;
use crate::error::Result;

/// How to read the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Markdown: sections, blank lines, code blocks.
    Md,
    /// CSV (or TSV): records, dialect detected as `csv` does.
    Csv,
    /// Plain text: blank lines, lines.
    Text,
}

/// Arguments of `chunks`.
#[derive(Debug, Args)]
pub struct ChunksArgs {
    /// The file.
    pub file: PathBuf,
    /// Largest chunk, in bytes (at least 4).
    #[arg(long, value_name = "N")]
    pub max_bytes: u64,
    /// How to read the file (default: md for .md/.markdown, csv for .csv/.tsv, else text).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// With --json, include each chunk's text (invalid UTF-8 replaced).
    #[arg(long)]
    pub with_text: bool,
    /// CSV dialect overrides.
    #[command(flatten)]
    pub dialect: DialectFlags,
}

/// The format a file's name suggests.
fn guess(file: &Path) -> FormatArg {
    match FileKind::from_name(&file.to_string_lossy()) {
        FileKind::Markdown => FormatArg::Md,
        FileKind::Csv => FormatArg::Csv,
        FileKind::Text => FormatArg::Text,
    }
}

/// Runs `chunks`.
pub fn run(ctx: &Ctx, args: &ChunksArgs) -> Result<()> {
    let doc = open(ctx, &args.file)?;
    let format = match args.format.unwrap_or_else(|| guess(&args.file)) {
        FormatArg::Md => Format::Markdown,
        FormatArg::Csv => Format::Csv(super::csv::dialect(&doc, &args.dialect)?),
        FormatArg::Text => Format::Text,
    };
    let with_text = args.with_text && ctx.json;
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut failed: Option<io::Error> = None;
    // One JSON array on one line, written chunk by chunk; it opens with the first chunk, so an
    // error before any (a bad --max-bytes) prints nothing on stdout.
    let each = |c: Chunk| {
        let written = if ctx.json {
            let open: &[u8] = if c.index == 0 { b"[" } else { b"" };
            out.write_all(open).and_then(|()| write_json(&mut out, &c, c.index > 0))
        } else {
            write_text(&mut out, &c)
        };
        match written {
            Ok(()) => Flow::Continue,
            Err(e) => {
                failed = Some(e);
                Flow::Stop
            }
        }
    };
    let count = chunks::for_each_chunk(
        doc.source(),
        &format,
        args.max_bytes,
        with_text,
        &mut doc.chunker(),
        each,
    )
    .map_err(|e| doc.err(e))?;
    if let Some(e) = failed {
        return Err(stdout_err(e));
    }
    ctx.note("chunks", count);
    if ctx.json {
        let close: &[u8] = if count == 0 { b"[]\n" } else { b"]\n" };
        out.write_all(close).map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}

/// `1  bytes 0:4096  lines 1-87  section  Install > Linux` (records `1-40` for CSV).
fn write_text(out: &mut dyn Write, c: &Chunk) -> io::Result<()> {
    let bytes = format!("{}:{}", c.range.start, c.range.end);
    let lines = format!("{}-{}", c.lines.start(), c.lines.end());
    write!(
        out,
        "{:>4}  bytes {:<21}  lines {:<13}  {:<10}",
        c.index + 1,
        bytes,
        lines,
        c.boundary.as_str()
    )?;
    if let Some(r) = &c.records {
        write!(out, "  records {}-{}", r.start(), r.end())?;
    }
    if !c.heading_path.is_empty() {
        write!(out, "  {}", c.heading_path.join(" > "))?;
    }
    writeln!(out)
}

/// One chunk as a JSON object, after a comma unless it is the first.
fn write_json(out: &mut dyn Write, c: &Chunk, comma: bool) -> io::Result<()> {
    if comma {
        out.write_all(b",")?;
    }
    let mut v = json!({
        "number": c.index + 1,
        "bytes": {"start": c.range.start, "end": c.range.end},
        "lines": {"start": c.lines.start(), "end": c.lines.end()},
        "boundary": c.boundary.as_str(),
        "heading_path": c.heading_path,
        "records": c.records.as_ref().map(|r| json!({"start": r.start(), "end": r.end()})),
    });
    if let Some(text) = &c.text {
        v["text"] = String::from_utf8_lossy(text).into();
    }
    serde_json::to_writer(&mut *out, &v).map_err(io::Error::from)
}
