// The editor panel: replace, insert after or delete the selected lines; replace or rename a
// Markdown section (the outline opens it). Every edit is staged through edits.js's `stage`.

import { $, ui } from './state.js';
import { fmtNum } from './format.js';
import { replaced } from './marks.js';
import { textScroller } from './viewer.js';
import { stage } from './edits.js';

/** Opens the panel on the selected lines. */
export async function openLinesEditor() {
  const { a, b } = ui.sel;
  const lines = await ui.doc.lines(a, b);
  ui.editor = { mode: 'lines', a, b };
  $('editor-title').textContent = a === b ? `Line ${fmtNum(a)}` : `Lines ${fmtNum(a)}–${fmtNum(b)}`;
  $('edit-text').value = lines.join('\n');
  $('edit-note').textContent = lines.some((l) => l.includes('\uFFFD'))
    ? 'These lines hold bytes that are not UTF-8 (shown as �): replacing them writes the � characters.'
    : 'Replace writes the text in place of the selected lines (their line ending is kept).';
  showEditor(true);
  textScroller.reveal(b); // the panel takes room from the viewer: keep the selection in sight
}

/** Opens the panel on a Markdown section's text, or its title (`rename`). */
export function openSectionEditor(h, mode, text) {
  ui.editor = { mode, path: h.path, lines: h.lines };
  $('editor-title').textContent = mode === 'rename' ? `Rename "${h.path}"` : `Section "${h.path}"`;
  $('edit-text').value = text;
  $('edit-note').textContent = mode === 'rename'
    ? 'The new heading title (level and anchor line stay).'
    : 'Replace writes this text as the whole section (heading included).';
  showEditor(false);
}

function showEditor(lines) {
  $('edit-insert').hidden = !lines;
  $('edit-delete').hidden = !lines;
  $('editor').hidden = false;
}

export function closeEditor() {
  ui.editor = null;
  $('editor').hidden = true;
}

$('edit-apply').addEventListener('click', async () => {
  const ed = ui.editor;
  if (!ed) return;
  const text = $('edit-text').value;
  const doc = ui.doc;
  let ok = false;
  if (ed.mode === 'lines') {
    const { a, b } = ed;
    const label = a === b ? `replace line ${a}` : `replace lines ${a}–${b}`;
    ok = await stage(label, () => doc.replaceLines(a, b, text), ({ delta }) => ({ lines: replaced(a, b, delta) }));
  } else if (ed.mode === 'section') {
    const { path, lines: [a, b] } = ed;
    ok = await stage(`replace section "${path}"`, () => doc.replaceSection(path, text), ({ delta }) => ({ lines: replaced(a, b, delta) }));
  } else if (ed.mode === 'rename') {
    const { path, lines: [a] } = ed;
    const title = text.trim();
    ok = await stage(`rename "${path}" → "${title}"`, () => doc.renameSection(path, title), ({ delta }) => ({ lines: replaced(a, a, delta) }));
  }
  if (ok) closeEditor();
});

$('edit-insert').addEventListener('click', async () => {
  const ed = ui.editor;
  if (ed?.mode !== 'lines') return;
  const text = $('edit-text').value;
  const { b } = ed;
  const effect = ({ delta }) => ({ lines: replaced(b + 1, b, delta) });
  if (await stage(`insert after line ${b}`, () => ui.doc.insertLines(b, text), effect)) closeEditor();
});

$('edit-delete').addEventListener('click', async () => {
  const ed = ui.editor;
  if (ed?.mode !== 'lines') return;
  const { a, b } = ed;
  const effect = ({ delta }) => ({ lines: replaced(a, b, delta) });
  if (await stage(a === b ? `delete line ${a}` : `delete lines ${a}–${b}`, () => ui.doc.deleteLines(a, b), effect)) {
    ui.sel = null;
    closeEditor();
  }
});

$('edit-close').addEventListener('click', closeEditor);
$('edit-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('edit-apply').click(); }
  if (e.key === 'Escape') closeEditor();
});
