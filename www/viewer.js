// The text viewer: a virtual scroller over the lines of the edited view (only the visible lines
// are fetched), line numbers with edited lines marked, search highlights, selection, go to line
// or byte offset.

import { $, ui, LINE_H, CLIP_CHARS } from './state.js';
import { fmtNum, parseCount } from './format.js';
import { say, fail } from './status.js';
import { Scroller } from './scroller.js';
import { isMarked } from './marks.js';
import { openLinesEditor } from './editor.js';
import { gridScroller, recordOfLine } from './grid.js';

export const textScroller = new Scroller($('viewer'), $('spacer'), LINE_H, renderLines);

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
    if (isMarked(ui.marks.lines, n)) {
      row.classList.add('edited');
      no.dataset.testid = `edited-${n}`;
      no.title = 'changed by a pending edit';
    }
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

/** Shows line `n` (clamped): selects it in the text view, or shows its record in the grid. */
export async function gotoLine(n) {
  const doc = ui.doc;
  if (!doc || doc.lineCount == null) return;
  n = Math.min(Math.max(1, n), doc.lineCount);
  if (ui.view === 'csv') {
    gridScroller.reveal(await recordOfLine(n));
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
  gotoLine(n).catch(fail);
});

/** The line holding view byte `offset`: the line of the first character at or after it. */
export async function lineOfByte(offset) {
  const [m] = await ui.doc.find('[\\s\\S]', { regex: true, from: offset, max: 1 });
  return m?.line ?? null;
}

$('goto-byte').addEventListener('keydown', async (e) => {
  if (e.key !== 'Enter' || !ui.doc) return;
  const off = parseCount(e.target.value);
  if (off == null) return say(`not a byte offset: ${e.target.value}`, true);
  if (off >= ui.doc.size) return say(`offset ${fmtNum(off)} is past the end (${fmtNum(ui.doc.size)} bytes)`, true);
  try {
    const line = await lineOfByte(off);
    if (line) await gotoLine(line);
  } catch (err) {
    fail(err);
  }
});
