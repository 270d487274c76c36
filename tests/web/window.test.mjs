// Node tests of www/window.js (the byte model of an editor window): random edits made through
// its splices, applied to a plain byte array, against an independent expectation (the edited
// text with '\n' written as the file's ending, the BOM and final newline re-added), and
// hand-checked fixtures for lines that are not UTF-8.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWindow, utf8Length } from '../../www/window.js';

const enc = new TextEncoder();
const cat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...(typeof p === 'string' ? enc.encode(p) : p)]));

/** Applies byte splices (last first) to `bytes`, offsets relative to the window start `start`. */
function applySplices(bytes, start, splices) {
  let out = [...bytes];
  for (const { a, b, bytes: d } of splices) out.splice(a - start, b - a, ...d);
  return Uint8Array.from(out);
}

/** A small seeded generator (xorshift32), so a failure repeats. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
}

const PIECES = ['a', 'é', '€', '😀', '\t', '\n', 'xy', '\n\n', 'ℤ'];

for (const eol of ['\n', '\r\n']) {
  for (const bom of [false, true]) {
    for (const finalNl of [true, false]) {
      test(`random edits keep the bytes exact (eol ${JSON.stringify(eol)}, bom ${bom}, final newline ${finalNl})`, () => {
        const r = rng(7 + eol.length * 31 + bom * 7 + finalNl * 3);
        for (let round = 0; round < 40; round++) {
          let text = 'first line\nsecond é line\n\tthird 😀\nlast';
          const tail = finalNl ? eol : '';
          let bytes = cat(bom ? [0xef, 0xbb, 0xbf] : [], text.replaceAll('\n', eol), tail);
          const w = new ByteWindow(bytes, 0, eol);
          assert.equal(w.text, text);
          for (let step = 0; step < 12; step++) {
            // one or two non-overlapping changes, ascending
            const n = 1 + r(2);
            const cuts = Array.from({ length: n * 2 }, () => r(text.length + 1)).sort((x, y) => x - y);
            const changes = [];
            for (let k = 0; k < n; k++) {
              let [fromA, toA] = [cuts[2 * k], cuts[2 * k + 1]];
              // never split a surrogate pair (an editor does not either)
              const fix = (p) => (p > 0 && p < text.length && (text.charCodeAt(p) & 0xfc00) === 0xdc00 ? p - 1 : p);
              fromA = fix(fromA); toA = Math.max(fromA, fix(toA));
              if (changes.length && fromA < changes.at(-1).toA) continue;
              changes.push({ fromA, toA, text: r(3) ? PIECES[r(PIECES.length)] : '' });
            }
            bytes = applySplices(bytes, 0, w.splices(changes));
            w.apply(changes);
            for (const c of [...changes].reverse()) text = text.slice(0, c.fromA) + c.text + text.slice(c.toA);
            assert.equal(w.text, text);
            const want = cat(bom ? [0xef, 0xbb, 0xbf] : [], text.replaceAll('\n', eol), tail);
            assert.deepEqual(bytes, want);
            assert.equal(w.size, want.length);
          }
        }
      });
    }
  }
}

test('a window in the middle of the view maps to offsets after its start', () => {
  const w = new ByteWindow(enc.encode('αβ\r\ngamma\r\n'), 1000, '\r\n');
  assert.equal(w.bom, 0); // a BOM is only at byte 0
  assert.equal(w.byteOf(0), 1000);
  assert.equal(w.byteOf(1), 1002);
  assert.equal(w.byteOf(3), 1006); // after the CRLF
  assert.deepEqual(w.splices([{ fromA: 2, toA: 2, text: '\nX' }]), [{ a: 1004, b: 1004, bytes: enc.encode('\r\nX') }]);
});

test('a line that is not UTF-8 is shown with U+FFFD, read-only, and its bytes stay', () => {
  const bad = [0x66, 0xff, 0xfe, 0x67]; // f, two invalid bytes, g
  const bytes = cat('one\r\n', bad, '\r\nthree\r\n');
  const w = new ByteWindow(bytes, 0, '\r\n');
  assert.equal(w.text, 'one\nf\uFFFD\uFFFDg\nthree');
  const [ro] = w.readOnly;
  assert.deepEqual(ro, [4, 8]);
  // inside, at either end, joining from above (Delete at 'one' end) or below (Backspace at 'three' start)
  for (const [a, b] of [[5, 5], [4, 4], [8, 8], [3, 4], [8, 9], [5, 6]]) {
    assert.match(String(w.blocked(a, b)), /not valid UTF-8/, `change ${a}..${b}`);
    assert.throws(() => w.splices([{ fromA: a, toA: b, text: 'x' }]), /not valid UTF-8/);
  }
  // the neighbours stay editable, and the invalid bytes come through untouched
  const changes = [{ fromA: 1, toA: 2, text: 'N-E' }, { fromA: 11, toA: 11, text: '!\n4' }];
  const out = applySplices(bytes, 0, w.splices(changes));
  w.apply(changes);
  assert.deepEqual(out, cat('oN-Ee\r\n', bad, '\r\nth!\r\n4ree\r\n'));
  assert.equal(w.size, out.length);
  assert.equal(w.text, 'oN-Ee\nf\uFFFD\uFFFDg\nth!\n4ree');
});

test('utf8Length counts as TextEncoder encodes', () => {
  for (const s of ['', 'abc', 'é€😀', '\ud800x', 'x\udc00', '😀😀\u0000']) assert.equal(utf8Length(s), enc.encode(s).length, JSON.stringify(s));
});

/** A naive staged byte document: each splice is one engine edit; undo pops a snapshot. */
class BytesDoc {
  constructor(bytes) { this.bytes = [...bytes]; this.snaps = []; }
  get lineCount() { return this.bytes.filter((b) => b === 10).length + 1; }
  async spliceBytes(a, b, d) { this.snaps.push([...this.bytes]); this.bytes.splice(a, b - a, ...d); }
  async undo() { const s = this.snaps.pop(); if (!s) return false; this.bytes = s; return true; }
}

test('History: a group of byte splices (one typing group) is undone, redone and removed as one', async () => {
  const { History } = await import('../../www/history.js');
  const orig = enc.encode('alpha\r\nbeta\r\n');
  const doc = new BytesDoc(orig);
  const h = new History(doc);
  const typing = (w, changes) => {
    const sp = w.splices(changes);
    w.apply(changes);
    return { run: async () => { for (const s of sp) await doc.spliceBytes(s.a, s.b, s.bytes); }, count: sp.length };
  };
  const w = new ByteWindow(orig, 0, '\r\n');
  const g1 = typing(w, [{ fromA: 0, toA: 0, text: 'A' }, { fromA: 6, toA: 6, text: 'B\n' }]);
  await h.apply('typing 1', g1.run, null, g1.count);
  const after1 = [...doc.bytes];
  assert.deepEqual(Uint8Array.from(after1), enc.encode('Aalpha\r\nB\r\nbeta\r\n'));
  const g2 = typing(w, [{ fromA: 11, toA: 13, text: '' }]);
  await h.apply('typing 2', g2.run, null, g2.count);
  assert.deepEqual(Uint8Array.from(doc.bytes), enc.encode('Aalpha\r\nB\r\nbe\r\n'));
  await h.undo();
  assert.deepEqual(doc.bytes, after1);
  await h.undo();
  assert.deepEqual(Uint8Array.from(doc.bytes), orig);
  assert.equal(doc.snaps.length, 0, 'both splices of the first group were dropped');
  await h.redo();
  assert.deepEqual(doc.bytes, after1);
  await h.redo();
  await h.remove(1);
  assert.deepEqual(doc.bytes, after1);
  assert.equal(h.done.length, 1);
});

test('CodeMirror transactions (typing, Enter, Backspace join, paste) become exact byte splices; a line not UTF-8 refuses them', async () => {
  const { EditorState, EditorSelection } = await import('@codemirror/state');
  const { changesOf, readOnlyLines } = await import('../../www/cm-window.js');
  const bad = [0xc3, 0x28]; // an invalid two-byte sequence
  const orig = cat([0xef, 0xbb, 0xbf], 'head\r\n', bad, '\r\nmiddle line\r\ntail'); // BOM, CRLF, no final newline
  let bytes = orig;
  const w = new ByteWindow(orig, 0, '\r\n');
  const refused = [];
  let state = EditorState.create({ doc: w.text, extensions: [readOnlyLines(() => w, (why) => refused.push(why))] });
  const run = (spec) => {
    const tr = state.update(spec);
    if (tr.docChanged) {
      const changes = changesOf(tr.changes);
      bytes = applySplices(bytes, 0, w.splices(changes));
      w.apply(changes);
    }
    state = tr.state;
  };
  const at = (s) => state.doc.toString().indexOf(s);
  // type 'X', 'Y' one key at a time in the middle of "middle line"
  let p = at('middle') + 3;
  for (const ch of 'XY') { run({ changes: { from: p, insert: ch }, selection: { anchor: p + 1 }, userEvent: 'input.type' }); p++; }
  run({ changes: { from: p, insert: '\n' }, userEvent: 'input' }); // Enter
  const t = at('tail');
  run({ changes: { from: t - 1, to: t }, userEvent: 'delete.backward' }); // Backspace at a line start joins
  run({ changes: { from: state.doc.length, insert: ' p1\np2\np3' }, userEvent: 'input.paste' }); // paste
  // two cursors typing at once
  const h = at('head');
  run({ changes: [{ from: h, insert: '1' }, { from: h + 4, insert: '2' }], selection: EditorSelection.cursor(h), userEvent: 'input.type' });
  const before = state.doc.toString();
  run({ changes: { from: at('(') - 1, insert: 'Z' } }); // inside the invalid line: refused
  run({ changes: { from: at('head') + 5, to: at('head') + 6 } }); // Delete joining "head" with it: refused
  assert.equal(refused.length, 2);
  assert.equal(state.doc.toString(), before);
  assert.equal(state.doc.toString(), w.text);
  // the independent expectation: the bytes edited by hand
  assert.deepEqual(bytes, cat([0xef, 0xbb, 0xbf], '1head2\r\n', bad, '\r\nmidXY\r\ndle linetail p1\r\np2\r\np3'));
});

/** A plain-bytes engine document for window-range.js: lineBytes and bytes over a byte array. */
class LinesDoc {
  constructor(bytes) {
    this.data = bytes;
    this.starts = [0];
    bytes.forEach((b, i) => { if (b === 10 && i + 1 < bytes.length) this.starts.push(i + 1); });
    this.reads = 0;
  }
  get lineCount() { return this.data.length ? this.starts.length : 0; }
  async lineBytes(a, b) { return [this.starts[a - 1], b < this.starts.length ? this.starts[b] : this.data.length]; }
  async bytes(a, b) { this.reads += b - a; return this.data.slice(a, b); }
}

test('window-range: whole lines around the centre, bounded in bytes; a huge line clipped at a character boundary', async () => {
  const { loadWindow, utf8Boundary } = await import('../../www/window-range.js');
  const text = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}${'x'.repeat(i % 50)}`).join('\n');
  const doc = new LinesDoc(enc.encode(`${text}\n`));
  const lines = text.split('\n');
  for (const [center, half, maxBytes] of [[1, 10, 1e6], [500, 10, 1e6], [1000, 10, 1e6], [500, 100, 2000], [3, 1000, 300]]) {
    const w = await loadWindow(doc, center, { half, maxBytes });
    assert.ok(w.first <= center && center <= w.last, `the centre ${center} is in [${w.first}, ${w.last}]`);
    assert.ok(w.bytes.length <= maxBytes, `${w.bytes.length} <= ${maxBytes} bytes`);
    assert.ok(w.last - w.first <= 2 * half);
    assert.equal(new TextDecoder().decode(w.bytes), `${lines.slice(w.first - 1, w.last).join('\n')}\n`, 'whole lines with their endings');
    assert.equal(w.start, doc.starts[w.first - 1]);
    assert.equal(w.clipped, false);
    const bw = new ByteWindow(w.bytes, w.start, '\n');
    assert.equal(bw.text, lines.slice(w.first - 1, w.last).join('\n'));
  }
  const huge = new LinesDoc(enc.encode(`short\n${'é'.repeat(5000)}\nafter`));
  const w = await loadWindow(huge, 2, { half: 5, maxBytes: 1001 });
  assert.deepEqual([w.first, w.last, w.clipped, w.bytes.length], [2, 2, true, 1000], 'clipped to 500 whole characters');
  assert.equal(utf8Boundary(enc.encode('a€')), 4);
  assert.equal(utf8Boundary(enc.encode('a€').subarray(0, 3)), 1);
  assert.equal(utf8Boundary(enc.encode('😀').subarray(0, 2)), 0);
  const empty = await loadWindow(new LinesDoc(new Uint8Array(0)), 1);
  assert.deepEqual([empty.first, empty.bytes.length], [1, 0]);
});

test('ByteWindow.posOf is the inverse of byteOf (BOM, CRLF, multi-byte characters, a bad line)', () => {
  const bytes = cat([0xef, 0xbb, 0xbf], 'aé€😀\r\n', [0xff, 0x41], '\r\nlast');
  const w = new ByteWindow(bytes, 0, '\r\n');
  for (let p = 0; p <= w.text.length; p++) {
    let b;
    try { b = w.byteOf(p); } catch { continue; } // inside the bad line
    if (p > 0 && w.text.charCodeAt(p - 1) >= 0xd800 && w.text.charCodeAt(p - 1) < 0xdc00) continue; // inside a surrogate pair
    assert.equal(w.posOf(b), p, `position ${p} (byte ${b})`);
  }
  assert.equal(w.posOf(bytes.length + 10), w.text.length, 'clamped to the end');
  assert.equal(w.isBad(1), true);
});

test('rainbow: fields split at the delimiter outside quotes', async () => {
  const { fieldRanges } = await import('../../www/rainbow.js');
  assert.deepEqual(fieldRanges('a,"b,c",d'), [[0, 1], [2, 7], [8, 9]]);
  assert.deepEqual(fieldRanges('x;y', ';'), [[0, 1], [2, 3]]);
  assert.deepEqual(fieldRanges(''), [[0, 0]]);
});

test('History: an entry typed as bytes is extended by the next keystrokes and is not re-staged after an earlier removal', async () => {
  const { History } = await import('../../www/history.js');
  const doc = new BytesDoc(enc.encode('abc\n'));
  const h = new History(doc);
  await h.apply('replace', () => doc.spliceBytes(0, 1, enc.encode('A')));
  await h.apply('type', () => doc.spliceBytes(3, 3, enc.encode('x')), { lines: [] }, 1, true);
  await h.extend(() => doc.spliceBytes(4, 4, enc.encode('y')), 1, [{ a: 1, b: 1, n: 1 }]);
  assert.deepEqual(Uint8Array.from(doc.bytes), enc.encode('Abcxy\n'));
  assert.equal(h.done.length, 2);
  await assert.rejects(h.remove(0), /addresses bytes/);
  assert.deepEqual(Uint8Array.from(doc.bytes), enc.encode('Abcxy\n'), 'nothing changed');
  await h.undo();
  assert.deepEqual(Uint8Array.from(doc.bytes), enc.encode('Abc\n'), 'the group is one undo step');
  await h.redo();
  assert.deepEqual(Uint8Array.from(doc.bytes), enc.encode('Abcxy\n'), 'and one redo step');
});
