// The bigedit web editor: wires the page to the engine's main-thread facade (../js/index.js),
// which runs the wasm engine in a module worker. The page never holds more of the file than the
// lines on screen: every read is a request for a few lines, every full pass (index, search,
// replace-all, save) runs in the worker and reports progress here.

import { open, stats } from '../js/index.js';
import { Scroller } from './scroller.js';
import { History } from './history.js';
import { splitLine, setField, guessDelimiter } from './csv-line.js';

const $ = (id) => document.getElementById(id);
const LINE_H = 20;
/** Lines longer than this are clipped on screen (click the marker to see the whole line). */
const CLIP_CHARS = 4000;
/** Match counting stops here (the count then reads "N+"). */
const COUNT_CAP = 100_000;
const SAMPLE_NAME = 'bigedit-sample.log';
const SAMPLE_BYTES = 256 * 1024 * 1024;

const ui = {
  doc: null,
  file: null,
  handle: null, // FileSystemFileHandle when opened through the File System Access API
  history: null,
  kind: 'text', // 'text' | 'markdown' | 'csv'
  view: 'text', // 'text' | 'csv' (what the main area shows)
  sel: null, // { a, b } selected lines
  editor: null, // what the editor panel edits: { mode: 'lines'|'section'|'rename', ... }
  outline: [],
  section: null, // selected outline entry
  search: { pattern: '', regex: false, current: null, matches: null, re: null },
  delimiter: ',',
  csvHeader: null,
  abort: null, // AbortController of the running pass
  busy: false,
};

// ---------------------------------------------------------------- formatting and status

function fmtBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
const fmtNum = (n) => (n == null ? '–' : n.toLocaleString('en-US'));
function fmtSecs(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function say(text, error = false) {
  const m = $('message');
  m.textContent = text;
  m.classList.toggle('error', error);
}

function fail(e) {
  if (e?.name === 'AbortError' || /abort/i.test(e?.message ?? '')) {
    say('cancelled');
  } else {
    say(e?.message ?? String(e), true);
    console.error(e);
  }
}

/**
 * Runs a cancellable full pass with the progress bar: `run(onProgress, signal)`.
 * Only one pass at a time; the Cancel button aborts it.
 */
async function withProgress(label, run) {
  if (ui.busy) throw new Error('another operation is running; cancel it first');
  ui.busy = true;
  const abort = new AbortController();
  ui.abort = abort;
  const bar = $('progress-bar');
  const started = performance.now();
  $('progress').hidden = false;
  $('progress-label').textContent = label;
  $('progress-rate').textContent = '';
  bar.value = 0;
  const onProgress = (done, total) => {
    bar.value = total ? done / total : 0;
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    $('progress-rate').textContent = `${fmtBytes(done)} / ${fmtBytes(total)} · ${fmtBytes(rate)}/s · ETA ${fmtSecs(eta)}`;
  };
  try {
    return await run(onProgress, abort.signal);
  } finally {
    ui.busy = false;
    ui.abort = null;
    $('progress').hidden = true;
  }
}

$('progress-cancel').addEventListener('click', () => ui.abort?.abort());

// ---------------------------------------------------------------- opening and indexing

async function openFile(file, handle = null) {
  if (ui.busy) ui.abort?.abort();
  if (ui.doc) {
    const old = ui.doc;
    ui.doc = null;
    await old.close().catch(() => {});
  }
  Object.assign(ui, { file, handle, sel: null, section: null, outline: [], csvHeader: null });
  Object.assign(ui.search, { pattern: null, current: null, matches: null });
  $('search-status').textContent = '';
  closeEditor();
  $('download').hidden = true;
  $('save-back').hidden = true;
  $('save-status').textContent = '';
  $('line-count').textContent = '–';
  $('ending').textContent = '';
  $('file-info').textContent = `${file.name} · ${fmtBytes(file.size)}`;
  $('file-info').title = `${file.size} bytes`;
  ui.kind = /\.(md|markdown)$/i.test(file.name) ? 'markdown' : /\.(csv|tsv)$/i.test(file.name) ? 'csv' : 'text';
  $('outline-panel').hidden = ui.kind !== 'markdown';
  $('csv-panel').hidden = ui.kind !== 'csv';
  $('mode-text').hidden = $('mode-csv').hidden = ui.kind !== 'csv';
  textScroller.setRows(0);
  gridScroller.setRows(0);
  const doc = await open(file);
  ui.doc = doc;
  ui.history = new History(doc);
  renderEdits();
  startMemoryReadout();
  let info;
  try {
    info = await withProgress(`Indexing ${file.name}`, (onProgress, signal) => doc.index({ onProgress, signal }));
  } catch (e) {
    fail(e);
    $('line-count').textContent = '–';
    say('indexing cancelled: open the file again to index it', true);
    return;
  }
  if (ui.doc !== doc) return;
  $('line-count').textContent = fmtNum(doc.lineCount);
  $('ending').textContent = `line endings: ${info.ending}`;
  $('save').disabled = false;
  say(`indexed ${fmtNum(doc.lineCount)} lines`);
  if (ui.kind === 'markdown') await loadOutline();
  if (ui.kind === 'csv') {
    const [header] = await doc.lines(1, 1);
    ui.delimiter = guessDelimiter(file.name, header ?? '');
    setView('csv');
  } else {
    setView('text');
  }
  textScroller.setRows(doc.lineCount);
  textScroller.scrollTo(1);
}

$('open-file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  e.target.value = ''; // choosing the same file again opens it again
  if (file) openFile(file).catch(fail);
});

if ('showOpenFilePicker' in window) {
  $('open-picker').hidden = false;
  $('open-picker').addEventListener('click', async () => {
    try {
      const [handle] = await window.showOpenFilePicker();
      await openFile(await handle.getFile(), handle);
    } catch (e) {
      if (e.name !== 'AbortError') fail(e);
    }
  });
}

// Drag and drop anywhere on the page.
let dragDepth = 0;
document.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth++; $('drop-hint').hidden = false; });
document.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop-hint').hidden = true; } });
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('drop-hint').hidden = true;
  const item = [...(e.dataTransfer?.items ?? [])].find((i) => i.kind === 'file');
  if (!item) return;
  const handlePromise = item.getAsFileSystemHandle?.().catch(() => null);
  const file = item.getAsFile();
  const handle = handlePromise ? await handlePromise : null;
  openFile(file, handle?.kind === 'file' ? handle : null).catch(fail);
});

// The built-in sample: a log of SAMPLE_BYTES generated once into the origin-private file system.
$('sample').addEventListener('click', async () => {
  try {
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle(SAMPLE_NAME, { create: true });
    let file = await handle.getFile();
    if (file.size < SAMPLE_BYTES) {
      await withProgress('Generating the sample', (onProgress, signal) => writeSample(handle, onProgress, signal));
      file = await handle.getFile();
    }
    await openFile(file);
  } catch (e) {
    fail(e);
  }
});

async function writeSample(handle, onProgress, signal) {
  const levels = ['INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO'];
  const out = await handle.createWritable();
  const enc = new TextEncoder();
  let n = 1;
  let written = 0;
  try {
    while (written < SAMPLE_BYTES) {
      if (signal.aborted) throw new DOMException('sample generation cancelled', 'AbortError');
      const parts = [];
      for (let i = 0; i < 40_000; i++, n++) {
        const t = `${String((n / 3600 | 0) % 24).padStart(2, '0')}:${String((n / 60 | 0) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
        parts.push(`2026-11-25T${t}.${String(n % 1000).padStart(3, '0')}Z ${levels[n % 6].padEnd(5)} worker-${String(n % 16).padStart(2, '0')} request ${n} handled in ${n * 7 % 997} ms\n`);
      }
      const bytes = enc.encode(parts.join(''));
      await out.write(bytes);
      written += bytes.length;
      onProgress(Math.min(written, SAMPLE_BYTES), SAMPLE_BYTES);
    }
    await out.close();
  } catch (e) {
    await out.abort().catch(() => {});
    throw e;
  }
}

// ---------------------------------------------------------------- the text viewer

const textScroller = new Scroller($('viewer'), $('spacer'), LINE_H, renderLines);

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Fills `el` with `text`, wrapping matches of the current search in <mark>. */
function fillText(el, text, lineNo) {
  const re = ui.search.re;
  if (!re || !text) {
    el.textContent = text;
    return;
  }
  const cur = ui.search.current;
  const enc = new TextEncoder();
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    el.append(text.slice(last, m.index));
    const mark = document.createElement('mark');
    mark.textContent = m[0];
    if (cur && cur.line === lineNo && enc.encode(text.slice(0, m.index)).length + 1 === cur.column) {
      mark.className = 'current';
    }
    el.append(mark);
    last = m.index + m[0].length;
  }
  el.append(text.slice(last));
}

async function renderLines(first, count) {
  const box = $('lines');
  const doc = ui.doc;
  if (!doc || !count || doc.lineCount == null) {
    box.replaceChildren();
    return;
  }
  const last = Math.min(first + count - 1, doc.lineCount);
  let lines;
  try {
    lines = await doc.lines(first, last);
  } catch (e) {
    fail(e);
    return;
  }
  if (doc !== ui.doc) return;
  const frag = document.createDocumentFragment();
  lines.forEach((text, i) => {
    const n = first + i;
    const row = document.createElement('div');
    row.className = 'line';
    row.dataset.line = n;
    if (ui.sel && n >= ui.sel.a && n <= ui.sel.b) row.classList.add('selected');
    const no = document.createElement('span');
    no.className = 'no';
    no.textContent = n;
    const t = document.createElement('span');
    t.className = 'text';
    t.dataset.testid = `line-${n}`;
    fillText(t, text.length > CLIP_CHARS ? text.slice(0, CLIP_CHARS) : text, n);
    row.append(no, t);
    if (text.length > CLIP_CHARS) {
      const clip = document.createElement('span');
      clip.className = 'clip';
      clip.textContent = `… +${fmtNum(text.length - CLIP_CHARS)} chars (open)`;
      clip.dataset.action = 'whole';
      row.append(clip);
    }
    frag.append(row);
  });
  box.replaceChildren(frag);
}

$('lines').addEventListener('click', (e) => {
  const row = e.target.closest('.line');
  if (!row) return;
  const n = Number(row.dataset.line);
  if (e.shiftKey && ui.sel) {
    selectLines(Math.min(ui.sel.a, n), Math.max(ui.sel.b, n));
  } else {
    selectLines(n, n);
  }
});

$('viewer').addEventListener('keydown', (e) => {
  if (textScroller.key(e)) e.preventDefault();
  else if (e.key === 'Enter' && ui.sel) { openLinesEditor(); e.preventDefault(); }
});

function selectLines(a, b) {
  ui.sel = { a, b };
  textScroller.refresh();
  openLinesEditor().catch(fail);
}

// ---------------------------------------------------------------- go to line / byte

function parseCount(text) {
  const digits = String(text).replace(/[\s,_'.]/g, '');
  if (!/^\d+$/.test(digits)) return null;
  return Number(digits);
}

function gotoLine(n) {
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) return;
  n = Math.min(Math.max(1, n), doc.lineCount);
  if (ui.view === 'csv') {
    gridScroller.reveal(Math.max(1, n - 1));
  } else {
    ui.sel = { a: n, b: n };
    textScroller.reveal(n);
  }
  say(`line ${fmtNum(n)}`);
}

$('goto-line').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const n = parseCount(e.target.value);
  if (n == null) return say(`not a line number: ${e.target.value}`, true);
  gotoLine(n);
});

$('goto-byte').addEventListener('keydown', async (e) => {
  if (e.key !== 'Enter' || !ui.doc) return;
  const off = parseCount(e.target.value);
  if (off == null) return say(`not a byte offset: ${e.target.value}`, true);
  if (off >= ui.doc.size) return say(`offset ${fmtNum(off)} is past the end (${fmtNum(ui.doc.size)} bytes)`, true);
  try {
    // The line holding `off`: the first character at or after it (a line ending counts).
    const [m] = await ui.doc.find('[\\s\\S]', { regex: true, from: off, max: 1 });
    if (m) gotoLine(m.line);
  } catch (err) {
    fail(err);
  }
});

// ---------------------------------------------------------------- search and replace

function searchInput() {
  const pattern = $('search').value;
  const regex = $('search-regex').checked;
  const s = ui.search;
  if (pattern !== s.pattern || regex !== s.regex) {
    Object.assign(s, { pattern, regex, current: null, matches: null });
    try {
      s.re = pattern ? new RegExp(regex ? pattern : escapeRegex(pattern), 'g') : null;
    } catch {
      s.re = null; // the engine's regex dialect may accept what JS does not; no highlight then
    }
    $('search-status').textContent = '';
  }
  return s;
}

async function countMatches() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return null;
  const matches = await withProgress(`Counting "${s.pattern}"`, (onProgress, signal) =>
    ui.doc.find(s.pattern, { regex: s.regex, max: COUNT_CAP, onProgress, signal }));
  s.matches = matches;
  const n = `${fmtNum(matches.length)}${matches.length >= COUNT_CAP ? '+' : ''}`;
  $('search-status').textContent = `${n} match${matches.length === 1 ? '' : 'es'}`;
  return matches;
}

function showMatch(m) {
  const s = ui.search;
  s.current = m;
  if (s.matches) {
    const i = s.matches.findIndex((x) => x.offset === m.offset);
    if (i >= 0) $('search-status').textContent = `${fmtNum(i + 1)} of ${fmtNum(s.matches.length)}${s.matches.length >= COUNT_CAP ? '+' : ''}`;
  }
  if (ui.view === 'csv') setView('text');
  textScroller.reveal(m.line);
}

async function findNext() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return;
  const from = s.current ? s.current.offset + Math.max(1, s.current.length) : 0;
  let [m] = await withProgress(`Searching "${s.pattern}"`, (onProgress, signal) =>
    ui.doc.find(s.pattern, { regex: s.regex, from, max: 1, onProgress, signal }));
  if (!m && from > 0) {
    [m] = await ui.doc.find(s.pattern, { regex: s.regex, from: 0, max: 1 });
    if (m) say('search wrapped to the top');
  }
  if (!m) {
    $('search-status').textContent = 'no match';
    textScroller.refresh();
    return;
  }
  showMatch(m);
}

async function findPrev() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return;
  const matches = s.matches ?? (await countMatches());
  if (!matches?.length) return;
  const at = s.current ? s.current.offset : Infinity;
  let m = null;
  for (const x of matches) if (x.offset < at) m = x;
  if (!m) {
    m = matches.at(-1);
    say('search wrapped to the last counted match');
  }
  showMatch(m);
}

$('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  (e.shiftKey ? findPrev() : findNext()).catch(fail);
});
$('search').addEventListener('input', () => { searchInput(); textScroller.refresh(); });
$('search-regex').addEventListener('change', () => { searchInput(); textScroller.refresh(); });
$('search-next').addEventListener('click', () => findNext().catch(fail));
$('search-prev').addEventListener('click', () => findPrev().catch(fail));
$('search-count').addEventListener('click', () => countMatches().catch(fail));

$('replace-preview').addEventListener('click', async () => {
  try {
    const matches = await countMatches();
    if (matches) say(`replace all would change ${fmtNum(matches.length)}${matches.length >= COUNT_CAP ? '+' : ''} matches`);
  } catch (e) {
    fail(e);
  }
});

$('replace-all').addEventListener('click', async () => {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return;
  const replacement = $('replace').value;
  const { pattern, regex } = s;
  try {
    const report = await withProgress(`Replacing "${pattern}"`, (onProgress, signal) =>
      ui.history.apply(`replace all "${pattern}" → "${replacement}"`, () =>
        ui.doc.replaceAll(pattern, replacement, { regex, onProgress, signal })));
    s.current = null;
    s.matches = null;
    await afterEdit();
    say(`replaced ${fmtNum(report?.replaced ?? 0)} matches`);
  } catch (e) {
    fail(e);
  }
});

// ---------------------------------------------------------------- editing lines and sections

async function openLinesEditor() {
  const { a, b } = ui.sel;
  const lines = await ui.doc.lines(a, b);
  ui.editor = { mode: 'lines', a, b };
  $('editor-title').textContent = a === b ? `Line ${fmtNum(a)}` : `Lines ${fmtNum(a)}–${fmtNum(b)}`;
  $('edit-text').value = lines.join('\n');
  $('edit-note').textContent = lines.some((l) => l.includes('\uFFFD'))
    ? 'These lines hold bytes that are not UTF-8 (shown as �): replacing them writes the � characters.'
    : 'Replace writes the text in place of the selected lines (their line ending is kept).';
  showEditorButtons(true);
  $('editor').hidden = false;
  textScroller.reveal(b); // the panel takes room from the viewer: keep the selection in sight
}

function showEditorButtons(lines) {
  $('edit-insert').hidden = !lines;
  $('edit-delete').hidden = !lines;
}

function closeEditor() {
  ui.editor = null;
  $('editor').hidden = true;
}

async function stage(label, run) {
  try {
    await ui.history.apply(label, run);
    await afterEdit();
    say(`staged: ${label}`);
    return true;
  } catch (e) {
    fail(e);
    return false;
  }
}

$('edit-apply').addEventListener('click', async () => {
  const ed = ui.editor;
  if (!ed) return;
  const text = $('edit-text').value;
  const doc = ui.doc;
  if (ed.mode === 'lines') {
    const { a, b } = ed;
    const label = a === b ? `replace line ${a}` : `replace lines ${a}–${b}`;
    if (await stage(label, () => doc.replaceLines(a, b, text))) closeEditor();
  } else if (ed.mode === 'section') {
    const { path } = ed;
    if (await stage(`replace section "${path}"`, () => doc.replaceSection(path, text))) closeEditor();
  } else if (ed.mode === 'rename') {
    const { path } = ed;
    const title = text.trim();
    if (await stage(`rename "${path}" → "${title}"`, () => doc.renameSection(path, title))) closeEditor();
  }
});

$('edit-insert').addEventListener('click', async () => {
  const ed = ui.editor;
  if (ed?.mode !== 'lines') return;
  const text = $('edit-text').value;
  const { b } = ed;
  if (await stage(`insert after line ${b}`, () => ui.doc.insertLines(b, text))) closeEditor();
});

$('edit-delete').addEventListener('click', async () => {
  const ed = ui.editor;
  if (ed?.mode !== 'lines') return;
  const { a, b } = ed;
  if (await stage(a === b ? `delete line ${a}` : `delete lines ${a}–${b}`, () => ui.doc.deleteLines(a, b))) {
    ui.sel = null;
    closeEditor();
  }
});

$('edit-close').addEventListener('click', closeEditor);
$('edit-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('edit-apply').click(); }
  if (e.key === 'Escape') closeEditor();
});

/** After any staged edit (or undo): new line count, redraw, edits panel, outline. */
async function afterEdit() {
  const doc = ui.doc;
  if (!doc) return; // another file was opened meanwhile
  $('line-count').textContent = fmtNum(doc.lineCount);
  textScroller.setRows(doc.lineCount ?? 0);
  if (ui.view === 'csv') gridScroller.setRows(Math.max(0, (doc.lineCount ?? 1) - 1));
  if (ui.kind === 'markdown') await loadOutline();
  await renderEdits();
}

// ---------------------------------------------------------------- pending edits

async function renderEdits() {
  const list = $('edits');
  const h = ui.history;
  if (!ui.doc || !h) {
    list.replaceChildren();
    $('edits-count').textContent = '0';
    return;
  }
  const staged = await ui.doc.edits();
  $('edits-count').textContent = String(staged.length);
  const items = staged.map((edit, i) => {
    const li = document.createElement('li');
    li.dataset.testid = `edit-${i + 1}`;
    const span = document.createElement('span');
    span.textContent = `${i + 1}. ${h.done[i]?.label ?? edit.description ?? edit.op}`;
    span.title = edit.description ?? '';
    const rm = document.createElement('button');
    rm.textContent = '×';
    rm.title = 'Remove this edit (later edits are re-applied)';
    rm.dataset.remove = i;
    li.append(span, rm);
    return li;
  });
  for (const edit of [...h.undone].reverse()) {
    const li = document.createElement('li');
    li.className = 'undone';
    const span = document.createElement('span');
    span.textContent = `undone: ${edit.label}`;
    li.append(span);
    items.push(li);
  }
  list.replaceChildren(...items);
  $('undo').disabled = !h.done.length;
  $('redo').disabled = !h.undone.length;
}

async function historyStep(what) {
  if (!ui.history || ui.busy) return;
  try {
    await what(ui.history);
  } catch (e) {
    fail(e);
  }
  await afterEdit();
}

$('undo').addEventListener('click', () => historyStep((h) => h.undo()));
$('redo').addEventListener('click', () => historyStep((h) => h.redo()));
$('edits').addEventListener('click', (e) => {
  const i = e.target.dataset?.remove;
  if (i !== undefined) historyStep((h) => h.remove(Number(i)));
});

document.addEventListener('keydown', (e) => {
  const inField = /^(INPUT|TEXTAREA)$/.test(e.target.tagName);
  if ((e.ctrlKey || e.metaKey) && !e.altKey) {
    if (e.key === 'g') { e.preventDefault(); $('goto-line').focus(); }
    else if (e.key === 'f') { e.preventDefault(); $('search').focus(); }
    else if (!inField && e.key === 'z') { e.preventDefault(); $('undo').click(); }
    else if (!inField && (e.key === 'y' || e.key === 'Z')) { e.preventDefault(); $('redo').click(); }
  }
});

// ---------------------------------------------------------------- Markdown outline

async function loadOutline() {
  try {
    ui.outline = await ui.doc.outline();
  } catch (e) {
    ui.outline = [];
    fail(e);
  }
  const items = ui.outline.map((h, i) => {
    const li = document.createElement('li');
    li.dataset.testid = 'outline-item';
    li.dataset.path = h.path;
    li.dataset.index = i;
    li.style.paddingLeft = `${(h.level - 1) * 12 + 4}px`;
    li.textContent = h.title;
    li.title = `${h.path} · lines ${h.lines[0]}–${h.lines[1]}`;
    if (ui.section?.path === h.path) li.classList.add('current');
    return li;
  });
  $('outline').replaceChildren(...items);
  if (ui.section && !ui.outline.some((h) => h.path === ui.section.path)) ui.section = null;
  $('section-actions').hidden = !ui.section;
}

$('outline').addEventListener('click', (e) => {
  const li = e.target.closest('li');
  if (!li) return;
  const h = ui.outline[Number(li.dataset.index)];
  ui.section = h;
  for (const x of $('outline').children) x.classList.toggle('current', x === li);
  $('section-actions').hidden = false;
  ui.sel = { a: h.lines[0], b: h.lines[0] };
  textScroller.scrollTo(h.lines[0]);
});

/** The siblings of outline entry `h`: entries of the same level under the same parent. */
function siblings(h) {
  const parent = h.path.includes(' > ') ? h.path.slice(0, h.path.lastIndexOf(' > ')) : '';
  return ui.outline.filter((x) => x.level === h.level
    && (x.path.includes(' > ') ? x.path.slice(0, x.path.lastIndexOf(' > ')) : '') === parent);
}

$('section-edit').addEventListener('click', async () => {
  const h = ui.section;
  if (!h) return;
  try {
    const text = await ui.doc.readSection(h.path);
    ui.editor = { mode: 'section', path: h.path };
    $('editor-title').textContent = `Section "${h.path}"`;
    $('edit-text').value = text;
    $('edit-note').textContent = 'Replace writes this text as the whole section (heading included).';
    showEditorButtons(false);
    $('editor').hidden = false;
  } catch (e) {
    fail(e);
  }
});

$('section-rename').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  ui.editor = { mode: 'rename', path: h.path };
  $('editor-title').textContent = `Rename "${h.path}"`;
  $('edit-text').value = h.title;
  $('edit-note').textContent = 'The new heading title (level and anchor line stay).';
  showEditorButtons(false);
  $('editor').hidden = false;
});

$('section-delete').addEventListener('click', () => {
  const h = ui.section;
  if (h) stage(`delete section "${h.path}"`, () => ui.doc.deleteSection(h.path));
});

$('section-up').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  const sib = siblings(h);
  const prev = sib[sib.findIndex((x) => x.path === h.path) - 1];
  if (!prev) return say('already the first of its level', true);
  stage(`move "${h.path}" before "${prev.path}"`, () => ui.doc.moveSection(h.path, { before: prev.path }));
});

$('section-down').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  const sib = siblings(h);
  const next = sib[sib.findIndex((x) => x.path === h.path) + 1];
  if (!next) return say('already the last of its level', true);
  stage(`move "${h.path}" after "${next.path}"`, () => ui.doc.moveSection(h.path, { after: next.path }));
});

// ---------------------------------------------------------------- CSV grid

const gridScroller = new Scroller($('grid-wrap'), $('grid-spacer'), LINE_H + 1, renderGrid, 1);

/** Shows the text view or the CSV grid, keeping the same place in the file. */
function setView(view) {
  const was = ui.view;
  ui.view = view;
  $('viewer').hidden = view !== 'text';
  $('grid-wrap').hidden = view !== 'csv';
  $('mode-text').classList.toggle('on', view === 'text');
  $('mode-csv').classList.toggle('on', view === 'csv');
  if (view === 'csv' && ui.doc?.lineCount != null) {
    gridScroller.setRows(Math.max(0, ui.doc.lineCount - 1));
    if (was === 'text') gridScroller.scrollTo(Math.max(1, textScroller.first - 1));
  } else if (view === 'text' && was === 'csv') {
    textScroller.scrollTo(gridScroller.first + 1);
  } else {
    textScroller.refresh();
  }
}

$('mode-text').addEventListener('click', () => setView('text'));
$('mode-csv').addEventListener('click', () => setView('csv'));

/** Renders records first..first+count-1 (record r is line r + 1; line 1 is the header). */
async function renderGrid(first, count) {
  const box = $('grid');
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) {
    box.replaceChildren();
    return;
  }
  const last = Math.min(first + count - 1, doc.lineCount - 1);
  let header;
  let rows = [];
  try {
    [header] = await doc.lines(1, 1);
    if (last >= first) rows = await doc.lines(first + 1, last + 1);
  } catch (e) {
    fail(e);
    return;
  }
  if (doc !== ui.doc) return;
  const d = ui.delimiter;
  const names = (splitLine(header ?? '', d) ?? [{ value: header }]).map((f) => f.value);
  ui.csvHeader = names;
  const table = document.createElement('table');
  const thead = table.createTHead().insertRow();
  thead.insertCell().outerHTML = '<th>#</th>';
  for (const name of names) {
    const th = document.createElement('th');
    th.textContent = name;
    thead.append(th);
  }
  const body = table.createTBody();
  rows.forEach((line, i) => {
    const r = first + i;
    const tr = body.insertRow();
    tr.dataset.record = r;
    const no = tr.insertCell();
    no.className = 'no';
    no.textContent = r;
    const fields = splitLine(line, d);
    if (!fields) {
      const td = tr.insertCell();
      td.colSpan = names.length;
      td.textContent = line;
      td.title = 'a record spanning lines: edit it in the text view';
      return;
    }
    fields.forEach((f, c) => {
      const td = tr.insertCell();
      td.className = 'cell';
      td.dataset.testid = `cell-${r}-${c + 1}`;
      td.dataset.col = c;
      td.textContent = f.value;
      td.title = f.value;
    });
  });
  box.replaceChildren(table);
}

$('grid').addEventListener('click', (e) => {
  const td = e.target.closest('td.cell');
  if (!td || td.querySelector('input')) return;
  const r = Number(td.parentElement.dataset.record);
  const c = Number(td.dataset.col);
  const input = document.createElement('input');
  input.value = td.textContent;
  input.dataset.testid = 'cell-input';
  td.replaceChildren(input);
  input.focus();
  input.select();
  input.addEventListener('keydown', async (ev) => {
    if (ev.key === 'Escape') return gridScroller.refresh();
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    const value = input.value;
    const line = r + 1;
    const [old] = await ui.doc.lines(line, line);
    const next = setField(old, c, value, ui.delimiter);
    if (next == null) return say(`record ${r} has no column ${c + 1}`, true);
    if (next === old) return gridScroller.refresh();
    const col = ui.csvHeader?.[c] ?? `#${c + 1}`;
    await stage(`set ${col} of record ${r}`, () => ui.doc.replaceLines(line, line, next));
  });
});

$('grid-wrap').addEventListener('keydown', (e) => {
  if (e.target.tagName !== 'INPUT' && gridScroller.key(e)) e.preventDefault();
});

/** The bulk-edit fields: where conditions and COL=VALUE assignments (comma or newline separated). */
function csvBulk() {
  const split = (s) => s.split(/\s*[\n;]\s*/).map((x) => x.trim()).filter(Boolean);
  return { where: split($('csv-where').value), set: split($('csv-set').value) };
}

$('csv-preview').addEventListener('click', async () => {
  const { where } = csvBulk();
  try {
    const rows = await withProgress('Counting matching records', () => ui.doc.csvRows(1, COUNT_CAP, { where }));
    $('csv-status').textContent = `${fmtNum(rows.length)}${rows.length >= COUNT_CAP ? '+' : ''} records match`;
  } catch (e) {
    fail(e);
  }
});

$('csv-apply').addEventListener('click', async () => {
  const { where, set } = csvBulk();
  if (!where.length || !set.length) return say('bulk edit needs a where condition and a COL=VALUE to set', true);
  try {
    const report = await withProgress('Applying bulk edit', () =>
      ui.history.apply(`set ${set.join(', ')} where ${where.join(', ')}`, () => ui.doc.csvSet({ where, set })));
    await afterEdit();
    $('csv-status').textContent = `changed: ${JSON.stringify(report)}`;
  } catch (e) {
    fail(e);
  }
});

// ---------------------------------------------------------------- saving

function opfsName(name) {
  return `edited-${name.replace(/[\\/:*?"<>|]/g, '_')}`;
}

$('save').addEventListener('click', async () => {
  const doc = ui.doc;
  if (!doc) return;
  const name = opfsName(ui.file.name);
  $('save-status').textContent = '';
  $('download').hidden = true;
  $('save-back').hidden = true;
  try {
    const { quota = Infinity, usage = 0 } = (await navigator.storage.estimate?.()) ?? {};
    const free = quota - usage;
    if (doc.size > free) {
      $('save-status').textContent = `not saved: the edited file needs ${fmtBytes(doc.size)} but the browser grants only ${fmtBytes(free)} of storage here`;
      say('not enough browser storage to save (free some space or use Download without saving)', true);
      return;
    }
    const started = performance.now();
    const res = await withProgress(`Saving ${name}`, (onProgress, signal) => doc.saveToOpfs(name, { onProgress, signal }));
    const secs = (performance.now() - started) / 1000;
    $('save-status').textContent = `saved ${res.name} (${fmtBytes(res.size)} in ${secs.toFixed(1)} s)`;
    $('save-status').dataset.name = res.name;
    const root = await navigator.storage.getDirectory();
    const saved = await (await root.getFileHandle(res.name)).getFile();
    const a = $('download');
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(saved);
    a.download = ui.file.name;
    a.hidden = false;
    $('save-back').hidden = !ui.handle;
    say('saved to browser storage; the original file is unchanged until you download or save back');
  } catch (e) {
    $('save-status').textContent = 'not saved';
    fail(e);
  }
});

$('save-back').addEventListener('click', async () => {
  const handle = ui.handle;
  const name = $('save-status').dataset.name;
  if (!handle || !name) return;
  try {
    if ((await handle.requestPermission?.({ mode: 'readwrite' })) === 'denied') {
      return say('permission to write the file was denied', true);
    }
    const root = await navigator.storage.getDirectory();
    const saved = await (await root.getFileHandle(name)).getFile();
    await withProgress(`Writing ${handle.name}`, async (onProgress) => {
      const out = await handle.createWritable();
      let done = 0;
      const counter = new TransformStream({
        transform(chunk, ctl) { done += chunk.byteLength; onProgress(done, saved.size); ctl.enqueue(chunk); },
      });
      await saved.stream().pipeThrough(counter).pipeTo(out);
    });
    say(`wrote ${handle.name}; reopening it`);
    await openFile(await handle.getFile(), handle);
  } catch (e) {
    fail(e);
  }
});

// ---------------------------------------------------------------- memory readout

let memoryTimer = null;

function startMemoryReadout() {
  if (memoryTimer) return;
  const tick = async () => {
    const el = $('memory');
    let wasm = null;
    try {
      wasm = (await stats())?.wasmMemoryBytes ?? null;
    } catch { /* the worker is busy starting */ }
    const heap = performance.memory?.usedJSHeapSize ?? null;
    el.dataset.wasmBytes = wasm ?? '';
    el.dataset.heapBytes = heap ?? '';
    el.textContent = `wasm ${fmtBytes(wasm)} · JS heap ${heap == null ? 'n/a' : fmtBytes(heap)}`;
    memoryTimer = setTimeout(tick, 1000);
  };
  tick();
}

// Exposed for tests and automation (state only; the page works without it).
window.bigeditEditor = { ui, gotoLine };
