//! The editing commands: plan a patch with the core, then print its diff (`--dry-run`) or
//! commit it atomically.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use bigedit_core::{
    check_steps, check_version, diff, parse_byte_range, plan_edits, Content, Drain, Edit,
    LineRange, Pass, Patch, Planned, Sink, Step, Tally, WriteError,
};
use serde_json::{json, Map, Value};

use super::args::{self, Command};
use super::output::{self, stdout_err};
use super::read::open_indexed;
use super::Ctx;
use crate::error::{Error, Result};
use crate::Document;

/// Runs an editing command.
pub fn run(ctx: &Ctx, command: &Command) -> Result<()> {
    let (file, flags) = match command {
        Command::ReplaceLines { file, edit, .. }
        | Command::Insert { file, edit, .. }
        | Command::DeleteLines { file, edit, .. }
        | Command::Replace { file, edit, .. }
        | Command::Splice { file, edit, .. }
        | Command::Apply { file, edit, .. } => (file.as_path(), edit),
        _ => return Err(Error::Usage("not an editing command".to_string())),
    };
    let steps = match to_edit(command)? {
        Some(e) => vec![Step { edit: e, expect: flags.expect }],
        None => match command {
            Command::Apply { edits, .. } => read_edit_list(edits)?,
            _ => Vec::new(),
        },
    };
    let edits: Vec<Edit> = steps.iter().map(|s| s.edit.clone()).collect();
    // Find & replace and splices need no line index: use a cached one (to shift it after the
    // commit) but never scan for one. Line edits and diffs need it.
    let mut doc = if flags.dry_run || edits.iter().any(Edit::needs_line_index) {
        open_indexed(ctx, file)?
    } else {
        let mut doc = super::read::open(ctx, file)?;
        doc.try_cached_index();
        doc
    };
    if flags.expect.is_some() && matches!(command, Command::Apply { .. }) {
        return Err(Error::Usage(
            "--expect takes a single edit; in an apply list give each edit its own \"expect\""
                .to_string(),
        ));
    }
    // The whole-file version `info --json` prints stands for every byte: an edit expecting it
    // goes ahead when the file is exactly as it was then.
    let mut steps = steps;
    if steps.iter().any(|s| s.expect.is_some()) {
        let whole = doc.version()?;
        for step in &mut steps {
            step.expect = step.expect.filter(|v| *v != whole);
        }
    }
    // Checked under the exclusive lock, so nothing can change between check and commit.
    let mut chunker = doc.chunker();
    let checked = match steps.as_slice() {
        // A single command reports a stale region without an edit-list position.
        [Step { edit, expect: Some(expected) }] if !matches!(command, Command::Apply { .. }) => {
            edit.region(doc.source(), doc.loaded_index())
                .and_then(|r| check_version(doc.source(), r, *expected, &mut chunker))
        }
        _ => check_steps(doc.source(), doc.loaded_index(), &steps, &mut chunker),
    };
    checked.map_err(|e| doc.err(e))?;
    // A find & replace may change every line of the file: commit (or diff) it as it is
    // planned.
    if let (false, [Edit::Replace { find, with, regex, max }]) =
        (matches!(command, Command::Apply { .. }), edits.as_slice())
    {
        let pass =
            bigedit_core::text::Replacer::new(find, with.as_bytes(), *regex, *max, doc.len())
                .map_err(|e| doc.err(e.into()))?;
        if flags.dry_run {
            return print_diff_drained(ctx, &mut doc, file, pass, |()| Ok(Map::new()));
        }
        return commit_pass(ctx, &mut doc, file, pass, flags, |()| Ok(Map::new()));
    }
    let patch = {
        let index = doc.loaded_index();
        let mut chunker = doc.chunker();
        let planned = match (command, edits.as_slice()) {
            // A single command reports its error without an edit-list position.
            (Command::Apply { .. }, _) | (_, []) => {
                plan_edits(doc.source(), index, &edits, &mut chunker)
            }
            (_, [edit, ..]) => edit.plan(doc.source(), index, &mut chunker),
        };
        planned.map_err(|e| doc.err(e))?
    };
    finish(ctx, &mut doc, file, &patch, flags, Map::new())
}

/// Finishes an editing command once its patch is planned: prints the diff (`--dry-run`) or
/// commits the patch with the strategy the flags choose, notes the audit facts, and prints the
/// result. Every editing command (lines, Markdown, CSV) ends here; `extra` fields (such as the
/// rows a CSV edit skipped) are added to the `--json` result.
pub(crate) fn finish(
    ctx: &Ctx,
    doc: &mut Document,
    file: &Path,
    patch: &Patch,
    flags: &args::EditFlags,
    extra: Map<String, Value>,
) -> Result<()> {
    if flags.dry_run {
        return print_diff(ctx, doc, file, |_, take| {
            take(patch)?;
            Ok(extra)
        });
    }
    crate::audit::note_patch(&mut ctx.audit.borrow_mut(), patch);
    let opts = flags.commit_options();
    let report = doc.commit_with(patch, &opts);
    crate::audit::note_commit(&mut ctx.audit.borrow_mut(), &report, &opts);
    print_commit(ctx, file, &report?, extra)
}

/// Runs `pass` over the document and commits its patch as it is planned
/// ([`Document::commit_drained`]: memory stays bounded whatever the number of changes), notes
/// the audit facts and prints the result. `accept` sees the pass's report before anything is
/// committed and returns the `--json` fields to add; its error abandons the edit.
pub(crate) fn commit_pass<P>(
    ctx: &Ctx,
    doc: &mut Document,
    file: &Path,
    pass: P,
    flags: &args::EditFlags,
    accept: impl FnOnce(&<P::Output as Planned>::Rest) -> Result<Map<String, Value>>,
) -> Result<()>
where
    P: Pass + Drain,
    P::Output: Planned,
{
    let opts = flags.commit_options();
    let before = doc.len();
    let mut extra = None;
    let done = doc.commit_drained(pass, &opts, |rest| {
        extra = Some(accept(rest)?);
        Ok(())
    });
    let report = done.map(|d| {
        let mut audit = ctx.audit.borrow_mut();
        crate::audit::note_changes(&mut audit, &d.first_ranges, d.report.changes, before);
        d.report
    });
    crate::audit::note_commit(&mut ctx.audit.borrow_mut(), &report, &opts);
    print_commit(ctx, file, &report?, extra.unwrap_or_default())
}

/// Prints the unified diff of what `pass` plans (`--dry-run`) and touches nothing. The patch
/// is taken in parts as the pass settles them, so memory holds one open hunk, not the patch.
/// `accept` sees the pass's report at the end (the diff is out by then) and returns the
/// `--json` fields to add.
pub(crate) fn print_diff_drained<P>(
    ctx: &Ctx,
    doc: &mut Document,
    file: &Path,
    pass: P,
    accept: impl FnOnce(&<P::Output as Planned>::Rest) -> Result<Map<String, Value>>,
) -> Result<()>
where
    P: Pass + Drain,
    P::Output: Planned,
{
    print_diff(ctx, doc, file, |doc, take| {
        let (last, rest) = doc.drain_pass(pass, |part| take(&part))?;
        take(&last)?;
        accept(&rest)
    })
}

/// Prints the unified diff of a patch (`--dry-run`), or its JSON form, and touches nothing:
/// `plan` hands the patch to `take` in sorted parts ([`diff::UnifiedDiff`]; a whole patch is
/// one part) and returns the `--json` fields to add. Notes the audit facts.
fn print_diff(
    ctx: &Ctx,
    doc: &mut Document,
    file: &Path,
    plan: impl FnOnce(&Document, &mut dyn FnMut(&Patch) -> Result<()>) -> Result<Map<String, Value>>,
) -> Result<()> {
    ctx.note("commit", "none (dry run)");
    if doc.loaded_index().is_none() {
        doc.index(&|_| {})?;
    }
    let doc: &Document = doc;
    let index = doc.loaded_index().expect("indexed above");
    let name = file.display().to_string();
    let mut out = DiffOut { out: io::BufWriter::new(io::stdout().lock()), json: ctx.json };
    if ctx.json {
        let head = json!({"file": name, "dry_run": true}).to_string();
        let head = format!("{},\"diff\":\"", &head[..head.len() - 1]);
        out.out.write_all(head.as_bytes()).map_err(stdout_err)?;
    }
    let mut diff = diff::UnifiedDiff::new(3, &name, &name);
    let mut tally = Tally::new(crate::audit::AUDIT_RANGES);
    let extra = plan(doc, &mut |part: &Patch| {
        tally.add(part);
        diff.push(doc.source(), index, part, &mut out).map_err(|e| diff_err(doc, e))
    })?;
    let cut = diff.finish(doc.source(), index, &mut out).map_err(|e| diff_err(doc, e))?;
    if cut > 0 {
        super::warn(&format!(
            "{name}: the diff cuts {cut} line{} longer than {} (marked '\\ bigedit: line cut'), so it does not apply as a patch",
            if cut == 1 { "" } else { "s" },
            format_args!("{} MiB", diff::LINE_SHOWN >> 20),
        ));
    }
    let before = doc.len();
    crate::audit::note_changes(
        &mut ctx.audit.borrow_mut(),
        &tally.first_ranges,
        tally.changes,
        before,
    );
    if ctx.json {
        let tail = with_extra(
            json!({
                "changes": tally.changes,
                "bytes_before": before,
                "bytes_after": tally.len_after(before),
            }),
            extra,
        )
        .to_string();
        writeln!(out.out, "\",{}", &tail[1..]).map_err(stdout_err)?;
    }
    out.out.flush().map_err(stdout_err)
}

/// Where a streamed diff goes: standard output as it is, or as the text of a JSON string.
struct DiffOut<W: Write> {
    out: W,
    json: bool,
}

impl<W: Write> Sink for DiffOut<W> {
    type Error = io::Error;

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !self.json {
            return self.out.write_all(bytes);
        }
        // The diff writes whole lines, so no character is split between two writes.
        let text = serde_json::to_string(&String::from_utf8_lossy(bytes))?;
        self.out.write_all(&text.as_bytes()[1..text.len() - 1])
    }
}

/// The error of a diff being written to standard output.
fn diff_err(doc: &Document, e: WriteError<io::Error, io::Error>) -> Error {
    match e {
        WriteError::Source(e) => doc.err(e),
        WriteError::Sink(e) => stdout_err(e),
    }
}

/// Prints what a commit did: one line, or a JSON object with `extra` merged in.
pub(crate) fn print_commit(
    ctx: &Ctx,
    file: &Path,
    report: &crate::CommitReport,
    extra: Map<String, Value>,
) -> Result<()> {
    let object = report.stats.strategy == crate::Strategy::Object;
    let mut extra = extra;
    if object {
        // What moved: new bytes (and their padding) up, the rest copied by the server.
        extra.insert("uploaded".into(), report.stats.bytes_written.into());
        extra.insert("copied".into(), report.stats.bytes_copied.into());
        extra.insert("parts".into(), report.stats.parts.into());
    }
    if ctx.json {
        return output::json(&with_extra(
            json!({
                "file": file.display().to_string(),
                "changes": report.changes,
                "bytes_before": report.bytes.0,
                "bytes_after": report.bytes.1,
                "lines_before": report.lines.map(|l| l.0),
                "lines_after": report.lines.map(|l| l.1),
                "committed": report.changes > 0,
                "commit": report.stats.strategy.as_str(),
                "journaled": report.stats.journaled,
                "carried": report.stats.carried,
            }),
            extra,
        ));
    }
    let lines = report.lines.map_or(String::new(), |(a, b)| format!(", {a} -> {b} lines"));
    output::line(&format!(
        "{}: {} change{}, {} -> {} bytes{lines}{}",
        file.display(),
        report.changes,
        if report.changes == 1 { "" } else { "s" },
        report.bytes.0,
        report.bytes.1,
        if report.changes == 0 { " (file untouched)" } else { "" },
    ))?;
    if object && report.changes > 0 {
        output::line(&format!(
            "{}: uploaded {} bytes, {} copied by the server, {} part{}",
            file.display(),
            report.stats.bytes_written,
            report.stats.bytes_copied,
            report.stats.parts,
            if report.stats.parts == 1 { "" } else { "s" },
        ))?;
    }
    if report.stats.carried > 0 {
        output::line(&format!(
            "{}: carried over {} bytes another process appended while the edit ran",
            file.display(),
            report.stats.carried
        ))?;
    }
    Ok(())
}

/// Refuses the edit unless bytes `region` of the file still have the `--expect` version (when
/// one was given). Call it under the exclusive lock, before planning.
pub(crate) fn check_expect(
    doc: &Document,
    region: std::ops::Range<u64>,
    flags: &args::EditFlags,
) -> Result<()> {
    let Some(expected) = flags.expect else { return Ok(()) };
    if expected == doc.version()? {
        // The whole-file version of `info --json`: nothing changed since.
        return Ok(());
    }
    check_version(doc.source(), region, expected, &mut doc.chunker()).map_err(|e| doc.err(e))
}

/// The single edit a command stands for (`None` for `apply`).
fn to_edit(command: &Command) -> Result<Option<Edit>> {
    Ok(Some(match command {
        Command::ReplaceLines { lines, content, file, .. } => {
            check_lines(file, lines)?;
            Edit::ReplaceLines {
                lines: bigedit_core::LinesArg::Spec(lines.clone()),
                with: Content(content_bytes(content)?),
            }
        }
        Command::DeleteLines { lines, file, .. } => {
            check_lines(file, lines)?;
            Edit::DeleteLines { lines: bigedit_core::LinesArg::Spec(lines.clone()) }
        }
        Command::Insert { after, before, content, .. } => {
            Edit::Insert { after: *after, before: *before, with: Content(content_bytes(content)?) }
        }
        Command::Replace { find, with, regex, max, .. } => Edit::Replace {
            find: find.clone(),
            with: with.as_str().into(),
            regex: *regex,
            max: *max,
        },
        Command::Splice { bytes, content, file, .. } => {
            parse_byte_range(bytes).map_err(|e| Error::edit(file, e))?;
            Edit::Splice { bytes: bytes.clone(), with: Content(content_bytes(content)?) }
        }
        _ => return Ok(None),
    }))
}

/// Parses a LINES argument early so a typo is a usage error before the file is indexed.
fn check_lines(file: &Path, lines: &str) -> Result<()> {
    lines.parse::<LineRange>().map(|_| ()).map_err(|e| Error::edit(file, e))
}

/// The content of `--with`, `--from`, or standard input.
pub(crate) fn content_bytes(content: &args::Content) -> Result<Vec<u8>> {
    if let Some(text) = &content.with {
        return Ok(text.clone().into_bytes());
    }
    match &content.from {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read(p).map_err(|e| Error::io(p, "read content", e))
        }
        Some(_) => non_empty(read_stdin()?),
        None if io::stdin().is_terminal() => Err(Error::Usage(
            "no content: give --with TEXT, --from PATH, or pipe it on stdin".to_string(),
        )),
        None => non_empty(read_stdin()?),
    }
}

/// Refuses empty content from standard input: a closed stdin (cron, CI, `ssh host cmd
/// </dev/null`) must not delete what it replaces. Empty content is said with `--with ''`.
fn non_empty(bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::Usage(
            "standard input is empty: refusing to replace with nothing (say --with '' for \
             empty content, or use delete-lines); nothing was changed"
                .to_string(),
        ));
    }
    Ok(bytes)
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    io::stdin().read_to_end(&mut buf).map_err(|e| Error::io(Path::new("<stdin>"), "read", e))?;
    Ok(buf)
}

/// Reads and parses an `apply` edit list.
fn read_edit_list(path: &Path) -> Result<Vec<Step>> {
    let bytes = if path.as_os_str() == "-" {
        read_stdin()?
    } else {
        std::fs::read(path).map_err(|e| Error::io(path, "read edit list", e))?
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Usage(format!("{}: invalid edit list: {e}", path.display())))
}

/// `result` (a JSON object) with the fields of `extra` added.
fn with_extra(mut result: Value, extra: Map<String, Value>) -> Value {
    if let Value::Object(fields) = &mut result {
        fields.extend(extra);
    }
    result
}
