//! WebAssembly bindings for bigedit: `#[wasm_bindgen]` exports that delegate to
//! [`bigedit_core`]. Nothing is parsed here.
//!
//! A [`Document`] is an [`Overlay`] over a host source: a Blob read with `FileReaderSync`
//! ([`blob`]) or a JavaScript `readAt` callback ([`callback`]). Those sources serve random
//! reads only. Every full pass (index, find, replace-all, Markdown outline, save) is a
//! [`Pass`]: JavaScript streams the edited view (see `Document.viewPieces`) and pushes each
//! chunk with `pass.push(chunk)`, then hands the pass back to `doc.finish(pass)`. The pass
//! wraps the same core planner that native hosts drive with `Chunker::run`.
//!
//! Offsets cross the boundary as JavaScript numbers, checked to be whole and below 2^53.

pub mod blob;
pub mod callback;
mod csv;
pub mod error;
pub mod opfs;

pub use bigedit_core as core;

use bigedit_core::markdown::{self, Outline, OutlineBuilder, Place, Section};
use bigedit_core::{
    csv as core_csv, read_range, text, Chunker, Content, Edit, EditError, Flow, LineIndex,
    LineIndexBuilder, LineSplitter, LinesArg, LiteralFinder, LiteralReplacer, Match, Overlay,
    Patch, Piece, ReadAt, RegexFinder, RegexReplacer, Scanner, DEFAULT_CHUNK,
};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::blob::BlobSource;
use crate::callback::{CallbackSink, CallbackSource};
use crate::csv::{CsvIndex, CsvPass};
use crate::error::{core_error, edit_error, to_f64, to_u64, type_error, HostError};
use crate::opfs::{ByteSink, OpfsSink};

/// The document's source: a Blob or a reader callback.
#[derive(Debug, Clone)]
pub enum Source {
    /// A Blob or File read through `FileReaderSync`.
    Blob(BlobSource),
    /// A JavaScript `readAt(offset, length)` callback.
    Callback(CallbackSource),
}

impl ReadAt for Source {
    type Error = HostError;

    fn len(&self) -> u64 {
        match self {
            Source::Blob(b) => b.len(),
            Source::Callback(c) => c.len(),
        }
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, HostError> {
        match self {
            Source::Blob(b) => b.read_at(pos, buf),
            Source::Callback(c) => c.read_at(pos, buf),
        }
    }
}

/// One staged edit, with the line index of the view before it (for undo).
#[derive(Debug)]
struct Staged {
    op: String,
    description: String,
    index_before: Option<LineIndex>,
    csv_before: Option<CsvIndex>,
}

/// An open document: a source and the edits staged on it.
#[wasm_bindgen]
pub struct Document {
    view: Overlay<Source>,
    /// The line index of the current view, once `index` ran (shifted across edits).
    index: Option<LineIndex>,
    /// The Markdown outline of the current view, once an outline pass ran.
    outline: Option<Outline>,
    /// The CSV record index of the current view, once `beginCsvIndex` ran (shifted across
    /// cell edits, dropped by other edits).
    csv: Option<CsvIndex>,
    staged: Vec<Staged>,
    chunker: Chunker,
    /// Bumped by every change of the view, so a pass begun before it is refused.
    generation: u64,
}

/// Opens a Blob or File (in a worker: random reads use `FileReaderSync`).
///
/// # Errors
///
/// A `TypeError` outside a worker.
#[wasm_bindgen(js_name = openBlob)]
pub fn open_blob(blob: web_sys::Blob, chunk_size: Option<f64>) -> Result<Document, JsValue> {
    Document::new(Source::Blob(BlobSource::new(blob)?), chunk_size)
}

/// Opens a source of `size` bytes read through `source.readAt(offset, length)`.
///
/// # Errors
///
/// A `RangeError` for a bad size, a `TypeError` if `readAt` is not a function.
#[wasm_bindgen(js_name = openReader)]
pub fn open_reader(
    source: JsValue,
    size: f64,
    chunk_size: Option<f64>,
) -> Result<Document, JsValue> {
    let len = to_u64(size, "size")?;
    Document::new(Source::Callback(CallbackSource::new(source, len)?), chunk_size)
}

/// Sets `key` of `obj` to `value`.
fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property of a plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// `[a, b]` as a JavaScript array of numbers.
fn pair(a: u64, b: u64) -> Array {
    Array::of2(&to_f64(a).into(), &to_f64(b).into())
}

/// A match as `{ line, column, offset, length }`.
fn match_to_js(m: &Match) -> JsValue {
    let o = Object::new();
    set(&o, "line", to_f64(m.line));
    set(&o, "column", to_f64(m.column));
    set(&o, "offset", to_f64(m.offset));
    set(&o, "length", to_f64(m.len));
    o.into()
}

impl Document {
    fn new(source: Source, chunk_size: Option<f64>) -> Result<Document, JsValue> {
        let chunk = match chunk_size {
            Some(n) => to_u64(n, "chunkSize")?.clamp(1, 1 << 30) as usize,
            None => DEFAULT_CHUNK,
        };
        Ok(Document {
            view: Overlay::new(source),
            index: None,
            outline: None,
            csv: None,
            staged: Vec::new(),
            chunker: Chunker::new(chunk),
            generation: 0,
        })
    }

    fn index(&self, op: &'static str) -> Result<&LineIndex, JsValue> {
        self.index.as_ref().ok_or_else(|| edit_error(EditError::IndexRequired { op }))
    }

    fn outline(&self) -> Result<&Outline, JsValue> {
        self.outline.as_ref().ok_or_else(|| type_error("run the outline pass first"))
    }

    fn section(&self, path: &str) -> Result<&Section, JsValue> {
        self.outline()?.resolve(path).map_err(|e| edit_error(e.into()))
    }

    /// Stages `patch` (planned against the current view); returns the number of staged edits.
    fn stage(&mut self, patch: Patch, op: &str, description: String) -> Result<usize, JsValue> {
        if patch.is_empty() {
            return Ok(self.staged.len());
        }
        // Shifting reads a few bytes around every splice (a random read each); past
        // SHIFT_LIMIT splices one streaming re-index is cheaper, so the index is dropped and
        // engine.js rebuilds it.
        let shifted = match &self.index {
            Some(index) if patch.splices().len() <= SHIFT_LIMIT => {
                Some(index.shifted(&self.view, &patch).map_err(core_error)?)
            }
            _ => None,
        };
        // A cell edit keeps every record boundary: the record index moves with it.
        let csv_shifted = match &self.csv {
            Some(c) if op == "csv-set-cell" => Some(c.shifted(&patch)),
            _ => None,
        };
        self.view.stage(&patch).map_err(edit_error)?;
        let index_before = std::mem::replace(&mut self.index, shifted);
        let csv_before = std::mem::replace(&mut self.csv, csv_shifted);
        self.staged.push(Staged { op: op.to_string(), description, index_before, csv_before });
        self.view_changed();
        Ok(self.staged.len())
    }

    fn view_changed(&mut self) {
        self.generation += 1;
        self.outline = None;
    }

    /// Plans a line edit with the view's index and stages it.
    fn stage_edit(&mut self, edit: Edit) -> Result<JsValue, JsValue> {
        let op = edit.op();
        let index =
            self.index.as_ref().ok_or_else(|| edit_error(EditError::IndexRequired { op }))?;
        let patch = edit.plan(&self.view, Some(index), &mut self.chunker).map_err(core_error)?;
        let n = self.stage(patch, edit.op(), edit.describe())?;
        Ok(edit_report(n))
    }

    fn begin(&self, start: u64, kind: Kind) -> Pass {
        Pass {
            kind: Some(kind),
            generation: self.generation,
            start,
            end: self.view.len(),
            pos: start,
            stopped: false,
        }
    }

    fn section_to_js(outline: &Outline, s: &Section) -> JsValue {
        let o = Object::new();
        set(&o, "level", s.level as u32);
        set(&o, "title", s.title.as_str());
        set(&o, "path", outline.selector(s));
        set(&o, "lines", pair(*s.lines.start(), *s.lines.end()));
        set(&o, "bytes", pair(s.range.start, s.range.end));
        o.into()
    }
}

/// `{ edit: n }`: the number of staged edits after an edit.
fn edit_report(n: usize) -> JsValue {
    let o = Object::new();
    set(&o, "edit", n as u32);
    o.into()
}

#[wasm_bindgen]
impl Document {
    /// Bytes of the edited view.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        to_f64(self.view.len())
    }

    /// Bytes of the source.
    #[wasm_bindgen(getter, js_name = sourceSize)]
    pub fn source_size(&self) -> f64 {
        to_f64(self.view.source().len())
    }

    /// Lines of the edited view, or `undefined` before the index pass ran.
    #[wasm_bindgen(getter, js_name = lineCount)]
    pub fn line_count(&self) -> Option<f64> {
        self.index.as_ref().map(|i| to_f64(i.line_count()))
    }

    /// `LF`, `CRLF`, `mixed` or `none`, or `undefined` before the index pass ran.
    #[wasm_bindgen(getter)]
    pub fn ending(&self) -> Option<String> {
        self.index.as_ref().map(|i| i.ending().as_str().to_string())
    }

    /// Whether the Markdown outline of the current view is known (else run `beginOutline`).
    #[wasm_bindgen(getter, js_name = hasOutline)]
    pub fn has_outline(&self) -> bool {
        self.outline.is_some()
    }

    /// The pieces of the edited view, in order: `{ start, end }` for a range of the source
    /// (source offsets) and a `Uint8Array` for inserted bytes.
    #[wasm_bindgen(js_name = viewPieces)]
    pub fn view_pieces(&self) -> Array {
        let out = Array::new();
        for piece in self.view.patch().pieces() {
            match piece {
                Piece::Copy(r) if r.start < r.end => {
                    let o = Object::new();
                    set(&o, "start", to_f64(r.start));
                    set(&o, "end", to_f64(r.end));
                    out.push(&o);
                }
                Piece::Insert(bytes) if !bytes.is_empty() => {
                    out.push(&Uint8Array::from(bytes));
                }
                _ => {}
            }
        }
        out
    }

    /// Lines `a..=b` (1-based) of the view, without endings, decoded as lossy UTF-8.
    ///
    /// # Errors
    ///
    /// A `RangeError` for lines outside the view, a `TypeError` before the index pass.
    pub fn lines(&self, a: f64, b: f64) -> Result<Vec<String>, JsValue> {
        let (a, b) = (to_u64(a, "first line")?, to_u64(b, "last line")?);
        let range = self.index("lines")?.lines_to_bytes(&self.view, a..=b).map_err(core_error)?;
        let bytes = read_range(&self.view, range.clone()).map_err(core_error)?;
        let mut out = Vec::new();
        let mut push = |line: bigedit_core::Line<'_>| {
            out.push(String::from_utf8_lossy(line.text).into_owned());
            Ok(Flow::Continue)
        };
        let mut splitter = LineSplitter::new(usize::MAX);
        splitter.feed(range.start, &bytes, &mut push).map_err(edit_error)?;
        splitter.finish(&mut push).map_err(edit_error)?;
        Ok(out)
    }

    /// The view byte range `[start, end)` of lines `a..=b` (1-based; the end includes the last
    /// line's ending), as `[start, end]`. Runs in O(log c) plus one short scan per end.
    ///
    /// # Errors
    ///
    /// A `RangeError` for lines outside the view, a `TypeError` before the index pass.
    #[wasm_bindgen(js_name = lineBytes)]
    pub fn line_bytes(&self, a: f64, b: f64) -> Result<Vec<f64>, JsValue> {
        let (a, b) = (to_u64(a, "first line")?, to_u64(b, "last line")?);
        let range =
            self.index("lineBytes")?.lines_to_bytes(&self.view, a..=b).map_err(core_error)?;
        Ok(vec![to_f64(range.start), to_f64(range.end)])
    }

    /// The 1-based line that holds view byte `offset`.
    ///
    /// # Errors
    ///
    /// A `RangeError` for an offset past the end, a `TypeError` before the index pass.
    #[wasm_bindgen(js_name = lineOfByte)]
    pub fn line_of_byte(&self, offset: f64) -> Result<f64, JsValue> {
        let offset = to_u64(offset, "offset")?;
        let len = self.view.len();
        let past = || edit_error(EditError::BytesPastEnd { start: offset, end: offset, len });
        let index = self.index("lineOfByte")?;
        // 0-based; the end of a view that ends with a newline belongs to its last line.
        let line = index.byte_to_line(&self.view, offset).map_err(core_error)?.ok_or_else(past)?;
        Ok(to_f64((line + 1).min(index.line_count().max(1))))
    }

    /// View bytes `[a, b)`.
    ///
    /// # Errors
    ///
    /// A `RangeError` for a range outside the view.
    pub fn bytes(&self, a: f64, b: f64) -> Result<Vec<u8>, JsValue> {
        let range = to_u64(a, "start")?..to_u64(b, "end")?;
        read_range(&self.view, range).map_err(core_error)
    }

    /// Stages replacing lines `a..=b` with `text`.
    ///
    /// # Errors
    ///
    /// As the core's `replace_lines`; a `TypeError` before the index pass.
    #[wasm_bindgen(js_name = replaceLines)]
    pub fn replace_lines(&mut self, a: f64, b: f64, text: String) -> Result<JsValue, JsValue> {
        let (a, b) = (to_u64(a, "first line")?, to_u64(b, "last line")?);
        let lines = LinesArg::Spec(format!("{a}:{b}"));
        self.stage_edit(Edit::ReplaceLines { lines, with: Content(text.into_bytes()) })
    }

    /// Stages inserting `text` after line `after` (0: at the top).
    ///
    /// # Errors
    ///
    /// As the core's `insert_lines`; a `TypeError` before the index pass.
    #[wasm_bindgen(js_name = insertLines)]
    pub fn insert_lines(&mut self, after: f64, text: String) -> Result<JsValue, JsValue> {
        let after = Some(to_u64(after, "line")?);
        self.stage_edit(Edit::Insert { after, before: None, with: Content(text.into_bytes()) })
    }

    /// Stages deleting lines `a..=b`.
    ///
    /// # Errors
    ///
    /// As the core's `delete_lines`; a `TypeError` before the index pass.
    #[wasm_bindgen(js_name = deleteLines)]
    pub fn delete_lines(&mut self, a: f64, b: f64) -> Result<JsValue, JsValue> {
        let (a, b) = (to_u64(a, "first line")?, to_u64(b, "last line")?);
        self.stage_edit(Edit::DeleteLines { lines: LinesArg::Spec(format!("{a}:{b}")) })
    }

    /// Stages replacing view bytes `[a, b)` with `bytes`.
    ///
    /// # Errors
    ///
    /// A `RangeError` for a range outside the view.
    #[wasm_bindgen(js_name = spliceBytes)]
    pub fn splice_bytes(&mut self, a: f64, b: f64, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let range = to_u64(a, "start")?..to_u64(b, "end")?;
        let patch =
            text::splice_bytes(self.view.len(), range.clone(), bytes).map_err(edit_error)?;
        let n = self.stage(patch, "splice", format!("splice {}:{}", range.start, range.end))?;
        Ok(edit_report(n))
    }

    /// The staged edits, oldest first: `[{ op, description }]`.
    pub fn edits(&self) -> Array {
        self.staged
            .iter()
            .map(|s| {
                let o = Object::new();
                set(&o, "op", s.op.as_str());
                set(&o, "description", s.description.as_str());
                JsValue::from(o)
            })
            .collect()
    }

    /// Drops the most recent staged edit; returns whether there was one.
    pub fn undo(&mut self) -> bool {
        match self.staged.pop() {
            Some(s) => {
                self.view.undo();
                self.index = s.index_before;
                self.csv = s.csv_before;
                self.view_changed();
                true
            }
            None => false,
        }
    }

    /// A pass that builds the line index of the view.
    #[wasm_bindgen(js_name = beginIndex)]
    pub fn begin_index(&self) -> Pass {
        self.begin(0, Kind::Index(LineIndexBuilder::new()))
    }

    /// A pass that finds up to `max` matches of `pattern` (a literal, or a regex matched line
    /// by line) from view offset `from`, which snaps back to the start of its line (a `from`
    /// other than 0 needs the index).
    ///
    /// # Errors
    ///
    /// A `TypeError` for an empty pattern or a bad regex.
    #[wasm_bindgen(js_name = beginFind)]
    pub fn begin_find(
        &self,
        pattern: String,
        regex: bool,
        max: Option<f64>,
        from: Option<f64>,
    ) -> Result<Pass, JsValue> {
        let max = max.map(|m| to_u64(m, "max")).transpose()?;
        let from = to_u64(from.unwrap_or(0.0), "from")?;
        let (start, line) = if from == 0 {
            (0, 1)
        } else {
            let index = self.index("find --from")?;
            let past = || {
                edit_error(EditError::BytesPastEnd { start: from, end: from, len: self.view.len() })
            };
            // Both 0-based: the line holding `from`, and where it starts.
            let line =
                index.byte_to_line(&self.view, from).map_err(core_error)?.ok_or_else(past)?;
            let start =
                index.line_to_byte(&self.view, line).map_err(core_error)?.ok_or_else(past)?;
            (start, line + 1)
        };
        let kind = if regex {
            let re = text::compile_regex(&pattern).map_err(edit_error)?;
            Kind::FindRegex(RegexFinder::new(re, max).starting_at_line(line))
        } else {
            let finder = LiteralFinder::new(pattern.as_bytes(), max).map_err(edit_error)?;
            Kind::FindLiteral(finder.starting_at_line(start, line).into_owned())
        };
        Ok(self.begin(start, kind))
    }

    /// A pass that plans replacing every match of `pattern` with `replacement` (`$1` etc. with
    /// a regex); finishing it stages the edit.
    ///
    /// # Errors
    ///
    /// A `TypeError` for an empty pattern or a bad regex.
    #[wasm_bindgen(js_name = beginReplaceAll)]
    pub fn begin_replace_all(
        &self,
        pattern: String,
        replacement: String,
        regex: bool,
    ) -> Result<Pass, JsValue> {
        let len = self.view.len();
        let description = format!("replace {pattern:?}");
        let kind = if regex {
            let re = text::compile_regex(&pattern).map_err(edit_error)?;
            text::check_groups(&re, replacement.as_bytes()).map_err(edit_error)?;
            Kind::ReplaceRegex(
                RegexReplacer::new(re, replacement.as_bytes(), None, len),
                description,
            )
        } else {
            let r = LiteralReplacer::new(pattern.as_bytes(), replacement.as_bytes(), None, len)
                .map_err(edit_error)?;
            Kind::ReplaceLiteral(r.into_owned(), description)
        };
        Ok(self.begin(0, kind))
    }

    /// A pass that reads the Markdown outline of the view.
    #[wasm_bindgen(js_name = beginOutline)]
    pub fn begin_outline(&self) -> Pass {
        self.begin(0, Kind::Outline(OutlineBuilder::new(markdown::Options::default())))
    }

    /// A pass that writes the view into `sink`: an OPFS `FileSystemSyncAccessHandle` (when
    /// `opfs` is true) or an object with `write(bytes, at)` and optional `flush()`, `close()`.
    /// Finishing it flushes and closes the sink.
    ///
    /// # Errors
    ///
    /// A `TypeError` for a sink without `write`.
    #[wasm_bindgen(js_name = beginSave)]
    pub fn begin_save(&self, sink: JsValue, opfs: bool) -> Result<Pass, JsValue> {
        let sink: Box<dyn ByteSink> = if opfs {
            Box::new(OpfsSink::new(sink.unchecked_into()))
        } else {
            Box::new(CallbackSink::new(sink)?)
        };
        Ok(self.begin(0, Kind::Save(sink, Vec::new())))
    }

    /// Ends `pass` (every chunk of its range pushed, or it asked to stop) and returns its
    /// result: `{ lines, ending }` for the index, matches for find, `{ replaced, edit }` for
    /// replace-all, the sections for the outline, `{ size }` for save.
    ///
    /// # Errors
    ///
    /// The pass's error; an `Error` if the view changed since the pass began or the pass
    /// was not fed to its end.
    pub fn finish(&mut self, mut pass: Pass) -> Result<JsValue, JsValue> {
        let kind = pass.kind.take().ok_or_else(|| type_error("this pass already ended"))?;
        if pass.generation != self.generation {
            return Err(js_sys::Error::new("the document changed during the pass").into());
        }
        if !pass.stopped && pass.pos != pass.end {
            let e = EditError::ShortRead { offset: pass.pos, len: pass.end };
            return Err(js_sys::Error::new(&format!("pass ended early: {e}")).into());
        }
        match kind {
            Kind::Index(b) => {
                let index = bigedit_core::Pass::finish(b).map_err(edit_error)?;
                let o = Object::new();
                set(&o, "lines", to_f64(index.line_count()));
                set(&o, "ending", index.ending().as_str());
                self.index = Some(index);
                Ok(o.into())
            }
            Kind::FindLiteral(f) => matches_to_js(bigedit_core::Pass::finish(f)),
            Kind::FindRegex(f) => matches_to_js(bigedit_core::Pass::finish(f)),
            Kind::ReplaceLiteral(r, d) => self.finish_replace(bigedit_core::Pass::finish(r), d),
            Kind::ReplaceRegex(r, d) => self.finish_replace(bigedit_core::Pass::finish(r), d),
            Kind::Outline(b) => {
                let outline = bigedit_core::Pass::finish(b).map_err(edit_error)?;
                self.outline = Some(outline);
                self.outline_sections()
            }
            Kind::Csv(p) => self.finish_csv(p),
            Kind::Save(mut sink, buf) => {
                let at = pass.pos - buf.len() as u64;
                sink.write_at(&buf, at).map_err(host_error)?;
                sink.flush().map_err(host_error)?;
                sink.close().map_err(host_error)?;
                let o = Object::new();
                set(&o, "size", to_f64(pass.pos));
                Ok(o.into())
            }
        }
    }

    /// The sections of the outline: `[{ level, title, path, lines: [a, b], bytes: [a, b] }]`.
    ///
    /// # Errors
    ///
    /// A `TypeError` before the outline pass.
    #[wasm_bindgen(js_name = outlineSections)]
    pub fn outline_sections(&self) -> Result<JsValue, JsValue> {
        let outline = self.outline()?;
        Ok(outline.iter().map(|s| Document::section_to_js(outline, s)).collect::<Array>().into())
    }

    /// The text of the section at `path` (its body only, without the heading, with `body`).
    ///
    /// # Errors
    ///
    /// A `TypeError` for a path that names no single section or before the outline pass.
    #[wasm_bindgen(js_name = readSection)]
    pub fn read_section(&self, path: &str, body: bool) -> Result<String, JsValue> {
        let s = self.section(path)?;
        let range = if body { s.body() } else { s.range.clone() };
        let bytes = read_range(&self.view, range).map_err(core_error)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Stages replacing the section at `path` (or its body) with `text`.
    ///
    /// # Errors
    ///
    /// As [`Document::read_section`], or the core's planner error.
    #[wasm_bindgen(js_name = replaceSection)]
    pub fn replace_section(
        &mut self,
        path: &str,
        text: &str,
        body: bool,
    ) -> Result<JsValue, JsValue> {
        let outline = self.outline()?;
        let s = self.section(path)?;
        let patch = if body {
            markdown::replace_body(outline.info(), s, text.as_bytes()).map_err(edit_error)?
        } else {
            markdown::replace_section(&self.view, outline.info(), s, text.as_bytes())
                .map_err(core_error)?
        };
        let n = self.stage(patch, "md-replace", format!("md replace {path:?}"))?;
        Ok(edit_report(n))
    }

    /// Stages deleting the section at `path`.
    ///
    /// # Errors
    ///
    /// As [`Document::read_section`].
    #[wasm_bindgen(js_name = deleteSection)]
    pub fn delete_section(&mut self, path: &str) -> Result<JsValue, JsValue> {
        let patch = markdown::delete_section(self.outline()?.info(), self.section(path)?)
            .map_err(edit_error)?;
        let n = self.stage(patch, "md-delete", format!("md delete {path:?}"))?;
        Ok(edit_report(n))
    }

    /// Stages inserting `text` (a section, heading included) before or after `anchor`.
    ///
    /// # Errors
    ///
    /// As [`Document::read_section`], or the core's planner error.
    #[wasm_bindgen(js_name = insertSection)]
    pub fn insert_section(
        &mut self,
        text: &str,
        anchor: &str,
        before: bool,
    ) -> Result<JsValue, JsValue> {
        let place = if before { Place::Before } else { Place::After };
        let patch = markdown::insert_section(
            &self.view,
            self.outline()?.info(),
            self.section(anchor)?,
            place,
            text.as_bytes(),
        )
        .map_err(core_error)?;
        let n = self.stage(patch, "md-insert", format!("md insert near {anchor:?}"))?;
        Ok(edit_report(n))
    }

    /// Stages renaming the heading of the section at `path` to `title`.
    ///
    /// # Errors
    ///
    /// As [`Document::read_section`], or a title the heading cannot hold.
    #[wasm_bindgen(js_name = renameSection)]
    pub fn rename_section(&mut self, path: &str, title: &str) -> Result<JsValue, JsValue> {
        let patch = markdown::rename_heading(
            &self.view,
            self.outline()?.info(),
            self.section(path)?,
            title,
        )
        .map_err(core_error)?;
        let n = self.stage(patch, "md-rename", format!("md rename {path:?} to {title:?}"))?;
        Ok(edit_report(n))
    }

    /// Stages moving the section at `path` before or after `anchor`.
    ///
    /// # Errors
    ///
    /// As [`Document::read_section`], or a move into the section itself.
    #[wasm_bindgen(js_name = moveSection)]
    pub fn move_section(
        &mut self,
        path: &str,
        anchor: &str,
        before: bool,
    ) -> Result<JsValue, JsValue> {
        let place = if before { Place::Before } else { Place::After };
        let patch = markdown::move_section(
            &self.view,
            self.outline()?.info(),
            self.section(path)?,
            self.section(anchor)?,
            place,
        )
        .map_err(core_error)?;
        let n = self.stage(patch, "md-move", format!("md move {path:?} near {anchor:?}"))?;
        Ok(edit_report(n))
    }

    /// The CSV header's column names (empty for a file without a header row).
    ///
    /// # Errors
    ///
    /// A dialect that cannot be detected, or a record longer than the limit.
    #[wasm_bindgen(js_name = csvHeaders)]
    pub fn csv_headers(&mut self) -> Result<Vec<String>, JsValue> {
        let dialect = core_csv::Dialect::detect(&self.view, &core_csv::Overrides::default())
            .map_err(core_error)?;
        let header =
            core_csv::headers(&self.view, &dialect, &mut self.chunker).map_err(core_error)?;
        Ok(header.names().map(<[String]>::to_vec).unwrap_or_default())
    }

    /// Stages appending `rows` (CSV lines in the file's dialect) at the end.
    ///
    /// # Errors
    ///
    /// A row with the wrong number of fields, or no rows.
    #[wasm_bindgen(js_name = csvAppend)]
    pub fn csv_append(&mut self, rows: &str) -> Result<JsValue, JsValue> {
        let dialect = core_csv::Dialect::detect(&self.view, &core_csv::Overrides::default())
            .map_err(core_error)?;
        let (patch, _) =
            core_csv::append_rows(&self.view, &dialect, rows.as_bytes(), &mut self.chunker)
                .map_err(core_error)?;
        let n = self.stage(patch, "csv-append", "csv append".to_string())?;
        Ok(edit_report(n))
    }
}

impl Document {
    fn finish_replace(
        &mut self,
        patch: Result<Patch, EditError>,
        d: String,
    ) -> Result<JsValue, JsValue> {
        let patch = patch.map_err(edit_error)?;
        let replaced = patch.splices().len();
        let n = self.stage(patch, "replace", d)?;
        let o = Object::new();
        set(&o, "replaced", replaced as u32);
        set(&o, "edit", n as u32);
        Ok(o.into())
    }
}

fn matches_to_js(found: Result<Vec<Match>, EditError>) -> Result<JsValue, JsValue> {
    Ok(found.map_err(edit_error)?.iter().map(match_to_js).collect::<Array>().into())
}

fn host_error(e: HostError) -> JsValue {
    js_sys::Error::new(&e.0).into()
}

/// What a pass runs.
enum Kind {
    Index(LineIndexBuilder),
    FindLiteral(LiteralFinder<'static>),
    FindRegex(RegexFinder),
    ReplaceLiteral(LiteralReplacer<'static>, String),
    ReplaceRegex(RegexReplacer, String),
    Outline(OutlineBuilder),
    /// The sink, and bytes not yet written (they end at the pass's position).
    Save(Box<dyn ByteSink>, Vec<u8>),
    /// A CSV record pass or the semantic chunks.
    Csv(CsvPass),
}

/// The most splices an edit may have for the line index to be shifted rather than rebuilt.
const SHIFT_LIMIT: usize = 256;

/// Writes to a save sink are gathered up to this size, so many small pieces (a file after
/// thousands of small edits) cost few host calls.
const SAVE_BUFFER: usize = 1 << 20;

/// A full pass over view bytes `[start, end)`: push consecutive chunks with `push`, then
/// hand it to `Document.finish`.
#[wasm_bindgen]
pub struct Pass {
    kind: Option<Kind>,
    generation: u64,
    start: u64,
    end: u64,
    pos: u64,
    stopped: bool,
}

#[wasm_bindgen]
impl Pass {
    /// The view offset the pass starts at.
    #[wasm_bindgen(getter)]
    pub fn start(&self) -> f64 {
        to_f64(self.start)
    }

    /// The view offset the pass ends at (the view's size).
    #[wasm_bindgen(getter)]
    pub fn end(&self) -> f64 {
        to_f64(self.end)
    }

    /// The view offset the next chunk starts at.
    #[wasm_bindgen(getter)]
    pub fn position(&self) -> f64 {
        to_f64(self.pos)
    }

    /// Feeds the next chunk; returns whether the pass wants more.
    ///
    /// # Errors
    ///
    /// The pass's error (a line too long, a failed write, ...); a `RangeError` for bytes past
    /// the end of the pass.
    pub fn push(&mut self, chunk: &[u8]) -> Result<bool, JsValue> {
        if self.stopped || chunk.is_empty() {
            return Ok(!self.stopped);
        }
        let at = self.pos;
        let end = at + chunk.len() as u64;
        if end > self.end {
            return Err(edit_error(EditError::BytesPastEnd { start: at, end, len: self.end }));
        }
        let kind = self.kind.as_mut().ok_or_else(|| type_error("this pass already ended"))?;
        let flow = match kind {
            Kind::Index(s) => s.feed(at, chunk),
            Kind::FindLiteral(s) => s.feed(at, chunk),
            Kind::FindRegex(s) => s.feed(at, chunk),
            Kind::ReplaceLiteral(s, _) => s.feed(at, chunk),
            Kind::ReplaceRegex(s, _) => s.feed(at, chunk),
            Kind::Outline(s) => s.feed(at, chunk),
            Kind::Csv(p) => p.feed(at, chunk),
            Kind::Save(sink, buf) => {
                if buf.len() + chunk.len() > SAVE_BUFFER && !buf.is_empty() {
                    sink.write_at(buf, at - buf.len() as u64).map_err(host_error)?;
                    buf.clear();
                }
                if chunk.len() >= SAVE_BUFFER {
                    sink.write_at(chunk, at).map_err(host_error)?;
                } else {
                    buf.extend_from_slice(chunk);
                }
                Ok(Flow::Continue)
            }
        };
        let flow = flow.map_err(|e| {
            self.kind = None;
            edit_error(e)
        })?;
        self.pos = end;
        self.stopped = flow == Flow::Stop;
        Ok(!self.stopped)
    }
}
