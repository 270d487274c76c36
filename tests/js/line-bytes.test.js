// lineBytes(a, b) through the Node entry (the same wasm build as the browser): the byte range of
// lines a..=b, the last line's ending included, against offsets computed from the bytes (LF,
// CRLF, a BOM, no final newline, an edit staged before), and errors for lines outside the view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { open } from '../../js/node.js';
import { tempDir } from './helpers.js';

/** [start, end) of every line of `bytes` (its ending included), as the reference. */
function lineRanges(bytes) {
  const out = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) { out.push([start, i + 1]); start = i + 1; }
  }
  if (start < bytes.length) out.push([start, bytes.length]);
  return out;
}

test('lineBytes: byte ranges of line spans equal the offsets of the bytes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = {
      lf: 'one\ntwo\n\nfour é\n',
      crlf: '\uFEFFone\r\ntwo\r\n\r\nlast without newline',
      single: 'only',
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = path.join(dir, `${name}.txt`);
      fs.writeFileSync(file, text);
      const bytes = fs.readFileSync(file);
      const doc = await open(file);
      try {
        await doc.index();
        const ranges = lineRanges(bytes);
        assert.equal(doc.lineCount, ranges.length, `${name}: line count`);
        for (let a = 1; a <= ranges.length; a++) {
          for (let b = a; b <= ranges.length; b++) {
            assert.deepEqual(await doc.lineBytes(a, b), [ranges[a - 1][0], ranges[b - 1][1]], `${name}: lines ${a}..${b}`);
          }
        }
        await assert.rejects(doc.lineBytes(1, ranges.length + 1), RangeError, `${name}: past the end`);
        await assert.rejects(doc.lineBytes(0, 1), RangeError, `${name}: line 0`);
      } finally {
        await doc.close();
      }
    }
    // After a staged edit: ranges of the edited view.
    const file = path.join(dir, 'edited.txt');
    fs.writeFileSync(file, 'a\nbb\nccc\n');
    const doc = await open(file);
    try {
      await doc.index();
      await doc.spliceBytes(2, 2, 'new\n');
      assert.deepEqual(await doc.lineBytes(2, 3), [2, 9]);
      assert.deepEqual(await doc.lineBytes(4, 4), [9, 13]);
    } finally {
      await doc.close();
    }
  } finally {
    cleanup();
  }
});
