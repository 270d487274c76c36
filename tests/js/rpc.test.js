// The main-thread facade's proxy (js/rpc.js + js/index.js Document) over a MessageChannel, against
// a fake engine with a naive in-memory model: state sync, transfers, progress, errors, abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, Client } from '../../js/rpc.js';
import { Document } from '../../js/index.js';

/** A naive engine: the document is an array of lines (LF), edits are snapshots. */
function fakeEngine() {
  const engine = { returned: [], initInput: 'not called' };
  engine.init = async (input) => { engine.initInput = input; };
  engine.openBlob = (blob) => {
    let lines = null;
    const history = [];
    const text = () => lines.map((l) => l + '\n').join('');
    return {
      get size() { return lines ? new TextEncoder().encode(text()).length : blob.size; },
      get sourceSize() { return blob.size; },
      get lineCount() { return lines ? lines.length : null; },
      async index({ onProgress, signal } = {}) {
        const all = new TextDecoder().decode(await blob.arrayBuffer());
        for (let done = 0; done <= blob.size; done += 10) {
          if (signal?.aborted) throw signal.reason;
          onProgress?.(Math.min(done, blob.size), blob.size);
          await new Promise((r) => setTimeout(r, 1));
        }
        lines = all.split('\n');
        if (lines.at(-1) === '') lines.pop();
        return { lines: lines.length, ending: 'LF' };
      },
      async lines(a, b) {
        if (b > lines.length) throw new RangeError(`line ${b} is past the end: the document has ${lines.length} line${lines.length === 1 ? "" : "s"}`);
        return lines.slice(a - 1, b);
      },
      async bytes(a, b) {
        const out = new TextEncoder().encode(text()).slice(a, b);
        engine.returned.push(out);
        return out;
      },
      async find(pattern, { regex = false } = {}) {
        if (regex) new RegExp(pattern); // throws SyntaxError, not the engine's type
        if (pattern === '') throw new TypeError('empty pattern');
        return [];
      },
      async replaceLines(a, b, t) {
        history.push(lines);
        lines = [...lines.slice(0, a - 1), ...t.split('\n').filter((x, i, all) => i < all.length - 1 || x !== ''), ...lines.slice(b)];
        return { edit: history.length };
      },
      edits() { return history.map((_, i) => ({ op: 'replace-lines', description: `edit ${i + 1}` })); },
      undo() { if (!history.length) return false; lines = history.pop(); return true; },
      pieces() { const b = new TextEncoder().encode(text()); engine.returned.push(b); return [blob.slice(0, 0), b]; },
      close() { engine.closed = true; },
    };
  };
  return engine;
}

async function setup(content, onProgress) {
  const engine = fakeEngine();
  const { port1, port2 } = new MessageChannel();
  serve(engine, port1);
  const client = new Client(port2);
  const { value: id, state } = await client.call(null, 'open', [new Blob([content]), {}]);
  const doc = new Document(client, id, state, onProgress);
  return { engine, client, doc, close: () => { port1.close(); port2.close(); } };
}

test('lineCount, size follow index, edits and undo', async () => {
  const t = await setup('a\nb\nc\n');
  try {
    assert.equal(t.doc.lineCount, null);
    assert.equal(t.doc.sourceSize, 6);
    assert.deepEqual(await t.doc.index(), { lines: 3, ending: 'LF' });
    assert.equal(t.doc.lineCount, 3);
    assert.deepEqual(await t.doc.replaceLines(2, 2, 'x\ny\n'), { edit: 1 });
    assert.equal(t.doc.lineCount, 4);
    assert.equal(t.doc.size, 8);
    assert.deepEqual(await t.doc.lines(1, 4), ['a', 'x', 'y', 'c']);
    assert.deepEqual(await t.doc.edits(), [{ op: 'replace-lines', description: 'edit 1' }]);
    assert.equal(await t.doc.undo(), true);
    assert.equal(t.doc.lineCount, 3);
    assert.equal(await t.doc.undo(), false);
  } finally { t.close(); }
});

test('byte results are transferred, not copied', async () => {
  const t = await setup('hello\nworld\n');
  try {
    await t.doc.index();
    const bytes = await t.doc.bytes(0, 5);
    assert.equal(new TextDecoder().decode(bytes), 'hello');
    assert.equal(t.engine.returned[0].byteLength, 0, 'the worker-side buffer is detached by the transfer');
    const pieces = await t.doc.pieces();
    assert.ok(pieces[0] instanceof Blob);
    assert.equal(new TextDecoder().decode(pieces[1]), 'hello\nworld\n');
    assert.equal(t.engine.returned[1].byteLength, 0);
    const blob = await t.doc.blob();
    assert.equal(await blob.text(), 'hello\nworld\n');
  } finally { t.close(); }
});

test('progress callbacks cross the boundary (open-level default and per call)', async () => {
  const seen = [];
  const t = await setup('x'.repeat(100), (d, n) => seen.push(['open', d, n]));
  try {
    await t.doc.index();
    assert.ok(seen.length >= 1);
    assert.deepEqual(seen.at(-1), ['open', 100, 100]);
    const own = [];
    await t.doc.index({ onProgress: (d, n) => own.push([d, n]) });
    assert.deepEqual(own.at(-1), [100, 100]);
    assert.ok(seen.every(([who]) => who === 'open'));
  } finally { t.close(); }
});

test('errors keep their type and message', async () => {
  const t = await setup('a\n');
  try {
    await t.doc.index();
    await assert.rejects(t.doc.lines(1, 9), { name: 'RangeError', message: 'line 9 is past the end: the document has 1 line' });
    await assert.rejects(t.doc.find(''), (e) => e instanceof TypeError && e.message === 'empty pattern');
    await assert.rejects(t.doc.find('(', { regex: true }), SyntaxError);
    await assert.rejects(t.client.call(99, 'lines', [1, 1]), /document 99 is closed/);
    await assert.rejects(t.client.call(1, 'constructor', []), TypeError);
  } finally { t.close(); }
});

test('an AbortSignal aborts the call in the worker', async () => {
  const t = await setup('y'.repeat(1000));
  try {
    const controller = new AbortController();
    const p = t.doc.index({ signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(t.doc.lineCount, null);
    await t.doc.close();
    assert.equal(t.engine.closed, true);
    await assert.rejects(t.doc.lines(1, 1), /closed/);
  } finally { t.close(); }
});

test('init forwards its input before the first open', async () => {
  const engine = fakeEngine();
  const { port1, port2 } = new MessageChannel();
  serve(engine, port1);
  const client = new Client(port2);
  try {
    const bytes = new Uint8Array([0, 97, 115, 109]);
    await client.call(null, 'init', [bytes]);
    assert.deepEqual(engine.initInput, bytes);
    await assert.rejects(client.call(null, 'init', [bytes]), /before the first open/);
  } finally { port1.close(); port2.close(); }
});

test('calls on one document run one at a time, in order', async () => {
  const t = await setup('a\nb\nc\n');
  try {
    const results = await Promise.all([t.doc.index(), t.doc.lines(1, 3), t.doc.replaceLines(1, 1, 'A\n'), t.doc.lines(1, 1)]);
    assert.deepEqual(results[1], ['a', 'b', 'c']);
    assert.deepEqual(results[3], ['A']);
    assert.equal(t.doc.lineCount, 3);
  } finally { t.close(); }
});
