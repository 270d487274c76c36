//! The CSV record operations and semantic chunks of a [`Document`]: thin delegates to
//! `bigedit_core::csv` and `bigedit_core::chunks`. Options arrive as plain JavaScript objects;
//! conditions and assignments are CLI-style strings parsed by the core.

use bigedit_core::chunks::{Chunk, ChunkScanner, Format};
use bigedit_core::csv::{
    self, AddColumn, Assignment, Condition, DeleteRows, Dialect, Header, Newline, Overrides,
    ReadRows, RecordIndex, RecordIndexBuilder, RemoveColumn, Report, Row, SetCells,
};
use bigedit_core::{EditError, FileKind, Flow, Patch, ReadAt, Scanner};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{core_error, edit_error, to_f64, to_u64, type_error};
use crate::{pair, set, Document, Kind, Pass};

/// The record index of the view, with the header and dialect it was built with.
#[derive(Debug, Clone)]
pub(crate) struct CsvIndex {
    index: RecordIndex,
    dialect: Dialect,
}

impl CsvIndex {
    /// The index after a cell edit (record boundaries kept).
    pub(crate) fn shifted(&self, patch: &Patch) -> CsvIndex {
        CsvIndex { index: self.index.shifted(patch), ..self.clone() }
    }
}

/// A planner pass of the CSV record edits.
pub(crate) enum CsvEdit {
    Set(SetCells),
    Delete(DeleteRows),
    Add(AddColumn),
    Remove(RemoveColumn),
}

/// A CSV pass: what [`Kind::Csv`] runs.
pub(crate) enum CsvPass {
    Index(Box<RecordIndexBuilder>, Header, Dialect),
    Rows(Box<ReadRows<Vec<Row>>>),
    Count(Box<ReadRows<()>>),
    /// The planner, its op and description, and whether a skipped row is an error.
    Edit(Box<CsvEdit>, &'static str, String, bool),
    /// The scanner and the chunks taken from it so far.
    Chunks(Box<ChunkScanner>, Vec<Chunk>),
}

impl CsvPass {
    /// Feeds the next chunk.
    pub(crate) fn feed(&mut self, at: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        match self {
            CsvPass::Index(b, ..) => b.feed(at, chunk),
            CsvPass::Rows(p) => p.feed(at, chunk),
            CsvPass::Count(p) => p.feed(at, chunk),
            CsvPass::Edit(edit, ..) => match edit.as_mut() {
                CsvEdit::Set(p) => p.feed(at, chunk),
                CsvEdit::Delete(p) => p.feed(at, chunk),
                CsvEdit::Add(p) => p.feed(at, chunk),
                CsvEdit::Remove(p) => p.feed(at, chunk),
            },
            CsvPass::Chunks(s, got) => {
                let flow = s.feed(at, chunk)?;
                got.extend(s.take_chunks());
                Ok(flow)
            }
        }
    }
}

/// A string property of `opts`, if set.
fn get(opts: &JsValue, key: &str) -> Option<JsValue> {
    if !opts.is_object() {
        return None;
    }
    Reflect::get(opts, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// One byte of a dialect option (`delimiter` or `quote`): a one-character ASCII string.
fn byte_option(opts: &JsValue, key: &str) -> Result<Option<u8>, JsValue> {
    let Some(v) = get(opts, key) else { return Ok(None) };
    match v.as_string() {
        Some(s) if s.len() == 1 && s.is_ascii() => Ok(Some(s.as_bytes()[0])),
        Some(s) if s == "\\t" => Ok(Some(b'\t')),
        _ => Err(type_error(&format!("{key} must be one ASCII character"))),
    }
}

/// The strings of array property `key` of `opts` (none when unset).
fn strings(opts: &JsValue, key: &str) -> Result<Vec<String>, JsValue> {
    let Some(v) = get(opts, key) else { return Ok(Vec::new()) };
    let Some(arr) = v.dyn_ref::<Array>() else {
        return Err(type_error(&format!("{key} must be an array of strings")));
    };
    arr.iter()
        .map(|s| s.as_string().ok_or_else(|| type_error(&format!("{key} must hold strings"))))
        .collect()
}

fn conditions(opts: &JsValue) -> Result<Vec<Condition>, JsValue> {
    strings(opts, "where")?
        .iter()
        .map(|s| Condition::parse(s).map_err(|e| edit_error(e.into())))
        .collect()
}

/// The core's report as `{ rows, matched, changed, skippedCount, skipped }`.
fn report_to_js(r: &Report) -> JsValue {
    let o = Object::new();
    set(&o, "rows", to_f64(r.rows));
    set(&o, "matched", to_f64(r.matched));
    set(&o, "changed", to_f64(r.changed));
    set(&o, "skippedCount", to_f64(r.skipped_count));
    let skipped: Array = r
        .skipped
        .iter()
        .map(|s| {
            let o = Object::new();
            set(&o, "record", to_f64(s.record));
            set(&o, "offset", to_f64(s.offset));
            set(&o, "fields", s.fields as u32);
            set(&o, "expected", s.expected as u32);
            JsValue::from(o)
        })
        .collect();
    set(&o, "skipped", skipped);
    o.into()
}

fn row_to_js(r: &Row) -> JsValue {
    let o = Object::new();
    set(&o, "record", to_f64(r.number));
    set(&o, "offset", to_f64(r.offset));
    let fields: Array =
        r.fields.iter().map(|f| JsValue::from(String::from_utf8_lossy(f).as_ref())).collect();
    set(&o, "fields", fields);
    o.into()
}

fn chunk_to_js(c: &Chunk) -> JsValue {
    let o = Object::new();
    set(&o, "bytes", pair(c.range.start, c.range.end));
    set(&o, "lines", pair(*c.lines.start(), *c.lines.end()));
    set(&o, "boundary", c.boundary.as_str());
    if !c.heading_path.is_empty() {
        let path: Array = c.heading_path.iter().map(|s| JsValue::from(s.as_str())).collect();
        set(&o, "headingPath", path);
    }
    if let Some(r) = &c.records {
        set(&o, "records", pair(*r.start(), *r.end()));
    }
    if let Some(text) = &c.text {
        set(&o, "text", String::from_utf8_lossy(text).as_ref());
    }
    o.into()
}

impl Document {
    /// The dialect of the view (detected from its start), with the overrides of `opts`.
    fn dialect(&self, opts: &JsValue) -> Result<Dialect, JsValue> {
        let overrides = Overrides {
            delimiter: byte_option(opts, "delimiter")?,
            quote: byte_option(opts, "quote")?,
            has_header: get(opts, "header").map(|v| v.is_truthy()),
        };
        Dialect::detect(&self.view, &overrides).map_err(core_error)
    }

    /// The dialect and header of the view.
    fn header(&mut self, opts: &JsValue) -> Result<(Dialect, Header), JsValue> {
        let dialect = self.dialect(opts)?;
        dialect.check().map_err(|e| edit_error(e.into()))?;
        let header = Header::read(&self.view, &dialect, &mut self.chunker).map_err(core_error)?;
        Ok((dialect, header))
    }

    /// Where a scan of data rows from `row` on may start: the record index's checkpoint when
    /// it was built with `dialect`, else the first data row.
    fn row_start(&self, dialect: &Dialect, header: &Header, row: u64) -> (u64, u64) {
        match &self.csv {
            Some(c) if c.dialect == *dialect => c.index.checkpoint_before(row),
            _ => (1, header.data_start()),
        }
    }

    fn begin_csv(&self, start: u64, pass: CsvPass) -> Pass {
        self.begin(start, Kind::Csv(pass))
    }

    /// Ends a CSV pass (see [`Document::finish`]).
    pub(crate) fn finish_csv(&mut self, pass: CsvPass) -> Result<JsValue, JsValue> {
        use bigedit_core::Pass as _;
        match pass {
            CsvPass::Index(builder, header, dialect) => {
                let index = builder.finish().map_err(edit_error)?;
                let o = Object::new();
                set(&o, "records", to_f64(index.row_count()));
                let names: JsValue = match header.names() {
                    Some(n) => {
                        n.iter().map(|s| JsValue::from(s.as_str())).collect::<Array>().into()
                    }
                    None => JsValue::NULL,
                };
                set(&o, "header", names);
                set(&o, "delimiter", String::from(char::from(dialect.delimiter)));
                set(&o, "quote", String::from(char::from(dialect.quote)));
                let newline = match dialect.newline {
                    Newline::Lf => "LF",
                    Newline::Crlf => "CRLF",
                    Newline::Cr => "CR",
                };
                set(&o, "newline", newline);
                set(&o, "hasHeader", dialect.has_header);
                self.csv = Some(CsvIndex { index, dialect });
                Ok(o.into())
            }
            CsvPass::Rows(p) => {
                let (_, rows) = p.finish().map_err(edit_error)?;
                Ok(rows.iter().map(row_to_js).collect::<Array>().into())
            }
            CsvPass::Count(p) => {
                let (r, ()) = p.finish().map_err(edit_error)?;
                let o = Object::new();
                set(&o, "rows", to_f64(r.rows));
                set(&o, "matched", to_f64(r.matched));
                set(&o, "skipped", to_f64(r.skipped_count));
                Ok(o.into())
            }
            CsvPass::Edit(edit, op, description, strict) => {
                let (patch, report) = match *edit {
                    CsvEdit::Set(p) => p.finish(),
                    CsvEdit::Delete(p) => p.finish(),
                    CsvEdit::Add(p) => p.finish(),
                    CsvEdit::Remove(p) => p.finish(),
                }
                .map_err(edit_error)?;
                if strict {
                    report.strict().map_err(|e| edit_error(e.into()))?;
                }
                self.stage(patch, op, description)?;
                Ok(report_to_js(&report))
            }
            CsvPass::Chunks(mut s, mut got) => {
                s.finish().map_err(edit_error)?;
                got.extend(s.take_chunks());
                Ok(got.iter().map(chunk_to_js).collect::<Array>().into())
            }
        }
    }
}

#[wasm_bindgen]
impl Document {
    /// A pass that builds the record index of the view (`opts`: dialect overrides
    /// `{ delimiter, quote, header }`). Its result: `{ records, header, delimiter, quote,
    /// newline, hasHeader }`.
    ///
    /// # Errors
    ///
    /// A dialect that cannot be used, or a header record over the limit.
    #[wasm_bindgen(js_name = beginCsvIndex)]
    pub fn begin_csv_index(&mut self, opts: JsValue) -> Result<Pass, JsValue> {
        let (dialect, header) = self.header(&opts)?;
        let builder = RecordIndex::builder(&header, &dialect);
        Ok(self.begin_csv(0, CsvPass::Index(Box::new(builder), header, dialect)))
    }

    /// Whether the record index of the view is known (else run `beginCsvIndex`).
    #[wasm_bindgen(getter, js_name = hasCsvIndex)]
    pub fn has_csv_index(&self) -> bool {
        self.csv.is_some()
    }

    /// A pass that reads data rows `a..=b` (1-based) where the `where` conditions of `opts`
    /// hold, starting at the record index's checkpoint before `a` when there is one. Without
    /// conditions, rows with the wrong number of fields are included. Its result:
    /// `[{ record, offset, fields }]`.
    ///
    /// # Errors
    ///
    /// A `RangeError` for row 0 or a reversed range (a range past the end fails when the pass
    /// ends); a `TypeError` for a bad condition or an unknown column.
    #[wasm_bindgen(js_name = beginCsvRows)]
    pub fn begin_csv_rows(&mut self, a: f64, b: f64, opts: JsValue) -> Result<Pass, JsValue> {
        let (a, b) = (to_u64(a, "first record")?, to_u64(b, "last record")?);
        let conds = conditions(&opts)?;
        let (dialect, header) = self.header(&opts)?;
        let from = self.row_start(&dialect, &header, a);
        let pass = ReadRows::new(&header, &dialect, &conds, Vec::new())
            .and_then(|p| p.with_ragged(conds.is_empty()).only_rows(a..=b, from, &dialect))
            .map_err(|e| edit_error(e.into()))?;
        Ok(self.begin_csv(from.1, CsvPass::Rows(Box::new(pass))))
    }

    /// A pass that counts the data rows, those where the `where` conditions of `opts` hold,
    /// and those skipped for a wrong number of fields: `{ rows, matched, skipped }`.
    ///
    /// # Errors
    ///
    /// A bad condition or an unknown column.
    #[wasm_bindgen(js_name = beginCsvCount)]
    pub fn begin_csv_count(&mut self, opts: JsValue) -> Result<Pass, JsValue> {
        let conds = conditions(&opts)?;
        let (dialect, header) = self.header(&opts)?;
        let pass =
            ReadRows::new(&header, &dialect, &conds, ()).map_err(|e| edit_error(e.into()))?;
        Ok(self.begin_csv(header.data_start(), CsvPass::Count(Box::new(pass))))
    }

    /// A pass that plans setting the `set` assignments of `opts` (`"col=value"`) in the rows
    /// where its `where` conditions hold; finishing it stages the edit (refused, with
    /// `strict`, when a row has the wrong number of fields) and returns the report.
    ///
    /// # Errors
    ///
    /// A bad condition or assignment, or an unknown column.
    #[wasm_bindgen(js_name = beginCsvSet)]
    pub fn begin_csv_set(&mut self, opts: JsValue) -> Result<Pass, JsValue> {
        let conds = conditions(&opts)?;
        let set_text = strings(&opts, "set")?;
        let sets = set_text
            .iter()
            .map(|s| Assignment::parse(s).map_err(|e| edit_error(e.into())))
            .collect::<Result<Vec<_>, _>>()?;
        let (dialect, header) = self.header(&opts)?;
        let pass = SetCells::new(&header, &dialect, &conds, &sets, self.view.len())
            .map_err(|e| edit_error(e.into()))?;
        let description = describe("csv set", &strings(&opts, "where")?, &set_text);
        let strict = get(&opts, "strict").is_some_and(|v| v.is_truthy());
        Ok(self.begin_csv(
            0,
            CsvPass::Edit(Box::new(CsvEdit::Set(pass)), "csv-set", description, strict),
        ))
    }

    /// A pass that plans deleting the rows where the `where` conditions of `opts` hold (as
    /// `beginCsvSet`).
    ///
    /// # Errors
    ///
    /// A bad condition or an unknown column.
    #[wasm_bindgen(js_name = beginCsvDelete)]
    pub fn begin_csv_delete(&mut self, opts: JsValue) -> Result<Pass, JsValue> {
        let conds = conditions(&opts)?;
        let (dialect, header) = self.header(&opts)?;
        let pass = DeleteRows::new(&header, &dialect, &conds, self.view.len())
            .map_err(|e| edit_error(e.into()))?;
        let description = describe("csv delete", &strings(&opts, "where")?, &[]);
        let strict = get(&opts, "strict").is_some_and(|v| v.is_truthy());
        Ok(self.begin_csv(
            0,
            CsvPass::Edit(Box::new(CsvEdit::Delete(pass)), "csv-delete", description, strict),
        ))
    }

    /// A pass that plans adding column `name` holding `value`, after column `opts.after` (at
    /// the end when unset).
    ///
    /// # Errors
    ///
    /// A file without header, a column that exists, or an unknown `after` column.
    #[wasm_bindgen(js_name = beginCsvAddColumn)]
    pub fn begin_csv_add_column(
        &mut self,
        name: &str,
        value: &str,
        opts: JsValue,
    ) -> Result<Pass, JsValue> {
        let after = get(&opts, "after").and_then(|v| v.as_string());
        let (dialect, header) = self.header(&opts)?;
        let pass =
            AddColumn::new(&header, &dialect, name, value, after.as_deref(), self.view.len())
                .map_err(|e| edit_error(e.into()))?;
        let strict = get(&opts, "strict").is_some_and(|v| v.is_truthy());
        let description = format!("csv add-column {name:?}");
        Ok(self.begin_csv(
            0,
            CsvPass::Edit(Box::new(CsvEdit::Add(pass)), "csv-add-column", description, strict),
        ))
    }

    /// A pass that plans removing column `name`.
    ///
    /// # Errors
    ///
    /// An unknown column, or the only column.
    #[wasm_bindgen(js_name = beginCsvRemoveColumn)]
    pub fn begin_csv_remove_column(&mut self, name: &str, opts: JsValue) -> Result<Pass, JsValue> {
        let (dialect, header) = self.header(&opts)?;
        let pass = RemoveColumn::new(&header, &dialect, name, self.view.len())
            .map_err(|e| edit_error(e.into()))?;
        let strict = get(&opts, "strict").is_some_and(|v| v.is_truthy());
        let description = format!("csv remove-column {name:?}");
        let edit = Box::new(CsvEdit::Remove(pass));
        Ok(self.begin_csv(0, CsvPass::Edit(edit, "csv-remove-column", description, strict)))
    }

    /// Stages setting column `column` (a header name, or a 1-based number without header) of
    /// data row `record` to `value`; only that field's bytes change. A short scan from the
    /// record index's checkpoint when there is one. Keeps the record index (shifted).
    ///
    /// # Errors
    ///
    /// A `RangeError` for a row past the end; a `TypeError` for an unknown column or a row
    /// with the wrong number of fields.
    #[wasm_bindgen(js_name = csvSetCell)]
    pub fn csv_set_cell(
        &mut self,
        record: f64,
        column: &str,
        value: &str,
        opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let row = to_u64(record, "record")?;
        let (dialect, header) = self.header(&opts)?;
        let from = self.row_start(&dialect, &header, row);
        let patch = csv::set_cell(
            &self.view,
            &dialect,
            &header,
            from,
            row,
            column,
            value,
            &mut self.chunker,
        )
        .map_err(core_error)?;
        let n = self.stage(patch, "csv-set-cell", format!("csv set row {row} {column:?}"))?;
        Ok(crate::edit_report(n))
    }

    /// A pass that cuts the view into semantic chunks of at most `maxBytes`: `format` is
    /// `md`, `csv` or `text` (when unset, from the file name `name` if given, else text);
    /// `withText` keeps each chunk's text. Its result: `[{ bytes, lines, boundary,
    /// headingPath?, records?, text? }]`.
    ///
    /// # Errors
    ///
    /// An unknown format, `maxBytes` below 4, or a bad CSV dialect.
    #[wasm_bindgen(js_name = beginChunks)]
    pub fn begin_chunks(
        &mut self,
        max_bytes: f64,
        format: Option<String>,
        name: Option<String>,
        with_text: bool,
        opts: JsValue,
    ) -> Result<Pass, JsValue> {
        let max = to_u64(max_bytes, "maxBytes")?;
        let kind = match (format.as_deref(), name.as_deref()) {
            (Some("md" | "markdown"), _) => FileKind::Markdown,
            (Some("csv"), _) => FileKind::Csv,
            (Some("text"), _) => FileKind::Text,
            (Some(other), _) => {
                return Err(type_error(&format!(
                    "unknown chunk format {other:?}: expected md, csv or text"
                )))
            }
            (None, Some(name)) => FileKind::from_name(name),
            (None, None) => FileKind::Text,
        };
        let format = match kind {
            FileKind::Markdown => Format::Markdown,
            FileKind::Csv => Format::Csv(self.dialect(&opts)?),
            FileKind::Text => Format::Text,
        };
        let scanner = ChunkScanner::new(&format, max).map_err(edit_error)?.with_text(with_text);
        Ok(self.begin_csv(0, CsvPass::Chunks(Box::new(scanner), Vec::new())))
    }
}

/// A description of a CSV edit for the edit list: `csv set --where a --set b`.
fn describe(op: &str, conds: &[String], sets: &[String]) -> String {
    let mut out = op.to_string();
    for c in conds {
        out.push_str(&format!(" --where {c:?}"));
    }
    for s in sets {
        out.push_str(&format!(" --set {s:?}"));
    }
    out
}
