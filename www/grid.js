// The CSV grid: the visible records with the header pinned; click a cell to edit it; a
// where/set bulk edit with a preview count.

import { $, ui, LINE_H, COUNT_CAP } from './state.js';
import { fmtNum } from './format.js';
import { say, fail, withProgress } from './status.js';
import { Scroller } from './scroller.js';
import { splitLine, setField } from './csv-line.js';
import { textScroller } from './viewer.js';
import { stage, afterEdit } from './edits.js';

export const gridScroller = new Scroller($('grid-wrap'), $('grid-spacer'), LINE_H + 1, renderGrid, 1);

/** Shows the text view or the CSV grid, keeping the same place in the file. */
export function setView(view) {
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

/** The record holding line `n`. */
export async function recordOfLine(n) {
  return Math.max(1, n - 1);
}

/** Keeps the record count current after an edit. */
export function csvRecordsAfterEdit() {
  ui.csv = { records: Math.max(0, (ui.doc.lineCount ?? 1) - 1) };
}

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
    await stage(`set ${col} of record ${r}`, () => ui.doc.replaceLines(line, line, next),
      ({ delta }) => ({ lines: [{ a: line, b: line, n: 1 + delta }], records: [{ a: r, b: r, n: 1 }] }));
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
