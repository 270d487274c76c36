// The CSV grid: the visible records with the header pinned (a record whose quoted fields hold
// line breaks is one grid row); click a cell to edit it (only that field's bytes change); a
// where/set bulk edit and a delete-where with a preview count.
//
// The grid scrolls by records: their number comes from the engine's record index (csvIndex, one
// full pass), the visible ones from csvRows (a short scan from the index's checkpoint). A cell
// edit keeps the record index (the engine shifts it); any other edit, or an undo, drops it, so
// the grid indexes again (`ui.csvStale`) before it shows records.

import { $, ui, LINE_H } from './state.js';
import { fmtNum } from './format.js';
import { say, fail, withProgress } from './status.js';
import { Scroller } from './scroller.js';
import { isMarked, replaced } from './marks.js';
import { textScroller, lineOfByte } from './viewer.js';
import { stage } from './edits.js';

export const gridScroller = new Scroller($('grid-wrap'), $('grid-spacer'), LINE_H + 1, renderGrid, 1);

/** Builds the record index (with the progress bar) when there is none or an edit dropped it. */
export async function ensureCsvIndex() {
  if (ui.csv && !ui.csvStale) return ui.csv;
  const doc = ui.doc;
  const info = await withProgress('Indexing CSV records', (onProgress, signal) => doc.csvIndex({ onProgress, signal }));
  if (doc !== ui.doc) return null;
  ui.csv = info;
  ui.csvStale = false;
  $('csv-info').textContent = `${fmtNum(info.records)} records · ${info.hasHeader ? `${info.header.length} columns` : 'no header'} · `
    + `delimiter ${JSON.stringify(info.delimiter)} · ${info.newline}`;
  return info;
}

/** Shows the text view or the CSV grid, keeping the same place in the file. */
export async function setView(view) {
  const was = ui.view;
  if (view === 'csv' && ui.doc) {
    try {
      if (!(await ensureCsvIndex())) return;
    } catch (e) {
      fail(e);
      return;
    }
  }
  ui.view = view;
  $('viewer').hidden = $('text-wrap').hidden = view !== 'text';
  $('grid-wrap').hidden = view !== 'csv';
  $('mode-text').classList.toggle('on', view === 'text');
  $('mode-csv').classList.toggle('on', view === 'csv');
  if (view === 'csv') {
    gridScroller.setRows(ui.csv?.records ?? 0);
    if (was === 'text') gridScroller.scrollTo(await recordOfLine(textScroller.first));
  } else if (was === 'csv' && ui.doc && ui.csv) {
    textScroller.scrollTo(await lineOfRecord(gridScroller.first));
  } else {
    textScroller.refresh();
  }
}

$('mode-text').addEventListener('click', () => setView('text'));
$('mode-csv').addEventListener('click', () => setView('csv'));

/** The line where data record `r` starts. */
async function lineOfRecord(r) {
  const [row] = await ui.doc.csvRows(r, r);
  return row ? await lineOfByte(row.offset) ?? 1 : 1;
}

/**
 * The data record holding line `n` (the first record for a header line). When every record is
 * one line (records = lines - header) that is arithmetic; otherwise a binary search over records
 * (two short engine calls a step).
 */
export async function recordOfLine(n) {
  const csv = ui.csv;
  if (!csv?.records) return 1;
  const head = csv.hasHeader ? 1 : 0;
  if (csv.records === ui.doc.lineCount - head) return Math.min(Math.max(1, n - head), csv.records);
  let lo = 1;
  let hi = csv.records;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await lineOfRecord(mid)) <= n) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** After an edit: a cell edit keeps the record index, any other edit (or undo) drops it. */
export function csvAfterEdit(cellEdit) {
  if (!cellEdit) ui.csvStale = true;
}

/** The grid's column names: the header, or 1, 2, ... for a file without one. */
function columnNames(rows) {
  if (ui.csv?.header) return ui.csv.header;
  const n = Math.max(0, ...rows.map((r) => r.fields.length));
  return Array.from({ length: n }, (_, i) => String(i + 1));
}

/** Renders data records first..first+count-1. */
async function renderGrid(first, count) {
  const box = $('grid');
  const doc = ui.doc;
  if (!doc || !ui.csv || ui.view !== 'csv') {
    box.replaceChildren();
    return;
  }
  if (ui.csvStale) {
    await setView('csv'); // indexes again, then renders
    return;
  }
  const last = Math.min(first + count - 1, ui.csv.records);
  let rows = [];
  try {
    if (last >= first) rows = await doc.csvRows(first, last);
  } catch (e) {
    // A pass staged meanwhile may have removed records: the redraw after it shows the rows.
    if (!ui.busy && !ui.csvStale && doc === ui.doc) fail(e);
    return;
  }
  if (doc !== ui.doc) return;
  const names = columnNames(rows);
  const table = document.createElement('table');
  const thead = table.createTHead().insertRow();
  thead.insertCell().outerHTML = '<th>#</th>';
  for (const name of names) {
    const th = document.createElement('th');
    th.textContent = name;
    thead.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const r = row.record;
    const tr = body.insertRow();
    tr.dataset.record = r;
    tr.dataset.offset = row.offset;
    const no = tr.insertCell();
    no.className = 'no';
    no.textContent = r;
    if (isMarked(ui.marks.records, r)) {
      tr.classList.add('edited');
      no.dataset.testid = `edited-record-${r}`;
      no.title = 'changed by a pending edit';
    }
    row.fields.forEach((value, c) => {
      const td = tr.insertCell();
      td.className = /[\r\n]/.test(value) ? 'cell multiline' : 'cell';
      td.dataset.testid = `cell-${r}-${c + 1}`;
      td.dataset.col = c;
      td.textContent = value;
      td.title = value;
    });
  }
  box.replaceChildren(table);
}

$('grid').addEventListener('click', (e) => {
  const td = e.target.closest('td.cell');
  if (!td || td.querySelector('input, textarea')) return;
  const tr = td.parentElement;
  const r = Number(tr.dataset.record);
  const offset = Number(tr.dataset.offset);
  const c = Number(td.dataset.col);
  const old = td.textContent;
  // A value with line breaks is edited in a textarea (Shift+Enter adds a line break).
  const input = document.createElement(/[\r\n]/.test(old) ? 'textarea' : 'input');
  input.value = old;
  input.dataset.testid = 'cell-input';
  td.replaceChildren(input);
  input.focus();
  input.select();
  input.addEventListener('keydown', async (ev) => {
    if (ev.key === 'Escape') return gridScroller.refresh();
    if (ev.key !== 'Enter' || ev.shiftKey) return;
    ev.preventDefault();
    const value = input.value;
    if (value === old) return gridScroller.refresh();
    const column = ui.csv.header?.[c] ?? String(c + 1);
    // The record's lines: from its first line, one more per line break inside its fields.
    const fields = [...tr.querySelectorAll('td.cell')].map((x, i) => (i === c ? old : x.textContent));
    const breaks = fields.join('').split('\n').length - 1;
    const line = await lineOfByte(offset);
    await stage(`set ${column} of record ${fmtNum(r)}`, () => ui.doc.csvSetCell(r, column, value),
      ({ delta }) => ({
        lines: line ? replaced(line, line + breaks, delta) : undefined,
        records: [{ a: r, b: r, n: 1 }],
        cell: true,
      }));
  });
});

$('grid-wrap').addEventListener('keydown', (e) => {
  if (!/^(INPUT|TEXTAREA)$/.test(e.target.tagName) && gridScroller.key(e)) e.preventDefault();
});

/** The bulk-edit fields: where conditions and COL=VALUE assignments (`;` or newline separated). */
function csvBulk() {
  const split = (s) => s.split(/\s*[\n;]\s*/).map((x) => x.trim()).filter(Boolean);
  return { where: split($('csv-where').value), set: split($('csv-set').value) };
}

/** A CSV report as one line: "changed 12 of 40 matching rows (3 skipped)". */
function describe(report, verb) {
  const skipped = report.skipped?.length ? ` (${fmtNum(report.skipped.length)} rows skipped: wrong number of fields)` : '';
  return `${verb} ${fmtNum(report.changed)} of ${fmtNum(report.matched)} matching rows${skipped}`;
}

$('csv-preview').addEventListener('click', async () => {
  const { where } = csvBulk();
  if (!ui.doc) return;
  try {
    const n = await withProgress('Counting matching records', (onProgress, signal) => ui.doc.csvCount({ where, onProgress, signal }));
    const skipped = n.skipped?.length ? ` (${fmtNum(n.skipped.length)} skipped)` : '';
    $('csv-status').textContent = `${fmtNum(n.matched)} of ${fmtNum(n.rows)} records match${skipped}`;
  } catch (e) {
    fail(e);
  }
});

/** Stages a bulk CSV edit (a pass with the progress bar) and shows its report. */
async function bulk(label, verb, run) {
  let report;
  const ok = await stage(label, () => withProgress(label, (onProgress, signal) => run(onProgress, signal)).then((r) => { report = r; return r; }),
    ({ delta }) => ({ lines: delta === 0 ? 'keep' : undefined, records: verb === 'changed' ? 'keep' : undefined }));
  if (ok) $('csv-status').textContent = describe(report, verb);
}

$('csv-apply').addEventListener('click', () => {
  const { where, set } = csvBulk();
  if (!ui.doc) return;
  if (!where.length || !set.length) return say('bulk edit needs a where condition and a COL=VALUE to set', true);
  bulk(`set ${set.join(', ')} where ${where.join(', ')}`, 'changed',
    (onProgress, signal) => ui.doc.csvSet({ where, set, onProgress, signal }));
});

$('csv-delete').addEventListener('click', () => {
  const { where } = csvBulk();
  if (!ui.doc) return;
  if (!where.length) return say('delete needs a where condition', true);
  bulk(`delete rows where ${where.join(', ')}`, 'deleted',
    (onProgress, signal) => ui.doc.csvDelete({ where, onProgress, signal }));
});
