// Node tests of the page's own logic (no browser): History (redo, per-edit removal) and the
// edited-line marks against a naive document model whose edits are re-run on a plain array of
// lines (each remembering whether an edit wrote it); next/previous match against the list of
// all matches of a text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { History } from '../../www/history.js';
import { editedRanges, isMarked, replaced, spliceRanges } from '../../www/marks.js';
import { matchAfter, matchBefore } from '../../www/matches.js';
import { parseCount, fmtBytes } from '../../www/format.js';
import { sampleBytes, sampleName } from '../../www/sample.js';

/** A naive staged document: edits are functions of the line array; undo pops a snapshot. */
class ModelDoc {
  constructor(lines) { this.lines = [...lines]; this.snaps = []; }
  get lineCount() { return this.lines.length; }
  stage(f) { this.snaps.push([...this.lines]); f(this.lines); }
  async replaceLines(a, b, text) {
    if (b > this.lines.length) throw new RangeError(`line ${b} is past the end`);
    this.stage((l) => l.splice(a - 1, b - a + 1, ...text.split('\n')));
  }
  async deleteLines(a, b) {
    if (b > this.lines.length) throw new RangeError(`line ${b} is past the end`);
    this.stage((l) => l.splice(a - 1, b - a + 1));
  }
  async undo() { const s = this.snaps.pop(); if (!s) return false; this.lines = s; return true; }
}

test('History: undo, redo, and removing one edit re-applies the later ones', async () => {
  const doc = new ModelDoc(['a', 'b', 'c', 'd']);
  const h = new History(doc);
  await h.apply('1', () => doc.replaceLines(1, 1, 'A'));
  await h.apply('3', () => doc.replaceLines(3, 3, 'C'));
  await h.apply('4', () => doc.replaceLines(4, 4, 'D'));
  assert.deepEqual(doc.lines, ['A', 'b', 'C', 'D']);
  await h.undo();
  assert.deepEqual(doc.lines, ['A', 'b', 'C', 'd']);
  await h.redo();
  assert.deepEqual(doc.lines, ['A', 'b', 'C', 'D']);
  assert.equal(await h.redo(), false);
  await h.remove(1);
  assert.deepEqual(doc.lines, ['A', 'b', 'c', 'D']);
  assert.deepEqual(h.done.map((e) => e.label), ['1', '4']);
  await h.undo();
  await h.apply('2', () => doc.replaceLines(2, 2, 'B'));
  assert.deepEqual(h.undone, [], 'a new edit clears redo');
  assert.deepEqual(doc.lines, ['A', 'B', 'c', 'd']);
});

test('History: removing an edit that a later one depends on reports it and keeps the rest for redo', async () => {
  const doc = new ModelDoc(['a', 'b']);
  const h = new History(doc);
  await h.apply('insert', () => doc.replaceLines(2, 2, 'b\nc'));
  await h.apply('edit 3', () => doc.replaceLines(3, 3, 'C'));
  await assert.rejects(h.remove(0), /"edit 3" no longer applies/);
  assert.deepEqual(doc.lines, ['a', 'b']);
  assert.deepEqual(h.done, []);
  assert.deepEqual(h.undone.map((e) => e.label), ['edit 3']);
});

/** A deterministic pseudo-random generator (xorshift32), so failures reproduce. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

test('marks: folding splices equals marking the lines of a naive model', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    let model = Array.from({ length: 1 + r(30) }, () => false); // true = written by an edit
    const effects = [];
    for (let k = 0; k < 1 + r(8); k++) {
      const len = model.length;
      const a = 1 + r(len + 1); // a = len + 1: append
      const b = Math.min(len, a - 1 + r(4)); // b = a - 1: insert
      const n = r(4);
      model.splice(a - 1, b - a + 1, ...Array(n).fill(true));
      effects.push(replaced(a, b, n - (b - a + 1)));
      if (r(5) === 0) effects.push('keep');
    }
    const ranges = editedRanges(effects);
    const want = model.map((x, i) => (x ? i + 1 : 0)).filter(Boolean);
    const got = [];
    for (const [x, y] of ranges) for (let i = x; i <= y; i++) got.push(i);
    assert.deepEqual(got, want, `seed ${seed}`);
    for (let i = 1; i <= model.length; i++) assert.equal(isMarked(ranges, i), model[i - 1], `seed ${seed} line ${i}`);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] > ranges[i - 1][1] + 1, 'disjoint, not adjacent');
  }
  assert.deepEqual(editedRanges([replaced(2, 2, 0), 'reset', replaced(5, 4, 1)]), [[5, 5]], 'reset drops earlier marks');
  assert.deepEqual(editedRanges([replaced(2, 2, 0), undefined]), [], 'an unknown effect resets');
  assert.deepEqual(spliceRanges([[3, 6]], { a: 4, b: 5, n: 0 }), [[3, 4]], 'deleting inside a range keeps its ends');
});

test('History: marks follow undo, redo and removal', async () => {
  const doc = new ModelDoc(['a', 'b', 'c', 'd', 'e']);
  const h = new History(doc);
  const edit = (a, b, text) => h.apply(`${a}-${b}`, () => doc.replaceLines(a, b, text), ({ delta }) => ({ lines: replaced(a, b, delta) }));
  await edit(2, 2, 'B1\nB2'); // a B1 B2 c d e
  await edit(5, 5, 'D'); // a B1 B2 c D e
  assert.deepEqual(h.marks().lines, [[2, 3], [5, 5]]);
  await h.undo();
  assert.deepEqual(h.marks().lines, [[2, 3]]);
  await h.redo();
  await h.remove(0); // the later edit is re-staged at line 5 of a b c d e
  assert.deepEqual(doc.lines, ['a', 'b', 'c', 'd', 'D']);
  assert.deepEqual(h.marks().lines, [[5, 5]]);
  await h.apply('delete 1', () => doc.deleteLines(1, 1), ({ delta }) => ({ lines: replaced(1, 1, delta) }));
  assert.deepEqual(h.marks().lines, [[4, 4]]);
  assert.deepEqual(h.marks().records, [], 'no record effects: no record marks');
});

/**
 * The engine's find over `text` for a literal: matches (non-overlapping, line by line) from the
 * start of the line holding `from`, at most `max`. Counts the bytes each call scans.
 */
function fakeFind(text, needle, stats) {
  return async (from, max) => {
    const start = text.lastIndexOf('\n', from - 1) + 1;
    const out = [];
    let i = start;
    for (;;) {
      const j = text.indexOf(needle, i);
      if (j < 0 || out.length === max) {
        stats.scanned += (j < 0 || out.length < max ? text.length : out.at(-1).offset + needle.length) - start;
        break;
      }
      const line = text.slice(0, j).split('\n').length;
      out.push({ offset: j, length: needle.length, line });
      i = j + needle.length;
      if (out.length === max) {
        stats.scanned += i - start;
        break;
      }
    }
    stats.calls++;
    return out;
  };
}

test('next/previous match: equal the neighbours in the list of all matches', async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed);
    const lines = [];
    for (let k = 0; k < 1 + r(400); k++) {
      const w = [];
      for (let m = 0; m < r(12); m++) w.push(r(4) === 0 ? 'ab' : ['x', 'yy', 'zab', 'q'][r(4)]);
      // a few lines with very many matches (more than one find call returns)
      if (r(50) === 0) for (let m = 0; m < 300; m++) w.push('ab');
      lines.push(w.join(r(2) ? ' ' : ''));
    }
    const text = `${lines.join('\n')}\n`;
    const all = [];
    for (let i = text.indexOf('ab'); i >= 0; i = text.indexOf('ab', i + 2)) all.push(i);
    const stats = { calls: 0, scanned: 0 };
    const find = fakeFind(text, 'ab', stats);
    const probes = [0, text.length, ...all.slice(0, 50), ...all.slice(-20), ...Array.from({ length: 30 }, () => r(text.length + 1))];
    for (const at of probes) {
      const next = all.find((x) => x >= at) ?? null;
      const prev = [...all].reverse().find((x) => x < at) ?? null;
      assert.equal((await matchAfter(find, at))?.offset ?? null, next, `seed ${seed}: next from ${at}`);
      assert.equal((await matchBefore(find, at, { window: 1 + r(2000) }))?.offset ?? null, prev, `seed ${seed}: previous before ${at}`);
    }
  }
});

test('previous match reads about the window before it, not the rest of the file', async () => {
  // 4 MB of text; matches at the very start, in the middle, 10 kB later, and nowhere after.
  const filler = (c, n) => `${c.repeat(99)}\n`.repeat(n);
  const text = `ab\n${filler('x', 20_000)}ab\n${filler('y', 100)}ab\n${filler('z', 20_000)}`;
  const [, mid, third] = [0, text.indexOf('ab', 3), text.lastIndexOf('ab')];
  const stats = { calls: 0, scanned: 0 };
  const find = fakeFind(text, 'ab', stats);
  assert.equal((await matchBefore(find, mid))?.offset, 0);
  assert.ok(stats.scanned < 3 * mid, `scanned ${stats.scanned} bytes for a match ${mid} bytes back`);
  stats.scanned = 0;
  assert.equal((await matchBefore(find, third))?.offset, mid);
  assert.ok(stats.scanned < 100_000, `scanned ${stats.scanned} bytes for the match 10 kB back`);
  stats.scanned = 0;
  assert.equal((await matchAfter(find, mid + 1))?.offset, third);
  assert.ok(stats.scanned < 20_000, `scanned ${stats.scanned} bytes for the next match`);
});

test('format and sample helpers', () => {
  assert.equal(parseCount('12,000,000'), 12_000_000);
  assert.equal(parseCount('1 024'), 1024);
  assert.equal(parseCount('12a'), null);
  assert.equal(fmtBytes(1536), '1.5 KiB');
  assert.equal(sampleBytes(''), 256 * 1024 * 1024);
  assert.equal(sampleBytes('?sample-mib=4'), 4 * 1024 * 1024);
  assert.equal(sampleBytes('?sample-mib=junk'), 256 * 1024 * 1024);
  assert.equal(sampleName(4 * 1024 * 1024), 'bigedit-sample-4MiB.log');
});
