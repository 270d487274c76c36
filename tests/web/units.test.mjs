// Node tests of the page's own logic (no browser): the grid's one-line CSV field edits against
// hand-checked fixtures, and History (redo, per-edit removal) against a naive document model
// whose edits are re-run on a plain array of lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLine, setField, encodeField, guessDelimiter } from '../../www/csv-line.js';
import { History } from '../../www/history.js';

test('splitLine: raw spans and values', () => {
  const values = (line) => splitLine(line).map((f) => f.value);
  assert.deepEqual(values('a,b,c'), ['a', 'b', 'c']);
  assert.deepEqual(values('a,,c,'), ['a', '', 'c', '']);
  assert.deepEqual(values(''), ['']);
  assert.deepEqual(values('"x, y","say ""hi""",z'), ['x, y', 'say "hi"', 'z']);
  assert.deepEqual(splitLine('1,"a,b",c').map((f) => [f.start, f.end]), [[0, 1], [2, 7], [8, 9]]);
  assert.equal(splitLine('1,"open'), null, 'a quote that does not close on the line');
  assert.deepEqual(splitLine('a\tb', '\t').map((f) => f.value), ['a', 'b']);
});

test('setField rewrites only the field, quoting only when needed', () => {
  assert.equal(setField('1,Paris,10', 1, 'Lyon'), '1,Lyon,10');
  assert.equal(setField('1,Paris,10', 1, 'Zürich, "CH"'), '1,"Zürich, ""CH""",10');
  assert.equal(setField('1,"Paris",10', 2, '11'), '1,"Paris",11', 'other fields keep their bytes');
  assert.equal(setField('1,"a,b",10', 1, 'plain'), '1,plain,10');
  assert.equal(setField('1,2', 5, 'x'), null);
  assert.equal(encodeField('line\nbreak'), '"line\nbreak"');
  assert.equal(guessDelimiter('x.tsv', 'a,b'), '\t');
  assert.equal(guessDelimiter('x.csv', 'a;b;c'), ';');
});

/** A naive staged document: edits are functions of the line array; undo pops a snapshot. */
class ModelDoc {
  constructor(lines) { this.lines = [...lines]; this.snaps = []; }
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
