// Staging edits and the pending-edits panel: every edit of a panel goes through `stage` (History
// remembers it for redo and removal, and its effect for the gutter marks), typed edits through
// typing.js; both run in the one queue (queue.js). `afterEdit` brings the page up to date; undo,
// redo (Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y, in the editor or anywhere on the page) and × to remove
// one entry. The panel lists History entries: a group of keystrokes is one entry (one undo step)
// however many engine splices it staged.

import { $, ui } from './state.js';
import { fmtNum } from './format.js';
import { say, fail } from './status.js';
import { enqueue, bump } from './queue.js';
import { textScroller, reload, redrawMarks, breakTypingGroup, selectedText, refreshStatus } from './viewer.js';
import { gridScroller, csvAfterEdit, ensureCsvIndex } from './grid.js';
import { loadOutline } from './outline.js';
import { forgetMatches, drawHits } from './search.js';

/**
 * Stages one edit: `run()` stages it on the document, `effect` (see history.js) tells which rows
 * it changed, `bytes` that it addresses view bytes (see history.js). Reports errors in the status
 * bar; returns whether the edit was staged.
 */
export async function stage(label, run, effect = null, bytes = false) {
  breakTypingGroup();
  try {
    bump();
    await enqueue(() => ui.history.apply(label, run, effect, 1, bytes));
    await afterEdit({ cellEdit: !!ui.history.done.at(-1)?.effect.cell });
    say(`staged: ${label}`);
    return true;
  } catch (e) {
    fail(e);
    return false;
  }
}

/**
 * After any staged edit (or undo): line count, marks, the editor window (loaded again from the
 * overlay unless the edit was typed in it: `typed`), the edits panel, the outline. Only a CSV
 * cell edit (`cellEdit`) keeps the engine's record index.
 */
export async function afterEdit({ cellEdit = false, typed = false } = {}) {
  const doc = ui.doc;
  if (!doc) return; // another file was opened meanwhile
  forgetMatches();
  ui.marks = ui.history.marks();
  $('line-count').textContent = fmtNum(doc.lineCount);
  if (typed) {
    if (textScroller.rows !== doc.lineCount) textScroller.resize(doc.lineCount ?? 0);
    redrawMarks({ ifChanged: true });
  } else {
    await reload();
  }
  if (!typed) drawHits();
  if (ui.kind === 'csv') {
    csvAfterEdit(cellEdit);
    if (ui.view === 'csv') {
      // Index again before drawing (and before the next pass can start), so rows past a
      // deleted end are never asked for.
      await ensureCsvIndex().catch(fail);
      gridScroller.setRows(ui.csv?.records ?? 0);
    }
  }
  if (ui.kind === 'markdown' && !typed) await loadOutline();
  else if (ui.kind === 'markdown') scheduleOutline();
  renderEdits({ ifChanged: typed });
  refreshStatus();
}

let outlineTimer = null;

/** Reads the outline again a moment after typing stops (a full pass: not after every key). */
function scheduleOutline() {
  clearTimeout(outlineTimer);
  outlineTimer = setTimeout(() => { if (ui.doc && !ui.busy) loadOutline(); }, 1500);
}

let drawnEdits = null;

/**
 * Draws the pending-edits panel from History (one entry per undo step); `ifChanged`: only when
 * steps were added or removed (more keys in the last typing step change nothing shown).
 */
export function renderEdits({ ifChanged = false } = {}) {
  const list = $('edits');
  const h = ui.history;
  const shape = h && `${h.done.length}/${h.undone.length}/${h.done.at(-1)?.label}`;
  if (ifChanged && shape === drawnEdits) return;
  drawnEdits = shape;
  if (!ui.doc || !h) {
    list.replaceChildren();
    $('edits-count').textContent = '0';
    return;
  }
  $('edits-count').textContent = String(h.done.length);
  const items = h.done.map((edit, i) => {
    const li = document.createElement('li');
    li.dataset.testid = `edit-${i + 1}`;
    const span = document.createElement('span');
    span.textContent = `${i + 1}. ${edit.label}`;
    span.title = edit.count > 1 ? `${edit.label} (${fmtNum(edit.count)} splices)` : edit.label;
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

/** Runs an undo, a redo or a removal in the queue, then loads the window again. */
async function historyStep(what) {
  if (!ui.history || ui.busy) return;
  breakTypingGroup();
  bump();
  try {
    await enqueue(() => what(ui.history));
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
  if (e.defaultPrevented) return; // the editor's keymap handled it
  const inField = /^(INPUT|TEXTAREA)$/.test(e.target.tagName);
  if ((e.ctrlKey || e.metaKey) && !e.altKey) {
    if (e.key === 'g') { e.preventDefault(); $('goto-line').focus(); }
    else if (e.key === 'f') {
      e.preventDefault();
      const picked = selectedText();
      if (picked) $('search').value = picked;
      $('search').focus();
      $('search').select();
      $('search').dispatchEvent(new Event('input'));
    }
    else if (!inField && e.key === 'z') { e.preventDefault(); $('undo').click(); }
    else if (!inField && (e.key === 'y' || e.key === 'Z')) { e.preventDefault(); $('redo').click(); }
  }
});
