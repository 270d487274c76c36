//! `bigedit csv ...`: CSV records. Every decision about the format is the core's
//! (`bigedit_core::csv`); this file parses arguments, opens the file and prints.
//!
//! `--expect` on a csv edit takes the version of the whole file, as
//! `bigedit read FILE --bytes 0:LEN --json` prints it.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use bigedit_core::csv::{self, Assignment, Condition, Dialect, Header, Overrides, Report};
use bigedit_core::{Chunker, Drain, EditError, Flow, LineRange, Pass, Patch};
use clap::{Args, Subcommand};
use serde_json::json;

use super::args::EditFlags;
use super::output::{self, stdout_err};
use super::Ctx;
use crate::error::{Error, Result};
use crate::{DocSource, Document};

/// Dialect overrides, on every csv command; what is not given is detected.
#[derive(Debug, Args)]
pub struct DialectFlags {
    /// Field delimiter: one ASCII character, or `tab` (detected among , ; tab | if not given).
    #[arg(long, value_name = "C", value_parser = parse_byte)]
    pub delimiter: Option<u8>,
    /// Quote character (detected: " or ').
    #[arg(long, value_name = "C", value_parser = parse_byte)]
    pub quote: Option<u8>,
    /// The first record is a header.
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first record is data: columns are then named 1, 2, ...
    #[arg(long)]
    pub no_header: bool,
}

impl DialectFlags {
    fn overrides(&self) -> Overrides {
        Overrides {
            delimiter: self.delimiter,
            quote: self.quote,
            has_header: match (self.header, self.no_header) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        }
    }
}

/// One ASCII byte: `tab` and `\t` mean a tab.
fn parse_byte(s: &str) -> std::result::Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("{s:?} is not one ASCII character (or `tab`)")),
    }
}

/// The `csv` subcommands.
#[derive(Debug, Subcommand)]
pub enum CsvCommand {
    /// Print the header names and the dialect (delimiter, quote, line ending, header).
    Headers {
        /// The file.
        file: PathBuf,
        /// Dialect overrides.
        #[command(flatten)]
        dialect: DialectFlags,
    },
    /// Print rows exactly as stored (or as JSON objects keyed by the header with --json).
    Read {
        /// The file.
        file: PathBuf,
        /// Rows to print: N, A:B, A:, :B, -N, -N: (the last N), A:-B or A:+N, 1-based, the
        /// header excluded (all if not given).
        #[arg(allow_hyphen_values = true)]
        rows: Option<String>,
        /// Only rows where COND holds: COL=V, COL!=V, COL<V, COL<=V, COL>V, COL>=V, COL~TEXT
        /// (repeat to AND them; numeric when both sides are numbers).
        #[arg(long = "where", value_name = "COND", allow_hyphen_values = true)]
        conds: Vec<String>,
        /// Dialect overrides.
        #[command(flatten)]
        dialect: DialectFlags,
    },
    /// Set columns in the rows where every condition holds.
    Set {
        /// The file.
        file: PathBuf,
        /// A condition (repeat to AND them).
        #[arg(long = "where", value_name = "COND", required = true, allow_hyphen_values = true)]
        conds: Vec<String>,
        /// COL=VALUE to write (repeatable).
        #[arg(long = "set", value_name = "COL=VALUE", required = true, allow_hyphen_values = true)]
        sets: Vec<String>,
        /// Flags of every edit over existing rows.
        #[command(flatten)]
        rows: RowEditFlags,
    },
    /// Delete the rows where every condition holds.
    Delete {
        /// The file.
        file: PathBuf,
        /// A condition (repeat to AND them).
        #[arg(long = "where", value_name = "COND", required = true, allow_hyphen_values = true)]
        conds: Vec<String>,
        /// Flags of every edit over existing rows.
        #[command(flatten)]
        rows: RowEditFlags,
    },
    /// Append rows given as CSV lines (--row, repeatable) or as CSV text on stdin.
    Append {
        /// The file.
        file: PathBuf,
        /// A row in the file's dialect, e.g. `4,Oslo,new`.
        #[arg(long = "row", value_name = "CSV_LINE", allow_hyphen_values = true)]
        rows: Vec<String>,
        /// Dialect overrides.
        #[command(flatten)]
        dialect: DialectFlags,
        /// Flags of every editing command.
        #[command(flatten)]
        edit: EditFlags,
    },
    /// Add a column (header files only) with a value in every row.
    AddColumn {
        /// The file.
        file: PathBuf,
        /// The new column's name.
        name: String,
        /// The value every row gets (empty if not given).
        #[arg(long, value_name = "V", default_value = "", allow_hyphen_values = true)]
        value: String,
        /// Put the column after COL (at the end if not given).
        #[arg(long, value_name = "COL")]
        after: Option<String>,
        /// Flags of every edit over existing rows.
        #[command(flatten)]
        rows: RowEditFlags,
    },
    /// Remove a column from every row.
    RemoveColumn {
        /// The file.
        file: PathBuf,
        /// The column (a header name, or a 1-based number without header).
        name: String,
        /// Flags of every edit over existing rows.
        #[command(flatten)]
        rows: RowEditFlags,
    },
}

/// The flags of every CSV edit over existing rows: `--strict`, the dialect, the edit flags.
#[derive(Debug, Args)]
pub struct RowEditFlags {
    /// Fail on a row with the wrong number of fields instead of leaving it untouched.
    #[arg(long)]
    pub strict: bool,
    /// Dialect overrides.
    #[command(flatten)]
    pub dialect: DialectFlags,
    /// Flags of every editing command.
    #[command(flatten)]
    pub edit: EditFlags,
}

impl CsvCommand {
    /// The subcommand's name, as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            CsvCommand::Headers { .. } => "csv headers",
            CsvCommand::Read { .. } => "csv read",
            CsvCommand::Set { .. } => "csv set",
            CsvCommand::Delete { .. } => "csv delete",
            CsvCommand::Append { .. } => "csv append",
            CsvCommand::AddColumn { .. } => "csv add-column",
            CsvCommand::RemoveColumn { .. } => "csv remove-column",
        }
    }

    /// The file the command works on.
    pub fn file(&self) -> &Path {
        match self {
            CsvCommand::Headers { file, .. }
            | CsvCommand::Read { file, .. }
            | CsvCommand::Set { file, .. }
            | CsvCommand::Delete { file, .. }
            | CsvCommand::Append { file, .. }
            | CsvCommand::AddColumn { file, .. }
            | CsvCommand::RemoveColumn { file, .. } => file,
        }
    }

    /// Whether the command only reads (takes the shared lock).
    pub fn is_read_only(&self) -> bool {
        matches!(self, CsvCommand::Headers { .. } | CsvCommand::Read { .. })
    }
}

/// Runs a `csv` subcommand.
pub fn run(ctx: &Ctx, command: &CsvCommand) -> Result<()> {
    match command {
        CsvCommand::Headers { file, dialect } => headers(ctx, file, dialect),
        CsvCommand::Read { file, rows, conds, dialect } => {
            read(ctx, file, rows.as_deref(), &parse_conds(conds)?, dialect)
        }
        CsvCommand::Set { file, conds, sets, rows } => {
            let conds = parse_conds(conds)?;
            let sets = sets
                .iter()
                .map(|s| Assignment::parse(s).map_err(|e| Error::Usage(e.to_string())))
                .collect::<Result<Vec<_>>>()?;
            edit_rows(ctx, file, rows, |h, d, len| csv::SetCells::new(h, d, &conds, &sets, len))
        }
        CsvCommand::Delete { file, conds, rows } => {
            let conds = parse_conds(conds)?;
            edit_rows(ctx, file, rows, |h, d, len| csv::DeleteRows::new(h, d, &conds, len))
        }
        CsvCommand::Append { file, rows, dialect, edit } => {
            let text = if rows.is_empty() {
                read_stdin()?
            } else {
                rows.iter().flat_map(|r| [r.as_bytes(), b"\n"]).flatten().copied().collect()
            };
            plan_and_finish(ctx, file, dialect, edit, &|src, d, chunker| {
                csv::append_rows(src, d, &text, chunker)
            })
        }
        CsvCommand::AddColumn { file, name, value, after, rows } => {
            edit_rows(ctx, file, rows, |h, d, len| {
                csv::AddColumn::new(h, d, name, value, after.as_deref(), len)
            })
        }
        CsvCommand::RemoveColumn { file, name, rows } => {
            edit_rows(ctx, file, rows, |h, d, len| csv::RemoveColumn::new(h, d, name, len))
        }
    }
}

/// Conditions that do not parse are usage errors: nothing was opened yet.
fn parse_conds(conds: &[String]) -> Result<Vec<Condition>> {
    conds.iter().map(|c| Condition::parse(c).map_err(|e| Error::Usage(e.to_string()))).collect()
}

fn read_stdin() -> Result<Vec<u8>> {
    if io::stdin().is_terminal() {
        return Err(Error::Usage("no rows: give --row CSV_LINE or pipe CSV text on stdin".into()));
    }
    let mut buf = Vec::new();
    io::stdin().read_to_end(&mut buf).map_err(|e| Error::io(Path::new("<stdin>"), "read", e))?;
    Ok(buf)
}

/// Detects the dialect of the open document, keeping the overrides.
pub(super) fn dialect(doc: &Document, flags: &DialectFlags) -> Result<Dialect> {
    Dialect::detect(doc.source(), &flags.overrides()).map_err(|e| doc.err(e))
}

type Planner<'a> = dyn Fn(
        &DocSource,
        &Dialect,
        &mut Chunker,
    ) -> std::result::Result<(Patch, Report), bigedit_core::Error<io::Error>>
    + 'a;

/// Opens the file for writing, checks `--expect`, plans with the core (`csv append`: one
/// splice at the end), reports skipped rows, and ends like every editing command.
fn plan_and_finish(
    ctx: &Ctx,
    file: &Path,
    flags: &DialectFlags,
    edit: &EditFlags,
    plan: &Planner<'_>,
) -> Result<()> {
    let (mut doc, dialect) = open_for_edit(ctx, file, flags, edit)?;
    let (patch, report) =
        plan(doc.source(), &dialect, &mut doc.chunker()).map_err(|e| doc.err(e))?;
    let extra = accept_report(ctx, file, false, &report)?;
    super::edit::finish(ctx, &mut doc, file, &patch, edit, extra)
}

/// Opens the file for writing, checks `--expect` (under the exclusive lock) and detects the
/// dialect.
fn open_for_edit(
    ctx: &Ctx,
    file: &Path,
    flags: &DialectFlags,
    edit: &EditFlags,
) -> Result<(Document, Dialect)> {
    let doc = super::read::open(ctx, file)?;
    super::edit::check_expect(&doc, 0..doc.len(), edit)?;
    let dialect = dialect(&doc, flags)?;
    Ok((doc, dialect))
}

/// Refuses skipped rows under `--strict`, else notes and warns about them; returns the
/// `--json` fields of the report.
fn accept_report(
    ctx: &Ctx,
    file: &Path,
    strict: bool,
    report: &Report,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    if strict {
        report.strict().map_err(|e| Error::edit(file, EditError::Csv(e)))?;
    }
    ctx.note("matched", report.matched);
    ctx.note("skipped", report.skipped_count);
    warn_skipped(file, report);
    let mut extra = serde_json::Map::new();
    extra.insert("matched".into(), report.matched.into());
    extra.extend(skipped_json(report));
    Ok(extra)
}

/// Runs the row pass `build` makes from the header over the file and commits it as it plans
/// ([`Document::commit_drained`]: an edit of every row holds a bounded number of changes), or
/// prints its diff under `--dry-run`. Skipped rows are refused under `--strict` before
/// anything is committed.
fn edit_rows<P>(
    ctx: &Ctx,
    file: &Path,
    flags: &RowEditFlags,
    build: impl FnOnce(&Header, &Dialect, u64) -> std::result::Result<P, csv::CsvError>,
) -> Result<()>
where
    P: Pass<Output = (Patch, Report)> + Drain,
{
    let (mut doc, dialect) = open_for_edit(ctx, file, &flags.dialect, &flags.edit)?;
    dialect.check().map_err(|e| doc.err(e.into()))?;
    let header =
        Header::read(doc.source(), &dialect, &mut doc.chunker()).map_err(|e| doc.err(e))?;
    let pass = build(&header, &dialect, doc.len()).map_err(|e| doc.err(e.into()))?;
    let strict = flags.strict;
    let accept = |report: &Report| accept_report(ctx, file, strict, report);
    if flags.edit.dry_run {
        return super::edit::print_diff_drained(ctx, &mut doc, file, pass, accept);
    }
    super::edit::commit_pass(ctx, &mut doc, file, pass, &flags.edit, accept)
}

/// The `skipped` rows (the first [`SKIPPED_LISTED`](bigedit_core::csv::SKIPPED_LISTED)) and
/// `skipped_count` fields of a `--json` result.
fn skipped_json(report: &Report) -> serde_json::Map<String, serde_json::Value> {
    let skipped: Vec<_> = report
        .skipped
        .iter()
        .map(|s| json!({"record": s.record, "offset": s.offset, "fields": s.fields, "expected": s.expected}))
        .collect();
    let mut fields = serde_json::Map::new();
    fields.insert("skipped".into(), skipped.into());
    fields.insert("skipped_count".into(), report.skipped_count.into());
    fields
}

/// One warning line on stderr per skipped row (the first few hundred, then a count).
fn warn_skipped(file: &Path, report: &Report) {
    let mut err = io::stderr().lock();
    for s in &report.skipped {
        let _ =
            writeln!(err, "bigedit: warning: {}: {}; left untouched", file.display(), s.to_error());
    }
    let more = report.skipped_count - report.skipped.len() as u64;
    if more > 0 {
        let _ = writeln!(
            err,
            "bigedit: warning: {}: {more} more rows with the wrong number of fields left untouched",
            file.display()
        );
    }
}

fn headers(ctx: &Ctx, file: &Path, flags: &DialectFlags) -> Result<()> {
    let doc = super::read::open(ctx, file)?;
    let dialect = dialect(&doc, flags)?;
    let header =
        Header::read(doc.source(), &dialect, &mut doc.chunker()).map_err(|e| doc.err(e))?;
    let columns = header.keys();
    let show = |b: u8| char::from(b).to_string();
    if ctx.json {
        return output::json(&json!({
            "file": file.display().to_string(),
            "delimiter": show(dialect.delimiter),
            "quote": show(dialect.quote),
            "line_ending": dialect.newline.as_str(),
            "header": dialect.has_header,
            "columns": columns,
            "repeated_names": header.has_repeated_names(),
        }));
    }
    let mut text = format!(
        "delimiter: {:?}\nquote: {:?}\nline ending: {}\nheader: {}\ncolumns: {}\n",
        char::from(dialect.delimiter),
        char::from(dialect.quote),
        dialect.newline.as_str(),
        if dialect.has_header { "yes" } else { "no" },
        columns.len()
    );
    for (i, c) in columns.iter().enumerate() {
        text.push_str(&format!("{}: {c}\n", i + 1));
    }
    if header.has_repeated_names() {
        text.push_str(
            "note: some names repeat; address those columns as \"NAME #2\" (as listed) or by \
             position, #N\n",
        );
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(stdout_err)
}

fn read(
    ctx: &Ctx,
    file: &Path,
    rows: Option<&str>,
    conds: &[Condition],
    flags: &DialectFlags,
) -> Result<()> {
    let rows: Option<LineRange> =
        rows.map(|r| r.parse().map_err(|e| Error::Usage(format!("rows: {e}")))).transpose()?;
    let doc = super::read::open(ctx, file)?;
    let dialect = dialect(&doc, flags)?;
    let mut chunker = doc.chunker();
    let header = Header::read(doc.source(), &dialect, &mut chunker).map_err(|e| doc.err(e))?;
    let names = header.keys();
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut failed: Option<io::Error> = None;
    let mut first = true;
    if ctx.json {
        let head = json!({"file": file.display().to_string(), "columns": names});
        let head = head.to_string();
        // Stream: the object's opening keys, then one row object at a time.
        let open = format!("{},\"rows\":[", &head[..head.len() - 1]);
        out.write_all(open.as_bytes()).map_err(stdout_err)?;
    }
    let mut each = |r: &csv::Record<'_>| {
        let written = if ctx.json {
            write_json_row(&mut out, r, &names, first)
        } else {
            out.write_all(r.raw().unwrap_or_default())
        };
        first = false;
        match written {
            Ok(()) => Ok(Flow::Continue),
            Err(e) => {
                failed = Some(e);
                Ok(Flow::Stop)
            }
        }
    };
    let report = csv::read_rows(
        doc.source(),
        &dialect,
        &header,
        rows.as_ref(),
        conds,
        &mut chunker,
        &mut each,
    )
    .map_err(|e| doc.err(e))?;
    if let Some(e) = failed {
        return Err(stdout_err(e));
    }
    ctx.note("matched", report.matched);
    if ctx.json {
        let mut tail = skipped_json(&report);
        tail.insert("count".into(), report.matched.into());
        let tail = serde_json::Value::Object(tail).to_string();
        writeln!(out, "],{}", &tail[1..]).map_err(stdout_err)?;
    } else {
        warn_skipped(file, &report);
    }
    out.flush().map_err(stdout_err)
}

/// Writes `{"row":N,"offset":O,"values":{"col":"value",...}}`, keys in column order.
fn write_json_row(
    out: &mut dyn Write,
    r: &csv::Record<'_>,
    names: &[String],
    first: bool,
) -> io::Result<()> {
    if !first {
        out.write_all(b",")?;
    }
    write!(out, "{{\"row\":{},\"offset\":{},\"values\":{{", r.number(), r.range().start)?;
    for (i, (name, value)) in names.iter().zip(r.iter()).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, name)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, &String::from_utf8_lossy(value))?;
    }
    out.write_all(b"}}")
}
