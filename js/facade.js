// The document methods the two facades share (the browser's worker proxy in index.js, Node's
// in node.js). Each method is one `_call(method, args)`: the document's default `onProgress`
// is filled into the options of the passes that report progress, then the facade's own
// `_invoke(method, args)` carries the call over its transport.

/** Options objects of these methods (argument index) get the document's default `onProgress`. */
const WITH_PROGRESS = {
  index: 0, find: 1, replaceAll: 2, saveToOpfs: 1, csvIndex: 0, csvCount: 0, csvSet: 0,
  csvDelete: 0, csvAddColumn: 2, csvRemoveColumn: 1, chunks: 0,
};

/** The promise-based document API; subclasses implement `_invoke(method, args)`. */
export class DocumentBase {
  #onProgress;

  /** @internal `onProgress`: the default progress callback of the document's passes. */
  constructor(onProgress) {
    this.#onProgress = onProgress;
  }

  /** The default progress callback given to `open()`. */
  get onProgress() { return this.#onProgress; }

  /** @internal Fills in the default `onProgress`, then invokes `method` over the transport. */
  _call(method, args) {
    const at = WITH_PROGRESS[method];
    if (at !== undefined && this.#onProgress) {
      while (args.length <= at) args.push(undefined);
      const opts = args[at] ?? {};
      if (!opts.onProgress) args[at] = { ...opts, onProgress: this.#onProgress };
    }
    return this._invoke(method, args);
  }

  /** Builds the line index: `{ lines, ending }`. */
  index(opts) { return this._call('index', [opts]); }
  /** Lines a..=b (1-based) without their endings. */
  lines(a, b) { return this._call('lines', [a, b]); }
  /** View bytes [a, b). */
  bytes(a, b) { return this._call('bytes', [a, b]); }
  /** The 1-based line holding view byte `offset`. */
  lineOfByte(offset) { return this._call('lineOfByte', [offset]); }
  lineBytes(a, b) { return this._call('lineBytes', [a, b]); }
  /** Literal or regex matches: `[{ line, column, offset, length }]`. */
  find(pattern, opts) { return this._call('find', [pattern, opts]); }
  /** Stages replacing lines a..=b by `text`. */
  replaceLines(a, b, text) { return this._call('replaceLines', [a, b, text]); }
  /** Stages inserting `text` after line `after` (0: at the top). */
  insertLines(after, text) { return this._call('insertLines', [after, text]); }
  /** Stages deleting lines a..=b. */
  deleteLines(a, b) { return this._call('deleteLines', [a, b]); }
  /** Stages replacing every match of `pattern`: `{ replaced }`. */
  replaceAll(pattern, replacement, opts) { return this._call('replaceAll', [pattern, replacement, opts]); }
  /** Markdown headings: `[{ level, title, path, lines, bytes }]`. */
  outline() { return this._call('outline', []); }
  /** One Markdown section's text. */
  readSection(path, opts) { return this._call('readSection', [path, opts]); }
  /** Stages replacing a Markdown section (or its body). */
  replaceSection(path, text, opts) { return this._call('replaceSection', [path, text, opts]); }
  /** Stages deleting a Markdown section. */
  deleteSection(path) { return this._call('deleteSection', [path]); }
  /** Stages inserting a Markdown section `{ before | after: path }`. */
  insertSection(text, where) { return this._call('insertSection', [text, where]); }
  /** Stages renaming a Markdown heading. */
  renameSection(path, title) { return this._call('renameSection', [path, title]); }
  /** Stages moving a Markdown section `{ before | after: path }`. */
  moveSection(path, where) { return this._call('moveSection', [path, where]); }
  /** CSV column names. */
  csvHeaders() { return this._call('csvHeaders', []); }
  /** Builds the CSV record index: `{ records, header, delimiter, quote, newline, hasHeader }`. */
  csvIndex(opts) { return this._call('csvIndex', [opts]); }
  /** CSV data rows a..=b (1-based): `[{ record, offset, fields }]`, filtered by `opts.where`. */
  csvRows(a, b, opts) { return this._call('csvRows', [a, b, opts]); }
  /** Counts CSV rows for a preview: `{ rows, matched, skipped }`. */
  csvCount(opts) { return this._call('csvCount', [opts]); }
  /** Stages setting CSV cells `{ where, set, strict }`: the report. */
  csvSet(opts) { return this._call('csvSet', [opts]); }
  /** Stages deleting CSV records `{ where, strict }`: the report. */
  csvDelete(opts) { return this._call('csvDelete', [opts]); }
  /** Stages appending CSV records (CSV lines). */
  csvAppend(rows) { return this._call('csvAppend', [rows]); }
  /** Stages adding a CSV column `{ after }`: the report. */
  csvAddColumn(name, value, opts) { return this._call('csvAddColumn', [name, value, opts]); }
  /** Stages removing a CSV column: the report. */
  csvRemoveColumn(name, opts) { return this._call('csvRemoveColumn', [name, opts]); }
  /** Stages setting one CSV cell. */
  csvSetCell(record, column, value, opts) { return this._call('csvSetCell', [record, column, value, opts]); }
  /** Semantic chunks of at most `maxBytes`. */
  chunks(opts) { return this._call('chunks', [opts]); }
  /** Stages replacing view bytes [a, b) by `bytes` (a Uint8Array, or a string written as UTF-8). */
  spliceBytes(a, b, bytes) { return this._call('spliceBytes', [a, b, bytes]); }
  /** Staged edits, oldest first: `[{ op, description }]`. */
  edits() { return this._call('edits', []); }
  /** Drops the last staged edit; `false` when there was none. */
  undo() { return this._call('undo', []); }
}
