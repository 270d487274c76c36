// The text editor: CodeMirror 6 over a *window* of the edited view. The window holds whole lines
// around the viewport (window-range.js: at most WINDOW_HALF_LINES on each side, at most 2 MiB),
// decoded by window.js (ByteWindow); the engine's overlay in the worker is the document of
// record, and every edit made in the window is staged there as it happens (typing.js). When the
// viewport comes within MARGIN lines of the window's edge, the window is loaded again around the
// viewport from the overlay, keeping the top line where it is on screen (a scroll snapshot
// mapped through the change), so scrolling, Page Up/Down and the arrows cross window edges
// without a jump.
//
// The scaled scrollbar (#viewer, scroller.js) stands for the whole file: dragging it shows that
// line (loading a window there); scrolling the editor moves it (`follow`). The gutter shows the
// file's line numbers (cm-lines.js). Undo and redo are the engine's (edits.js), so they keep
// working after the window moved; the window is loaded again after them.
//
// Ctrl+A selects the whole file (whole-file.js): Delete, Backspace, typing or a paste replaces it
// as one engine splice, without reading it into the page. Selections otherwise live in the window.

import { EditorState, EditorSelection, Compartment, Text } from '@codemirror/state';
import {
  EditorView, keymap, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, dropCursor, rectangularSelection,
} from '@codemirror/view';
import { defaultKeymap, insertTab } from '@codemirror/commands';
import { markdown } from '@codemirror/lang-markdown';
import { markdownHighlighting } from './md-style.js';
import { $, ui, LINE_H } from './state.js';
import { fmtNum, fmtBytes, parseCount } from './format.js';
import { say, fail } from './status.js';
import { Scroller } from './scroller.js';
import { ByteWindow } from './window.js';
import { loadWindow, WINDOW_HALF_LINES, WINDOW_MAX_BYTES } from './window-range.js';
import { readOnlyLines, windowLoad } from './cm-window.js';
import { fileLineNumbers, editedGutter, lineAttributes, searchMarks, redraw } from './cm-lines.js';
import { typingStager } from './typing.js';
import { wholeFile, selectWholeFile } from './whole-file.js';
import { rainbowColumns } from './rainbow.js';
import { flush, idle, generation } from './queue.js';
import { updateCursorStatus } from './cursor-status.js';
import { lineNavigation } from './navigation.js';
import { gridScroller, recordOfLine } from './grid.js';
import { afterEdit } from './edits.js';

/** Lines on each side of the centre of a window (`?window-lines=N` sets N = both sides). */
const HALF = Math.max(20, Math.floor(Number(new URLSearchParams(location.search).get('window-lines')) / 2) || WINDOW_HALF_LINES);
/** The window is loaded again when the viewport comes this close (in lines) to its edge. */
const MARGIN = Math.max(60, Math.floor(HALF / 3));

/** The window now in the editor: file line of its first line, its bytes' model, whether clipped. */
export const win = { first: 1, bw: null, clipped: false, center: 0, shifts: 0 };
const ctx = () => ({ first: win.first, bw: win.bw, marks: ui.marks.lines, search: ui.search, doc: ui.doc, history: ui.history, bom: ui.bom });

/** The scaled scrollbar for the whole file; drawing row `first` means showing it in the editor. */
export const textScroller = new Scroller($('viewer'), $('spacer'), LINE_H, (first, count) => show(first, count).catch(fail));

const stager = typingStager(ctx, afterTyping, (e) => { fail(e); reload().catch(fail); });
/** Call after an edit not typed in the window (undo, redo, panels): the next keystroke starts a new undo step. */
export const breakTypingGroup = stager.breakGroup;

const mode = new Compartment();
const readOnly = new Compartment();

const navigation = lineNavigation({
  win,
  winLast: () => winLast(),
  viewportLine,
  load,
  loadsDone: () => loadsDone(),
  isLoading: () => loading > 0,
  lineCount: () => ui.doc?.lineCount,
  pageLines: () => Math.max(1, textScroller.visible - 1), rows: () => textScroller.visible, onError: fail,
});

const keys = [
  ...navigation.keys,
  { key: 'Mod-z', run: () => { $('undo').click(); return true; }, preventDefault: true },
  { key: 'Mod-y', run: () => { $('redo').click(); return true; }, preventDefault: true },
  { key: 'Mod-Shift-z', run: () => { $('redo').click(); return true; }, preventDefault: true },
  { key: 'Mod-a', run: (view) => selectWholeFile(view, ui.doc), preventDefault: true },
  { key: 'Mod-Home', run: () => { gotoLine(1).catch(fail); return true; } },
  { key: 'Mod-End', run: () => { gotoEnd().catch(fail); return true; } },
  { key: 'Tab', run: insertTab },
];

export const view = new EditorView({
  parent: $('editor-host'),
  state: EditorState.create({
    doc: '',
    extensions: [
      fileLineNumbers(ctx), editedGutter(ctx), highlightActiveLineGutter(),
      highlightSpecialChars(), drawSelection(), dropCursor(), rectangularSelection(), highlightActiveLine(),
      EditorState.allowMultipleSelections.of(true),
      lineAttributes(ctx), searchMarks(ctx),
      readOnlyLines(() => win.bw, (why) => say(why, true)),
      wholeFile(ctx, { after: afterWholeFile }),
      stager.extension,
      mode.of([]), readOnly.of([]),
      keymap.of([...keys, ...defaultKeymap]),
      EditorView.updateListener.of((u) => {
        if (u.selectionSet || u.docChanged) updateCursorStatus(u.view, win);
        if (u.viewportChanged || u.selectionSet) scheduleCheck();
      }),
      EditorView.contentAttributes.of({ 'data-testid': 'editor-text', 'aria-label': 'file text' }),
    ],
  }),
});
view.dom.dataset.testid = 'editor';

/** The file line of the window's last line. */
const winLast = () => win.first + view.state.doc.lines - 1;

/** The file line at the top (or, `bottom`, at the bottom) of the editor's viewport. */
export function viewportLine(bottom = false) {
  const rect = view.scrollDOM.getBoundingClientRect();
  const h = (bottom ? rect.bottom - 1 : rect.top) - view.documentTop;
  const block = view.lineBlockAtHeight(Math.max(0, Math.min(h, view.contentHeight - 1)));
  return win.first + view.state.doc.lineAt(block.from).number - 1;
}

/** The file line the scroll snapshot refers to: the line at the top edge of the scroller. */
function viewportAnchor() {
  const block = view.lineBlockAtHeight(Math.max(0, view.scrollDOM.scrollTop + 12 - view.documentPadding.top)); // as CodeMirror picks it
  return win.first + view.state.doc.lineAt(block.from).number - 1;
}

/** A selection end as a place in the file: `{ line, col }` (col in UTF-16 units). */
function placeOf(pos) {
  const line = view.state.doc.lineAt(pos);
  return { line: win.first + line.number - 1, col: pos - line.from };
}

/** The position of file place `p` in document `doc` of a window starting at line `first`, or null. */
function posIn(doc, first, p) {
  const k = p.line - first + 1;
  if (k < 1 || k > doc.lines) return null;
  const line = doc.line(k);
  return line.from + Math.min(p.col, line.length);
}

/** Window loads in flight. */
let loading = 0;

/**
 * Loads the window around file line `center` from the overlay (after every queued edit) and
 * shows it: `top` (a file line) at the top of the viewport, or else the current top line kept
 * where it is on screen; the selection kept where its lines are in the new window, else
 * `cursor` (a place) or the top line.
 */
async function load(center, opts = {}) {
  loading++;
  try {
    await loadNow(center, opts);
    // CodeMirror measures the new window (and restores the scroll) in its next frame: until
    // then its geometry is the old window's, which a page move must not use.
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  } finally {
    loading--;
    if (!loading) for (const resolve of loadWaiters.splice(0)) resolve();
  }
}

const loadWaiters = [];

/** Resolves when no window load is in flight. */
const loadsDone = () => (loading ? new Promise((resolve) => loadWaiters.push(resolve)) : Promise.resolve());

async function loadNow(center, { top = null, cursor = null } = {}) {
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) return;
  let w;
  for (;;) {
    await flush();
    const gen = generation();
    w = await loadWindow(doc, center, { half: HALF, maxBytes: WINDOW_MAX_BYTES });
    if (doc !== ui.doc) return;
    if (gen === generation() && idle()) break; // else the user typed meanwhile: load again
  }
  const bw = new ByteWindow(w.bytes, w.start, ui.eol);
  const text = bw.text;
  const next = Text.of(text.split('\n'));
  const old = view.state;
  const keep = win.bw && top == null;
  const snapshot = keep ? view.scrollSnapshot() : null;
  const anchorLine = keep ? viewportAnchor() : null;
  const sel = old.selection.ranges.map((r) => [placeOf(r.anchor), placeOf(r.head)]);
  Object.assign(win, { first: w.first, bw, clipped: w.clipped, center });

  const changes = { from: 0, to: old.doc.length, insert: text };
  const anchorNew = anchorLine != null ? posIn(next, w.first, { line: anchorLine, col: 0 }) : null;
  const mapped = sel.map(([a, h]) => {
    const pa = posIn(next, w.first, a);
    const ph = posIn(next, w.first, h);
    return ph == null ? null : EditorSelection.range(pa ?? ph, ph);
  }).filter(Boolean);
  const fallback = posIn(next, w.first, cursor ?? { line: top ?? anchorLine ?? w.first, col: 0 }) ?? 0;
  const selection = cursor || !mapped.length ? EditorSelection.single(fallback) : EditorSelection.create(mapped);
  const tr = old.update({
    changes,
    selection,
    annotations: windowLoad.of(true),
    effects: readOnly.reconfigure(EditorState.readOnly.of(w.clipped)),
  });
  view.dispatch(tr);
  // The snapshot names the top line by its start; a whole-text replacement would map it to an
  // end of the text, so map it by hand (a ChangeDesc-shaped mapping) to the same file line.
  if (snapshot && anchorNew != null) view.dispatch({ effects: snapshot.map({ empty: false, mapPos: () => anchorNew }) });
  else view.dispatch({ effects: EditorView.scrollIntoView(posIn(next, w.first, { line: top ?? w.first, col: 0 }) ?? 0, { y: 'start', yMargin: 0 }) });
  showWindowNote(w);
}

/** The note above the editor for a window that is not the whole story (a clipped line). */
function showWindowNote(w) {
  const note = $('window-note');
  note.hidden = !w.clipped;
  if (w.clipped) {
    note.textContent = `Line ${fmtNum(w.first)} is longer than ${fmtBytes(WINDOW_MAX_BYTES)}: it is shown clipped to its first ${fmtBytes(w.bytes.length)} and is read-only here (edit it with search and replace).`;
  }
}

/** Loads the window again around the viewport (after an undo, a redo or an edit of a panel). */
export async function reload() {
  if (!ui.doc || ui.doc.lineCount == null) return;
  textScroller.resize(ui.doc.lineCount);
  const top = win.bw ? Math.min(viewportLine(), ui.doc.lineCount) : 1;
  const center = win.bw ? Math.round((top + Math.min(viewportLine(true), ui.doc.lineCount)) / 2) : 1;
  await load(center);
}

/** Shows file line `first` at the top (the scrollbar's render): scrolls, or loads a window there. */
async function show(first, count) {
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) return;
  const last = Math.min(first + Math.max(1, count) - 1, doc.lineCount);
  if (!win.bw || first < win.first || last > winLast()) {
    await load(Math.round((first + last) / 2), { top: first });
  } else {
    const pos = view.state.doc.line(first - win.first + 1).from;
    view.dispatch({ effects: EditorView.scrollIntoView(pos, { y: 'start', yMargin: 0 }) });
  }
}

let checkQueued = false;
let shifting = false;

/** Checks the window's edges once per frame (after scrolling, cursor moves, viewport changes). */
function scheduleCheck() {
  if (checkQueued) return;
  checkQueued = true;
  requestAnimationFrame(() => {
    checkQueued = false;
    if (!win.bw || !ui.doc || !view.dom.offsetParent) return; // hidden (the CSV grid): no geometry
    textScroller.follow(viewportLine());
    maybeShift();
  });
}

/** Loads the next window when the viewport is within MARGIN lines of this one's edge. */
function maybeShift() {
  const count = ui.doc?.lineCount;
  if (shifting || dragging || !win.bw || count == null) return;
  const top = viewportLine();
  const bottom = viewportLine(true);
  // The keyboard moves the cursor ahead of the scroll: centre on the cursor when it is in or
  // near the viewport (so it stays in the window), else on the viewport (the wheel, the bar).
  const head = placeOf(view.state.selection.main.head).line;
  const withCursor = head >= top - textScroller.visible && head <= bottom + textScroller.visible;
  const from = withCursor ? Math.min(top, head) : top;
  const to = withCursor ? Math.max(bottom, head) : bottom;
  const nearTop = win.first > 1 && from - win.first < MARGIN;
  const nearEnd = winLast() < count && winLast() - to < MARGIN;
  const center = withCursor ? head : Math.round((top + bottom) / 2);
  if ((!nearTop && !nearEnd) || Math.abs(center - win.center) < 2) return;
  shifting = true;
  win.shifts++;
  load(center)
    .catch(fail)
    .finally(() => { shifting = false; scheduleCheck(); });
}

view.scrollDOM.addEventListener('scroll', scheduleCheck, { passive: true });

// While a mouse button is down CodeMirror tracks a drag selection by positions of this window:
// the window is not reloaded under it (the check runs again on release).
let dragging = false;
view.contentDOM.addEventListener('mousedown', () => { dragging = true; });
window.addEventListener('mouseup', () => { if (dragging) { dragging = false; scheduleCheck(); } });

/** Whether nothing is pending: no staged edit queued, no window load, no edge check (tests, benchmarks). */
export const settled = () => idle() && !shifting && !checkQueued && !loading && !navigation.pending();

/** What `settled` waits for, and the window (for a test's failure message). */
export const debugState = () => ({ idle: idle(), shifting, checkQueued, loading, first: win.first, lines: view.state.doc.lines, center: win.center, shifts: win.shifts });

let typedFrame = null;

/**
 * After a typed step was staged: line count, marks, the edits panel (the window is current),
 * once per frame however many keys were staged in it, so typing fast stays one update a frame.
 */
function afterTyping() {
  typedFrame ??= new Promise((resolve) => requestAnimationFrame(() => {
    typedFrame = null;
    resolve(afterEdit({ typed: true }));
  }));
  return typedFrame;
}

/** After the whole file was replaced by `text` (Ctrl+A then typing): the cursor after the text. */
async function afterWholeFile(text) {
  await afterEdit({ typed: true });
  const parts = text.split('\n');
  const end = { line: parts.length, col: parts.at(-1).length };
  await load(end.line, { top: Math.max(1, end.line - 3), cursor: end });
}

/** Sets the editor up for a newly opened file of kind `kind` ('text' | 'markdown' | 'csv'). */
export function resetEditor(kind) {
  Object.assign(win, { first: 1, bw: null, clipped: false, center: 0, shifts: 0 });
  const ext = kind === 'markdown' ? [markdown(), markdownHighlighting]
    : kind === 'csv' ? [rainbowColumns(() => ui.csv)] : [];
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: '' },
    annotations: windowLoad.of(true),
    effects: [mode.reconfigure(ext), readOnly.reconfigure(EditorState.readOnly.of(false))],
    selection: EditorSelection.single(0),
  });
  $('window-note').hidden = true;
}

let drawnMarks = null;

/** The editor's selected text when it is short and on one line (Ctrl+F searches it), else ''. */
export function selectedText() {
  const r = view.state.selection.main;
  const text = r.empty || r.to - r.from > 200 ? '' : view.state.sliceDoc(r.from, r.to);
  return text.includes('\n') ? '' : text;
}

/** Updates the editor's part of the status bar (after an edit was staged: the edited size). */
export function refreshStatus() {
  updateCursorStatus(view, win);
}

/** Redraws the marks and search highlights of the visible lines (`ifChanged`: only when the marks changed). */
export function redrawMarks({ ifChanged = false } = {}) {
  if (ifChanged && drawnMarks === JSON.stringify(ui.marks.lines)) return;
  drawnMarks = JSON.stringify(ui.marks.lines);
  view.dispatch({ effects: redraw.of(null) });
}

/**
 * Brings file line `n` into view (a few lines of context above it when it was off screen) with
 * the cursor at `col` of it (UTF-16) or the selection `[from, to]` of its columns.
 */
async function revealLine(n, { col = 0, to = null } = {}) {
  const visible = win.bw && n >= viewportLine() && n <= viewportLine(true);
  const top = Math.max(1, n - 3);
  const inWindow = win.bw && n >= win.first && n <= winLast();
  if (!inWindow || (!visible && (top < win.first || top + textScroller.visible > winLast()))) {
    await load(n, { top, cursor: { line: n, col } }); // the cursor set, `top` at the top
  }
  const line = view.state.doc.line(n - win.first + 1);
  const from = line.from + Math.min(col, line.length);
  const head = to == null ? from : line.from + Math.min(to, line.length);
  const scroll = visible || viewportLine() === top
    ? {} // shown already (or just loaded there): keep the scroll position
    : { effects: EditorView.scrollIntoView(view.state.doc.line(top - win.first + 1).from, { y: 'start', yMargin: 0 }) };
  view.dispatch({ selection: EditorSelection.range(from, head), ...scroll });
}

/** Shows line `n` (clamped): the cursor at its start in the text view, or its record in the grid. */
export async function gotoLine(n) {
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) return;
  n = Math.min(Math.max(1, n), doc.lineCount);
  if (ui.view === 'csv') {
    gridScroller.reveal(await recordOfLine(n));
  } else {
    await revealLine(n);
    view.focus();
  }
  say(`line ${fmtNum(n)}`);
}

/** Ctrl+End: the end of the file. */
async function gotoEnd() {
  const n = ui.doc?.lineCount;
  if (!n) return;
  await revealLine(n, { col: Infinity });
  view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.length, { y: 'end' }) });
}

/** Selects a search match `{ line, offset, length }` (view bytes) and scrolls it into view. */
export async function revealMatch(m) {
  await revealLine(m.line);
  const from = win.bw.posOf(m.offset);
  const to = win.bw.posOf(m.offset + m.length);
  redrawMarks();
  view.dispatch({ selection: EditorSelection.range(from, to), effects: EditorView.scrollIntoView(from, { y: 'center' }) });
}

$('goto-line').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault(); // the editor takes the focus: the Enter must not reach it
  const n = parseCount(e.target.value);
  if (n == null) return say(`not a line number: ${e.target.value}`, true);
  gotoLine(n).catch(fail);
});

/** The line holding view byte `offset`. */
export async function lineOfByte(offset) {
  return ui.doc.lineOfByte(offset);
}

$('goto-byte').addEventListener('keydown', async (e) => {
  if (e.key !== 'Enter' || !ui.doc) return;
  e.preventDefault();
  const off = parseCount(e.target.value);
  if (off == null) return say(`not a byte offset: ${e.target.value}`, true);
  if (off >= ui.doc.size) return say(`offset ${fmtNum(off)} is past the end (${fmtNum(ui.doc.size)} bytes)`, true);
  try {
    const line = await lineOfByte(off);
    await revealLine(line);
    const pos = win.bw.posOf(off);
    view.dispatch({ selection: EditorSelection.single(pos), scrollIntoView: true });
    view.focus();
    say(`byte ${fmtNum(off)} (line ${fmtNum(line)})`);
  } catch (err) {
    fail(err);
  }
});
