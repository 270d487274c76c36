// The bigedit web editor: wires the page to the engine's main-thread facade (../js/index.js),
// which runs the wasm engine in a module worker. The page never holds more of the file than the
// lines on screen: every read is a request for a few lines, every full pass (index, search,
// replace-all, save) runs in the worker and reports progress here.
//
// This module opens files (picker, drop, the sample) and indexes them; the rest of the page is in
//   state.js     shared state and constants       status.js   messages, progress, memory readout
//   viewer.js    the editor: CodeMirror 6 over a window of the file, go to line / byte
//   navigation.js  Page Up/Down and arrows by lines, across window edges
//   md-style.js  Markdown highlighting in the page's colours
//   typing.js    typed edits staged as byte splices, keystroke groups
//   whole-file.js  Ctrl+A: the whole file as an engine range
//   cm-lines.js  file line numbers, edited marks, search marks, read-only lines (CM extensions)
//   rainbow.js   CSV columns coloured in the text view  cursor-status.js  line:column, bytes
//   search.js    find, next/previous, replace      edits.js    staging, pending edits, undo/redo
//   editor.js    the Markdown section panel        outline.js  the Markdown outline
//   grid.js      the CSV grid and bulk edit        save.js     save to OPFS, download, save back
//   sample.js    the generated sample              queue.js    one queue for every staged edit
// and the DOM-free logic (tested in Node): format.js, marks.js, matches.js, history.js,
// window.js (the window's bytes), window-range.js (which lines a window holds), cm-window.js.

import { open, openUrl } from '../js/index.js';
import { urlName } from '../js/url-source.js';
import { $, ui } from './state.js';
import { fmtBytes, fmtNum } from './format.js';
import { say, fail, withProgress, startMemoryReadout } from './status.js';
import { History } from './history.js';
import { textScroller, gotoLine, resetEditor, view, win, viewportLine, settled, debugState } from './viewer.js';
import { gridScroller, setView } from './grid.js';
import { closeEditor } from './editor.js';
import { renderEdits } from './edits.js';
import { loadOutline } from './outline.js';
import { clearSaved } from './save.js';
import { sampleBytes, sampleName, writeSample } from './sample.js';
import './search.js';

/** Opens `file` (with its File System Access `handle`, if any) and indexes it. */
export function openFile(file, handle = null) {
  return openDocument(file, handle, () => open(file));
}

/**
 * Opens the file at an http(s) `url` (a presigned object URL, a static server): every read is a
 * Range request, so the file is indexed and read without being downloaded; saving writes the
 * edited copy to browser storage, as for files.
 */
export async function openRemote(url) {
  const doc = await openUrl(url);
  return openDocument({ name: urlName(url), size: doc.size, url }, null, async () => doc);
}

/**
 * Opens a document: `file` is a File, or `{ name, size, url }` for a URL; `opener()` gives the
 * engine's document. Resets the page, then indexes it.
 */
async function openDocument(file, handle, opener) {
  if (ui.busy) ui.abort?.abort();
  if (ui.doc) {
    const old = ui.doc;
    ui.doc = null;
    await old.close().catch(() => {});
  }
  Object.assign(ui, { file, handle, section: null, outline: [], csv: null, csvStale: false, eol: '\n', bom: 0 });
  ui.marks = { lines: [], records: [] };
  Object.assign(ui.search, { pattern: null, current: null, matches: null });
  $('search-status').textContent = '';
  closeEditor();
  clearSaved();
  $('line-count').textContent = '–';
  $('ending').textContent = '';
  $('file-info').textContent = `${file.name} · ${fmtBytes(file.size)}${file.url ? ' · over HTTP' : ''}`;
  $('file-info').title = file.url ? `${file.url}: ${file.size} bytes, read with Range requests` : `${file.size} bytes`;
  ui.kind = /\.(md|markdown)$/i.test(file.name) ? 'markdown' : /\.(csv|tsv)$/i.test(file.name) ? 'csv' : 'text';
  $('outline-panel').hidden = ui.kind !== 'markdown';
  $('csv-panel').hidden = ui.kind !== 'csv';
  $('mode-text').hidden = $('mode-csv').hidden = ui.kind !== 'csv';
  $('encoding').textContent = '';
  resetEditor(ui.kind);
  await setView('text');
  textScroller.setRows(0);
  gridScroller.setRows(0);
  const doc = await opener();
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
  ui.eol = info.ending === 'CRLF' ? '\r\n' : '\n';
  const head = await doc.bytes(0, Math.min(3, doc.size));
  ui.bom = head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  $('encoding').textContent = ui.bom ? 'UTF-8 with BOM' : 'UTF-8';
  $('save').disabled = false;
  say(`indexed ${fmtNum(doc.lineCount)} lines`);
  if (ui.kind === 'markdown') await loadOutline();
  textScroller.setRows(doc.lineCount);
  textScroller.scrollTo(1);
  if (ui.kind === 'csv') await setView('csv'); // stays in the text view if it is not readable as CSV
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

$('open-url-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = $('open-url').value.trim();
  if (url) openRemote(new URL(url, location.href).href).catch(fail);
});

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

// The built-in sample, generated once into the origin-private file system.
$('sample').addEventListener('click', async () => {
  try {
    const bytes = sampleBytes(location.search);
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle(sampleName(bytes), { create: true });
    let file = await handle.getFile();
    if (file.size < bytes) {
      await withProgress('Generating the sample', (onProgress, signal) => writeSample(handle, bytes, onProgress, signal));
      file = await handle.getFile();
    }
    await openFile(file);
  } catch (e) {
    fail(e);
  }
});

// Exposed for tests and automation (state only; the page works without it).
window.bigeditEditor = { ui, gotoLine, view, win, textScroller, viewportLine, settled, debug: debugState };
