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

/** Options of `csvRows`. */
export interface CsvRowsOptions {
  /** Conditions, ANDed: "city=Paris", "amount>=10", "name~ann". */
  where?: string[];
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
  /** Markdown heading path, if any. */
  headingPath?: string;
  /** CSV record range, if any. */
  records?: [number, number];
  /** What the chunk ends at (a heading, a blank line, a record, a line). */
  boundary: string;
}

/** Options of `chunks`. */
export interface ChunkOptions {
  /** Largest chunk in bytes. */
  maxBytes: number;
  /** "text", "markdown" or "csv" (default: from the content). */
  format?: string;
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
  /** CSV records a..=b (1-based, header excluded). */
  csvRows(a: number, b: number, opts?: CsvRowsOptions): Promise<string[][]>;
  /** Stages setting cells where the conditions hold: `set` is ["COL=VALUE", ...]. */
  csvSet(opts: { where: string[]; set: string[] }): Promise<unknown>;
  /** Stages deleting records where the conditions hold. */
  csvDelete(opts: { where: string[] }): Promise<unknown>;
  /** Stages appending records, each a CSV line. */
  csvAppend(rows: string[]): Promise<unknown>;
  /** Stages adding a column. */
  csvAddColumn(name: string, value?: string): Promise<unknown>;
  /** Stages removing a column. */
  csvRemoveColumn(name: string): Promise<unknown>;
  /** Semantic chunks for language models. */
  chunks(opts: ChunkOptions): Promise<Chunk[]>;
  /** Staged edits, oldest first. */
  edits(): Promise<StagedEdit[]>;
  /** Drops the last staged edit; false when there was none. */
  undo(): Promise<boolean>;
  /** Closes the document. */
  close(): Promise<void>;
}
