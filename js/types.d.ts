// Types shared by the facades (js/index.d.ts, js/node.d.ts) and the worker-level engine (js/engine.d.ts).

/** `(doneBytes, totalBytes)` during a full pass. */
export type ProgressCallback = (doneBytes: number, totalBytes: number) => void;

/** Options of full passes. */
export interface PassOptions {
  /** Called as bytes are scanned (throttled to about 20 calls a second across the worker boundary). */
  onProgress?: ProgressCallback;
  /** Aborts the pass: the promise rejects with a DOMException named "AbortError". */
  signal?: AbortSignal;
}

/** Result of `index()`. */
export interface IndexInfo {
  /** Number of lines. */
  lines: number;
  /** The file's line ending. */
  ending: 'LF' | 'CRLF' | 'mixed' | 'none';
}

/** Options of `find`. */
export interface FindOptions extends PassOptions {
  /** Treat the pattern as a regular expression, matched line by line (default false). */
  regex?: boolean;
  /** Stop after this many matches (default 100). */
  max?: number;
  /** Start at this view byte offset (default 0). */
  from?: number;
}

/** One match of `find`. */
export interface Match {
  /** 1-based line. */
  line: number;
  /** 1-based byte column. */
  column: number;
  /** View byte offset. */
  offset: number;
  /** Match length in bytes. */
  length: number;
}

/** Options of `replaceAll`. */
export interface ReplaceOptions {
  /** Treat the pattern as a regular expression (`$1`, `${name}` in the replacement). */
  regex?: boolean;
  /** Called as bytes are scanned. */
  onProgress?: ProgressCallback;
}

/** Result of a staged text edit. */
export interface EditReport {
  /** 1-based number of this staged edit. */
  edit: number;
}

/** A Markdown heading and its section. */
export interface Heading {
  /** 1 to 6. */
  level: number;
  /** Heading text. */
  title: string;
  /** Heading path, e.g. "Install > Linux" (with "#N" for duplicates). */
  path: string;
  /** First and last line (1-based, inclusive) of the section. */
  lines: [number, number];
  /** Byte range [start, end) of the section. */
  bytes: [number, number];
}

/** Where a Markdown section goes. */
export type Placement = { before: string } | { after: string };

/** CSV dialect overrides (default: detected from the start of the view). */
export interface CsvDialectOptions {
  /** The field delimiter, one ASCII character. */
  delimiter?: string;
  /** The quote character, one ASCII character. */
  quote?: string;
  /** Whether the first record is a header. */
  header?: boolean;
}

/** Options of `csvRows`. */
export interface CsvRowsOptions extends CsvDialectOptions {
  /** Conditions, ANDed: "city=Paris", "amount>=10", "name~ann". Without them, rows with the wrong number of fields are included. */
  where?: string[];
}

/** Options of the CSV passes that filter rows (`csvCount`, `csvDelete`). */
export interface CsvWhereOptions extends CsvDialectOptions, PassOptions {
  /** Conditions, ANDed. */
  where?: string[];
  /** Refuse the edit when a row has the wrong number of fields. */
  strict?: boolean;
}

/** Options of `csvSet`. */
export interface CsvSetOptions extends CsvWhereOptions {
  /** Assignments "COL=VALUE"; values are quoted as needed. */
  set: string[];
}

/** Options of `csvAddColumn` and `csvRemoveColumn`. */
export interface CsvColumnOptions extends CsvDialectOptions, PassOptions {
  /** Add the column after this one (default: at the end). */
  after?: string;
  /** Refuse the edit when a row has the wrong number of fields. */
  strict?: boolean;
}

/** The result of `csvIndex`. */
export interface CsvIndexInfo {
  /** Data records (the header excluded). */
  records: number;
  /** The header's names, or null for a file without header. */
  header: string[] | null;
  delimiter: string;
  quote: string;
  newline: 'LF' | 'CRLF' | 'CR';
  hasHeader: boolean;
}

/** One CSV data row. */
export interface CsvRow {
  /** 1-based data row number (the header excluded). */
  record: number;
  /** Byte offset of its first byte in the view. */
  offset: number;
  /** Unescaped fields (lossy UTF-8). */
  fields: string[];
}

/** A row a CSV edit left alone: it has the wrong number of fields. */
export interface CsvSkipped {
  record: number;
  offset: number;
  fields: number;
  expected: number;
}

/** What a CSV edit saw and changed. */
export interface CsvReport {
  /** Data rows scanned. */
  rows: number;
  /** Rows where every condition held. */
  matched: number;
  /** Rows the edit changes. */
  changed: number;
  /** Rows skipped for a wrong number of fields (all of them). */
  skippedCount: number;
  /** The first 1000 of them. */
  skipped: CsvSkipped[];
}

/** The result of `csvCount`. */
export interface CsvCount {
  rows: number;
  matched: number;
  skipped: number;
}

/** A staged edit, as listed by `edits()`. */
export interface StagedEdit {
  /** The operation, e.g. "replace-lines". */
  op: string;
  /** A one-line human description. */
  description: string;
}

/** A semantic chunk. */
export interface Chunk {
  /** Byte range [start, end). */
  bytes: [number, number];
  /** Line range (1-based, inclusive). */
  lines: [number, number];
  /** Markdown: titles of the sections its first byte lies in, outermost first (absent when none). */
  headingPath?: string[];
  /** CSV: the data rows it overlaps (1-based), if any. */
  records?: [number, number];
  /** What the chunk ends at. */
  boundary: 'char' | 'line' | 'record' | 'blank-line' | 'section' | 'end';
  /** Its text (lossy UTF-8), with `withText`. */
  text?: string;
}

/** Options of `chunks`. */
export interface ChunkOptions extends CsvDialectOptions, PassOptions {
  /** Largest chunk in bytes (at least 4). */
  maxBytes: number;
  /** Default: from the file name when the host knows it (.md, .csv, .tsv), else "text". */
  format?: 'md' | 'csv' | 'text';
  /** Include each chunk's text. */
  withText?: boolean;
}

/** The document API common to the browser facade and the Node entry: every method is a promise. */
export interface DocumentApi {
  /** Bytes of the edited view. */
  readonly size: number;
  /** Bytes of the source. */
  readonly sourceSize: number;
  /** Lines of the edited view; null until `index()` ran. Kept current after edits and undo. */
  readonly lineCount: number | null;
  /** Builds the line index, reporting progress. */
  index(opts?: PassOptions): Promise<IndexInfo>;
  /** Lines a..=b (1-based) without endings, lossy UTF-8. */
  lines(a: number, b: number): Promise<string[]>;
  /** View bytes [a, b). */
  bytes(a: number, b: number): Promise<Uint8Array<ArrayBuffer>>;
  /** The 1-based line holding view byte `offset` (the end of a view ending with a newline: its last line). */
  lineOfByte(offset: number): Promise<number>;
  /** The view byte range [start, end) of lines a..=b (1-based; the last line's ending included). */
  lineBytes(a: number, b: number): Promise<[number, number]>;
  /** Literal or regex search. */
  find(pattern: string, opts?: FindOptions): Promise<Match[]>;
  /** Stages replacing lines a..=b (empty text removes them). */
  replaceLines(a: number, b: number, text: string): Promise<EditReport>;
  /** Stages inserting lines after line `after` (0: at the top). */
  insertLines(after: number, text: string): Promise<EditReport>;
  /** Stages deleting lines a..=b. */
  deleteLines(a: number, b: number): Promise<EditReport>;
  /** Stages replacing every match. */
  replaceAll(pattern: string, replacement: string, opts?: ReplaceOptions): Promise<{ replaced: number }>;
  /** Markdown outline. */
  outline(): Promise<Heading[]>;
  /** One Markdown section (heading included unless `body`). */
  readSection(path: string, opts?: { body?: boolean }): Promise<string>;
  /** Stages replacing a Markdown section (or only its body). */
  replaceSection(path: string, text: string, opts?: { body?: boolean }): Promise<unknown>;
  /** Stages deleting a Markdown section. */
  deleteSection(path: string): Promise<unknown>;
  /** Stages inserting a Markdown section before or after another. */
  insertSection(text: string, where: Placement): Promise<unknown>;
  /** Stages renaming a heading. */
  renameSection(path: string, title: string): Promise<unknown>;
  /** Stages moving a section before or after another. */
  moveSection(path: string, where: Placement): Promise<unknown>;
  /** CSV column names. */
  csvHeaders(): Promise<string[]>;
  /** Builds the CSV record index of the edited view (one full pass). */
  csvIndex(opts?: CsvDialectOptions & PassOptions): Promise<CsvIndexInfo>;
  /** CSV data rows a..=b (1-based, header excluded) where `where` holds. */
  csvRows(a: number, b: number, opts?: CsvRowsOptions): Promise<CsvRow[]>;
  /** Counts rows for a preview. */
  csvCount(opts?: CsvWhereOptions): Promise<CsvCount>;
  /** Stages setting cells where the conditions hold: `set` is ["COL=VALUE", ...]. */
  csvSet(opts: CsvSetOptions): Promise<CsvReport>;
  /** Stages deleting records where the conditions hold. */
  csvDelete(opts: CsvWhereOptions): Promise<CsvReport>;
  /** Stages appending records, each a CSV line. */
  csvAppend(rows: string[] | string): Promise<EditReport>;
  /** Stages adding a column holding `value` in every row. */
  csvAddColumn(name: string, value?: string, opts?: CsvColumnOptions): Promise<CsvReport>;
  /** Stages removing a column. */
  csvRemoveColumn(name: string, opts?: CsvColumnOptions): Promise<CsvReport>;
  /** Stages setting one cell: `column` is a header name, or a 1-based number for a file without header. */
  csvSetCell(record: number, column: string, value: string, opts?: CsvDialectOptions): Promise<EditReport>;
  /** Semantic chunks for language models. */
  chunks(opts: ChunkOptions): Promise<Chunk[]>;
  /** Stages replacing view bytes [a, b) by `bytes` (a string is written as UTF-8). */
  spliceBytes(a: number, b: number, bytes: Uint8Array | string): Promise<EditReport>;
  /** Staged edits, oldest first. */
  edits(): Promise<StagedEdit[]>;
  /** Drops the last staged edit; false when there was none. */
  undo(): Promise<boolean>;
  /** Closes the document. */
  close(): Promise<void>;
}
