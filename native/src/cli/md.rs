//! `bigedit md ...`: Markdown sections, addressed by heading path (`"Install > Linux"`,
//! `"Install > Linux #2"` for the second of two, `"#7"` for the seventh heading). The core
//! finds and plans (`bigedit_core::markdown`); this file parses arguments and prints.

use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use bigedit_core::markdown::{self, Place, Section};
use bigedit_core::{Chunker, Patch, ReadAt, Scanner};
use clap::{Args, Subcommand};
use serde_json::json;

use super::args::{Content, EditFlags};
use super::edit::{check_expect, content_bytes, finish, print_commit};
use super::output::{self, stdout_err};
use super::read::open;
use super::Ctx;
use crate::error::{Error, Result};
use crate::{CommitOptions, Document, Strategy};

/// Where `insert` and `move` put a section.
#[derive(Debug, Args)]
pub struct Anchor {
    /// Before the section at PATH.
    #[arg(long, value_name = "PATH", required_unless_present = "after", conflicts_with = "after")]
    pub before: Option<String>,
    /// After the section at PATH (and its subsections).
    #[arg(long, value_name = "PATH")]
    pub after: Option<String>,
}

impl Anchor {
    fn get(&self) -> (&str, Place) {
        match (&self.before, &self.after) {
            (Some(p), _) => (p, Place::Before),
            (None, Some(p)) => (p, Place::After),
            (None, None) => ("", Place::After),
        }
    }
}

/// The `md` subcommands. PATH is a heading path: titles joined by `>` (`"Install > Linux"`),
/// `PATH #N` for the N-th of several sections with that path, or `#N` for the N-th heading
/// as `md outline` numbers them.
#[derive(Debug, Subcommand)]
pub enum MdCommand {
    /// List the headings: number, level, line and byte ranges of each section, path.
    Outline {
        /// The file.
        file: PathBuf,
    },
    /// Print a section (or its body) exactly as stored.
    Read {
        /// The file.
        file: PathBuf,
        /// The section's heading path.
        path: String,
        /// Print only the body, without the heading.
        #[arg(long)]
        body: bool,
    },
    /// Replace a section (or its body) with new content; it ends with one blank line before
    /// the next heading.
    Replace {
        /// The file.
        file: PathBuf,
        /// The section's heading path.
        path: String,
        /// Replace only the body, keeping the heading.
        #[arg(long)]
        body: bool,
        /// Where the new content comes from.
        #[command(flatten)]
        content: Content,
        /// Flags of every editing command (--expect: the version `md read --json` printed
        /// for the same section, with --body if this has it).
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Delete a section with its subsections.
    Delete {
        /// The file.
        file: PathBuf,
        /// The section's heading path.
        path: String,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Insert a new section (heading included) before or after another.
    Insert {
        /// The file.
        file: PathBuf,
        /// Where the new section goes.
        #[command(flatten)]
        anchor: Anchor,
        /// Where the new content comes from.
        #[command(flatten)]
        content: Content,
        /// Flags of every editing command (--expect: the version of the anchor section).
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Rename a heading, keeping its level and markers.
    Rename {
        /// The file.
        file: PathBuf,
        /// The section's heading path.
        path: String,
        /// The new title.
        #[arg(allow_hyphen_values = true)]
        new_title: String,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Move a section (with its subsections) before or after another.
    Move {
        /// The file.
        file: PathBuf,
        /// The section's heading path.
        path: String,
        /// Where it goes.
        #[command(flatten)]
        anchor: Anchor,
        /// Flags of every editing command (--expect: the version of the moved section).
        #[command(flatten)]
        edit: EditFlags,
    },
}

impl MdCommand {
    /// The subcommand's name, as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            MdCommand::Outline { .. } => "md outline",
            MdCommand::Read { .. } => "md read",
            MdCommand::Replace { .. } => "md replace",
            MdCommand::Delete { .. } => "md delete",
            MdCommand::Insert { .. } => "md insert",
            MdCommand::Rename { .. } => "md rename",
            MdCommand::Move { .. } => "md move",
        }
    }

    /// The file the command works on.
    pub fn file(&self) -> &Path {
        match self {
            MdCommand::Outline { file }
            | MdCommand::Read { file, .. }
            | MdCommand::Replace { file, .. }
            | MdCommand::Delete { file, .. }
            | MdCommand::Insert { file, .. }
            | MdCommand::Rename { file, .. }
            | MdCommand::Move { file, .. } => file,
        }
    }

    /// Whether the command only reads (takes the shared lock).
    pub fn is_read_only(&self) -> bool {
        matches!(self, MdCommand::Outline { .. } | MdCommand::Read { .. })
    }
}

/// Runs an `md` subcommand.
pub fn run(ctx: &Ctx, command: &MdCommand) -> Result<()> {
    match command {
        MdCommand::Outline { file } => outline(ctx, file),
        MdCommand::Read { file, path, body } => read(ctx, file, path, *body),
        MdCommand::Replace { file, path, body, content, edit } => {
            let text = content_bytes(content)?;
            edit_one(ctx, file, &[path], edit, |doc, found| {
                let s = &found.sections[0];
                let region = if *body { s.body() } else { s.range.clone() };
                check_expect(doc, region, edit)?;
                if *body {
                    markdown::replace_body(&found.info, s, &text).map_err(|e| Error::edit(file, e))
                } else {
                    markdown::replace_section(doc.source(), &found.info, s, &text)
                        .map_err(|e| doc.err(e))
                }
            })
        }
        MdCommand::Delete { file, path, edit } => {
            edit_one(ctx, file, &[path], edit, |doc, found| {
                let s = &found.sections[0];
                check_expect(doc, s.range.clone(), edit)?;
                markdown::delete_section(&found.info, s).map_err(|e| Error::edit(file, e))
            })
        }
        MdCommand::Insert { file, anchor, content, edit } => {
            let text = content_bytes(content)?;
            let (at, place) = anchor.get();
            edit_one(ctx, file, &[at], edit, |doc, found| {
                let a = &found.sections[0];
                check_expect(doc, a.range.clone(), edit)?;
                markdown::insert_section(doc.source(), &found.info, a, place, &text)
                    .map_err(|e| doc.err(e))
            })
        }
        MdCommand::Rename { file, path, new_title, edit } => {
            edit_one(ctx, file, &[path], edit, |doc, found| {
                let s = &found.sections[0];
                check_expect(doc, s.range.clone(), edit)?;
                let patch = markdown::rename_heading(doc.source(), &found.info, s, new_title)
                    .map_err(|e| doc.err(e))?;
                // A second pass: the new path must not be another section's.
                markdown::check_rename(doc.source(), s, new_title, &mut Chunker::default())
                    .map_err(|e| doc.err(e))?;
                Ok(patch)
            })
        }
        MdCommand::Move { file, path, anchor, edit } => {
            let (at, place) = anchor.get();
            edit_one(ctx, file, &[path, at], edit, |doc, found| {
                let (s, a) = (&found.sections[0], &found.sections[1]);
                check_expect(doc, s.range.clone(), edit)?;
                markdown::move_section(doc.source(), &found.info, s, a, place)
                    .map_err(|e| doc.err(e))
            })
        }
    }
}

/// Opens `file` for writing, finds the sections `paths` name in one pass, plans with `plan`
/// and finishes (dry run or commit). A default (atomic, no backup) commit is streamed: the
/// new document is written while the pass runs ([`edit_streamed`]).
fn edit_one(
    ctx: &Ctx,
    file: &Path,
    paths: &[&str],
    flags: &EditFlags,
    plan: impl Fn(&Document, &markdown::Located) -> Result<Patch>,
) -> Result<()> {
    let mut doc = open(ctx, file)?;
    let opts = flags.commit_options();
    if !flags.dry_run && opts.strategy == Strategy::Atomic && !opts.backup {
        return edit_streamed(ctx, &mut doc, file, paths, &opts, &plan);
    }
    let found = locate(ctx, &doc, paths)?;
    let patch = plan(&doc, &found)?;
    finish(ctx, &mut doc, file, &patch, flags, serde_json::Map::new())
}

/// [`edit_one`] as one streamed atomic commit: while the core's [`markdown::Locator`] reads
/// the document, the bytes it has settled (those before any section the paths may name) are
/// copied into the temporary file, and once every named section has ended the plan made
/// from that provisional answer is handed over as a guess, so the rest of the document is
/// copied behind the scan too. The final plan, made when the pass ends (a later section
/// with the same path still makes it ambiguous), is what gets committed: a wrong guess costs
/// a rewrite from the first difference, an error leaves the file untouched
/// ([`crate::commit_stream`]).
///
/// Measured on a 256 MiB document (bench/compare.sh md): the sum scan + copy + fsync
/// became roughly max(scan, copy + write-back) + the last fsync.
fn edit_streamed(
    ctx: &Ctx,
    doc: &mut Document,
    file: &Path,
    paths: &[&str],
    opts: &CommitOptions,
    plan: &dyn Fn(&Document, &markdown::Located) -> Result<Patch>,
) -> Result<()> {
    let bar = output::progress(ctx, doc.len(), "scanning");
    let result = doc.commit_streamed(|doc, feed| {
        let mut locator = markdown::Locator::new(paths).map_err(|e| Error::edit(file, e.into()))?;
        let mut guessed = false;
        let mut chunker = doc.chunker();
        let src = doc.source();
        let mut scan = |off: u64, chunk: &[u8]| {
            let flow = locator.feed(off, chunk)?;
            if !guessed {
                if let Some(found) = locator.provisional() {
                    guessed = true;
                    // A plan that fails on the provisional answer is no guess at all.
                    if let Ok(patch) = plan(doc, &found) {
                        feed.guess(&patch);
                    }
                }
            }
            feed.settle(locator.settled());
            Ok(flow)
        };
        chunker.scan(src, 0..src.len(), &mut scan).map_err(|e| doc.err(e))?;
        let found = locator.finish(src, &mut chunker).map_err(|e| doc.err(e))?;
        let patch = plan(doc, &found)?;
        crate::audit::note_patch(&mut ctx.audit.borrow_mut(), &patch);
        Ok(patch)
    });
    bar.finish_and_clear();
    let report = result.map(|(_, report)| report);
    crate::audit::note_commit(&mut ctx.audit.borrow_mut(), &report, opts);
    print_commit(ctx, file, &report?, serde_json::Map::new())
}

/// Finds the sections `paths` name, with a progress bar on long scans.
fn locate(ctx: &Ctx, doc: &Document, paths: &[&str]) -> Result<markdown::Located> {
    let bar = output::progress(ctx, doc.len(), "scanning");
    let found = markdown::locate(doc.source(), paths, &mut doc.chunker()).map_err(|e| doc.err(e));
    bar.finish_and_clear();
    found
}

fn range_json(r: &Range<u64>) -> serde_json::Value {
    json!({"start": r.start, "end": r.end})
}

fn lines_json(r: &std::ops::RangeInclusive<u64>) -> serde_json::Value {
    json!({"start": r.start(), "end": r.end()})
}

fn outline(ctx: &Ctx, file: &Path) -> Result<()> {
    let doc = open(ctx, file)?;
    let bar = output::progress(ctx, doc.len(), "scanning");
    let outline = markdown::outline(doc.source(), &mut doc.chunker()).map_err(|e| doc.err(e))?;
    bar.finish_and_clear();
    ctx.note("sections", outline.len());
    let mut out = io::BufWriter::new(io::stdout().lock());
    if ctx.json {
        // One JSON array on one line, written section by section.
        out.write_all(b"[").map_err(stdout_err)?;
        for (i, s) in outline.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").map_err(stdout_err)?;
            }
            let v = json!({
                "number": s.number(),
                "level": s.level,
                "kind": s.kind.as_str(),
                "title": s.title,
                "truncated": s.truncated,
                "path": s.path,
                "selector": outline.selector(s),
                "heading_lines": lines_json(&s.heading_lines),
                "lines": lines_json(&s.lines),
                "heading_bytes": range_json(&s.heading),
                "body_bytes": range_json(&s.body()),
                "bytes": range_json(&s.range),
            });
            serde_json::to_writer(&mut out, &v).map_err(|e| stdout_err(e.into()))?;
        }
        out.write_all(b"]\n").map_err(stdout_err)?;
        return out.flush().map_err(stdout_err);
    }
    for s in outline.iter() {
        let lines = format!("{}:{}", s.lines.start(), s.lines.end());
        let bytes = format!("{}:{}", s.range.start, s.range.end);
        writeln!(
            out,
            "{:>4}  {:<6}  lines {:<13}  bytes {:<21}  {}",
            s.number(),
            "#".repeat(usize::from(s.level)),
            lines,
            bytes,
            outline.selector(s)
        )
        .map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}

fn read(ctx: &Ctx, file: &Path, path: &str, body: bool) -> Result<()> {
    let doc = open(ctx, file)?;
    let found = locate(ctx, &doc, &[path])?;
    let s: &Section = &found.sections[0];
    let range = if body { s.body() } else { s.range.clone() };
    let Some((buf, version)) = super::read::read_out(ctx, &doc, file, range.clone())? else {
        return Ok(());
    };
    let lines = if body { s.body_lines() } else { Some(s.lines.clone()) };
    output::json(&json!({
        "file": file.display().to_string(),
        "path": s.path,
        "level": s.level,
        "title": s.title,
        "body": body,
        "lines": lines.as_ref().map(lines_json),
        "bytes": range_json(&range),
        "version": version.to_string(),
        "utf8": std::str::from_utf8(&buf).is_ok(),
        "text": String::from_utf8_lossy(&buf),
    }))
}
