// The page's shared state and constants. Every module of www/ reads and updates `ui`; only
// app.js replaces its document (when a file is opened).

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Pixels per text line (and per grid row, plus a 1 px border). */
export const LINE_H = 20;
/** Match counting stops here (the count then reads "N+"). */
export const COUNT_CAP = 100_000;

export const ui = {
  doc: null,
  file: null,
  handle: null, // FileSystemFileHandle when opened through the File System Access API
  history: null,
  kind: 'text', // 'text' | 'markdown' | 'csv'
  view: 'text', // 'text' | 'csv' (what the main area shows)
  editor: null, // what the section panel edits: { mode: 'section'|'rename', ... }
  eol: '\n', // what a typed newline is written as: the file's line ending
  bom: 0, // bytes of the file's byte order mark (0 or 3)
  outline: [],
  section: null, // selected outline entry
  search: { pattern: '', regex: false, current: null, matches: null, re: null },
  csv: null, // csvIndex() result: { records, header, delimiter, quote, newline, hasHeader }
  csvStale: false, // an edit the CSV index does not follow was staged: index again before the grid
  marks: { lines: [], records: [] }, // edited ranges [[a, b], ...] (see marks.js)
  abort: null, // AbortController of the running pass
  busy: false,
};
