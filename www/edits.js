// Staging edits and the pending-edits panel: every edit goes through `stage` (History remembers
// it for redo and removal, and its effect for the gutter marks); `afterEdit` brings the whole page
// up to date; undo, redo (Ctrl+Z / Ctrl+Y) and × to remove one edit.

import { $, ui } from './state.js';
import { fmtNum } from './format.js';
import { say, fail } from './status.js';
import { textScroller } from './viewer.js';
import { gridScroller, csvAfterEdit, ensureCsvIndex } from './grid.js';
import { loadOutline } from './outline.js';
import { forgetMatches } from './search.js';

/**
 * Stages one edit: `run()` stages it on the document, `effect` (see history.js) tells which rows
 * it changed. Reports errors in the status bar; returns whether the edit was staged.
 */
export async function stage(label, run, effect = null) {
  try {
    await ui.history.apply(label, run, effect);
    await afterEdit({ cellEdit: !!ui.history.done.at(-1)?.effect.cell });
    say(`staged: ${label}`);
    return true;
  } catch (e) {
    fail(e);
    return false;
  }
}

/**
 * After any staged edit (or undo): new line count, marks, redraw, edits panel, outline. Only a
 * CSV cell edit (`cellEdit`) keeps the engine's record index.
 */
export async function afterEdit({ cellEdit = false } = {}) {
  const doc = ui.doc;
  if (!doc) return; // another file was opened meanwhile
  forgetMatches();
  ui.marks = ui.history.marks();
  $('line-count').textContent = fmtNum(doc.lineCount);
  textScroller.setRows(doc.lineCount ?? 0);
  if (ui.kind === 'csv') {
    csvAfterEdit(cellEdit);
    if (ui.view === 'csv') {
      // Index again before drawing (and before the next pass can start), so rows past a
      // deleted end are never asked for.
      await ensureCsvIndex().catch(fail);
      gridScroller.setRows(ui.csv?.records ?? 0);
    }
  }
  if (ui.kind === 'markdown') await loadOutline();
  await renderEdits();
}

export async function renderEdits() {
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
