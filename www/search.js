// Find (literal or regex) with next/previous, a match count with progress, highlighting of the
// visible matches, and replace all with a preview count.

import { $, ui, COUNT_CAP } from './state.js';
import { fmtNum, escapeRegex } from './format.js';
import { say, fail, withProgress } from './status.js';
import { matchAfter, matchBefore } from './matches.js';
import { textScroller } from './viewer.js';
import { setView } from './grid.js';
import { afterEdit } from './edits.js';

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
  textScroller.reveal(m.line);
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
    textScroller.refresh();
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
    textScroller.refresh();
    return;
  }
  await showMatch(m);
}

$('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  (e.shiftKey ? findPrev() : findNext()).catch(fail);
});
$('search').addEventListener('input', () => { searchInput(); textScroller.refresh(); });
$('search-regex').addEventListener('change', () => { searchInput(); textScroller.refresh(); });
$('search-next').addEventListener('click', () => findNext().catch(fail));
$('search-prev').addEventListener('click', () => findPrev().catch(fail));
$('search-count').addEventListener('click', () => countMatches().catch(fail));

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
