// Find (literal or regex) with next/previous through the engine (the whole file), a match count
// with progress (its matches marked along the scrollbar), highlighting of the matches in the
// editor window (cm-lines.js), replace the current match, and replace all with a preview count.
// Ctrl+F (edits.js) focuses the find box.

import { $, ui, COUNT_CAP } from './state.js';
import { fmtNum, escapeRegex } from './format.js';
import { say, fail, withProgress } from './status.js';
import { matchAfter, matchBefore } from './matches.js';
import { revealMatch, redrawMarks } from './viewer.js';
import { setView } from './grid.js';
import { afterEdit, stage } from './edits.js';
import { replaced } from './marks.js';

/** The search state for the pattern and regex box now on the page (reset when they changed). */
export function searchInput() {
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

/**
 * Forgets the counted matches after an edit (their offsets are of the old view). The current
 * match stays as the place the next search starts from.
 */
export function forgetMatches() {
  ui.search.matches = null;
}

/** Counts the matches (up to COUNT_CAP) with the progress bar and shows the count. */
export async function countMatches() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return null;
  const matches = await withProgress(`Counting "${s.pattern}"`, (onProgress, signal) =>
    ui.doc.find(s.pattern, { regex: s.regex, max: COUNT_CAP, onProgress, signal }));
  s.matches = matches;
  drawHits();
  const n = `${fmtNum(matches.length)}${matches.length >= COUNT_CAP ? '+' : ''}`;
  $('search-status').textContent = `${n} match${matches.length === 1 ? '' : 'es'}`;
  return matches;
}

async function showMatch(m) {
  const s = ui.search;
  s.current = m;
  if (s.matches) {
    const i = s.matches.findIndex((x) => x.offset === m.offset);
    const total = `${fmtNum(s.matches.length)}${s.matches.length >= COUNT_CAP ? '+' : ''}`;
    $('search-status').textContent = i >= 0 ? `${fmtNum(i + 1)} of ${total}` : `line ${fmtNum(m.line)} (of ${total})`;
  } else {
    $('search-status').textContent = `line ${fmtNum(m.line)}`;
  }
  if (ui.view === 'csv') await setView('text');
  await revealMatch(m);
}

/**
 * Marks the counted matches along the scrollbar (one tick per distinct pixel row), or clears the
 * marks when there is no count.
 */
export function drawHits() {
  const box = $('hits');
  const matches = ui.search.matches;
  const lines = ui.doc?.lineCount;
  if (!matches?.length || !lines) {
    box.replaceChildren();
    return;
  }
  const height = box.clientHeight || 1;
  const rows = new Set(matches.map((m) => Math.floor(((m.line - 1) / lines) * height)));
  box.replaceChildren(...[...rows].map((y) => {
    const tick = document.createElement('div');
    tick.className = 'hit';
    tick.style.top = `${y}px`;
    return tick;
  }));
}

/** The engine's find for the current pattern, as matches.js wants it. */
function finder(s, onProgress, signal) {
  return (from, max) => ui.doc.find(s.pattern, { regex: s.regex, from, max, onProgress, signal });
}

export async function findNext() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return;
  const cur = s.current;
  const from = cur ? cur.offset + Math.max(1, cur.length) : 0;
  let m = await withProgress(`Searching "${s.pattern}"`, (onProgress, signal) => matchAfter(finder(s, onProgress, signal), from));
  if (!m && from > 0) {
    m = await matchAfter(finder(s), 0);
    if (m) say('search wrapped to the top');
  }
  if (!m) {
    $('search-status').textContent = 'no match';
    redrawMarks();
    return;
  }
  await showMatch(m);
}

export async function findPrev() {
  const s = searchInput();
  if (!s.pattern || !ui.doc) return;
  const cur = s.current;
  const end = ui.doc.size + 1;
  const at = cur ? cur.offset : end;
  let m = await withProgress(`Searching back for "${s.pattern}"`, (onProgress, signal) => matchBefore(finder(s, onProgress, signal), at));
  if (!m && at < end) {
    m = await withProgress(`Searching back for "${s.pattern}"`, (onProgress, signal) => matchBefore(finder(s, onProgress, signal), end));
    if (m) say('search wrapped to the bottom');
  }
  if (!m) {
    $('search-status').textContent = 'no match';
    redrawMarks();
    return;
  }
  await showMatch(m);
}

$('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  (e.shiftKey ? findPrev() : findNext()).catch(fail);
});
$('search').addEventListener('input', () => { searchInput(); drawHits(); redrawMarks(); });
$('search-regex').addEventListener('change', () => { searchInput(); drawHits(); redrawMarks(); });
$('search-next').addEventListener('click', () => findNext().catch(fail));
$('search-prev').addEventListener('click', () => findPrev().catch(fail));
$('search-count').addEventListener('click', () => countMatches().catch(fail));

/** Replaces the current match (one byte splice), then finds the next one. */
async function replaceOne() {
  const s = searchInput();
  const m = s.current;
  if (!m || !ui.doc) return findNext();
  const found = new TextDecoder().decode(await ui.doc.bytes(m.offset, m.offset + m.length));
  const replacement = $('replace').value;
  // The engine's replacement syntax ($1, ${name}) is the one JS's String.replace takes.
  const text = s.regex ? found.replace(new RegExp(s.pattern), replacement) : replacement;
  const ok = await stage(`replace "${found}" at line ${fmtNum(m.line)}`, () => ui.doc.spliceBytes(m.offset, m.offset + m.length, text),
    ({ delta }) => ({ lines: replaced(m.line, m.line, delta) }), true);
  if (!ok) return;
  s.current = { ...m, length: new TextEncoder().encode(text).length };
  await findNext();
}

$('replace-one').addEventListener('click', () => replaceOne().catch(fail));

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
      ui.history.apply(`replace all "${pattern}" → "${replacement}"`,
        () => ui.doc.replaceAll(pattern, replacement, { regex, onProgress, signal }),
        ({ delta }) => (delta === 0 ? { lines: 'keep' } : {})));
    s.current = null;
    s.matches = null;
    await afterEdit();
    say(`replaced ${fmtNum(report?.replaced ?? 0)} matches`);
  } catch (e) {
    fail(e);
  }
});
