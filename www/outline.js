// The Markdown outline: a sidebar of headings; click to jump; edit, rename, delete, or move a
// section up or down among its siblings.

import { $, ui } from './state.js';
import { say, fail } from './status.js';
import { replaced } from './marks.js';
import { gotoLine } from './viewer.js';
import { openSectionEditor } from './editor.js';
import { stage } from './edits.js';

/** Reads the outline of the edited view and draws it. */
export async function loadOutline() {
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
  if (ui.section) ui.section = ui.outline.find((h) => h.path === ui.section.path) ?? null;
  $('section-actions').hidden = !ui.section;
}

$('outline').addEventListener('click', (e) => {
  const li = e.target.closest('li');
  if (!li) return;
  const h = ui.outline[Number(li.dataset.index)];
  ui.section = h;
  for (const x of $('outline').children) x.classList.toggle('current', x === li);
  $('section-actions').hidden = false;
  gotoLine(h.lines[0]).catch(fail);
});

/** The siblings of outline entry `h`: entries of the same level under the same parent. */
function siblings(h) {
  const parentOf = (x) => (x.path.includes(' > ') ? x.path.slice(0, x.path.lastIndexOf(' > ')) : '');
  const parent = parentOf(h);
  return ui.outline.filter((x) => x.level === h.level && parentOf(x) === parent);
}

$('section-edit').addEventListener('click', async () => {
  const h = ui.section;
  if (!h) return;
  try {
    openSectionEditor(h, 'section', await ui.doc.readSection(h.path));
  } catch (e) {
    fail(e);
  }
});

$('section-rename').addEventListener('click', () => {
  const h = ui.section;
  if (h) openSectionEditor(h, 'rename', h.title);
});

$('section-delete').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  const [a, b] = h.lines;
  stage(`delete section "${h.path}"`, () => ui.doc.deleteSection(h.path), ({ delta }) => ({ lines: replaced(a, b, delta) }));
});

/** Moving section [a, b] to start at line `to` (of the view without it): delete, then insert. */
function moved([a, b], to) {
  const n = b - a + 1;
  return { lines: [{ a, b, n: 0 }, { a: to, b: to - 1, n }] };
}

$('section-up').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  const sib = siblings(h);
  const prev = sib[sib.findIndex((x) => x.path === h.path) - 1];
  if (!prev) return say('already the first of its level', true);
  stage(`move "${h.path}" before "${prev.path}"`, () => ui.doc.moveSection(h.path, { before: prev.path }),
    ({ delta }) => (delta === 0 ? moved(h.lines, prev.lines[0]) : {}));
});

$('section-down').addEventListener('click', () => {
  const h = ui.section;
  if (!h) return;
  const sib = siblings(h);
  const next = sib[sib.findIndex((x) => x.path === h.path) + 1];
  if (!next) return say('already the last of its level', true);
  const n = h.lines[1] - h.lines[0] + 1;
  stage(`move "${h.path}" after "${next.path}"`, () => ui.doc.moveSection(h.path, { after: next.path }),
    ({ delta }) => (delta === 0 ? moved(h.lines, next.lines[1] - n + 1) : {}));
});
