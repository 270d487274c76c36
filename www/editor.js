// The section panel: replace or rename a Markdown section (the outline opens it). Text is typed
// in the editor window itself (viewer.js); this panel edits a whole section as the engine's
// Markdown planner does. Every edit is staged through edits.js's `stage`.

import { $, ui } from './state.js';
import { replaced } from './marks.js';
import { stage } from './edits.js';

/** Opens the panel on a Markdown section's text, or its title (`rename`). */
export function openSectionEditor(h, mode, text) {
  ui.editor = { mode, path: h.path, lines: h.lines };
  $('editor-title').textContent = mode === 'rename' ? `Rename "${h.path}"` : `Section "${h.path}"`;
  $('edit-text').value = text;
  $('edit-note').textContent = mode === 'rename'
    ? 'The new heading title (level and anchor line stay).'
    : 'Replace writes this text as the whole section (heading included).';
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
  if (ed.mode === 'section') {
    const { path, lines: [a, b] } = ed;
    ok = await stage(`replace section "${path}"`, () => doc.replaceSection(path, text), ({ delta }) => ({ lines: replaced(a, b, delta) }));
  } else if (ed.mode === 'rename') {
    const { path, lines: [a] } = ed;
    const title = text.trim();
    ok = await stage(`rename "${path}" → "${title}"`, () => doc.renameSection(path, title), ({ delta }) => ({ lines: replaced(a, a, delta) }));
  }
  if (ok) closeEditor();
});

$('edit-close').addEventListener('click', closeEditor);
$('edit-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('edit-apply').click(); }
  if (e.key === 'Escape') closeEditor();
});
