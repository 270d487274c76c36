// Packaging smoke test: `npm pack`, install the tarball into a fresh directory, then use the
// installed package from Node (open/index/lines/replaceLines/save) and from a page in headless
// Chromium (import map, a generated Blob through the worker facade, saved to OPFS; the OPFS
// bytes' SHA-256 is compared with an independently built expectation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { ROOT, tempDir } from './helpers.js';
import { serve } from '../../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The page's generated document: `lines` lines "row N: ..." (the same formula runs in the page). */
function pageLine(n) {
  return `row ${n}: ${'abcdefghij'.repeat(n % 7)} value=${(n * 7919) % 10007}`;
}

let tarball;
let installDir;
let cleanupAll = () => {};

test.before(() => {
  const packDir = tempDir('bigedit-pack-');
  cleanupAll = packDir.cleanup;
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', packDir.dir], { cwd: ROOT, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path);
  for (const needed of ['js/index.js', 'js/worker.js', 'js/node.js', 'js/engine.js', 'js/rpc.js', 'js/index.d.ts',
    'js/wasm/bigedit_wasm.js', 'js/wasm/bigedit_wasm_bg.wasm', 'package.json']) {
    assert.ok(files.includes(needed), `the tarball holds ${needed} (it holds ${files.join(', ')})`);
  }
  assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('core/')), 'no tests or Rust sources shipped');
  tarball = path.join(packDir.dir, info.filename);
  installDir = path.join(packDir.dir, 'app');
  fs.mkdirSync(installDir);
  fs.writeFileSync(path.join(installDir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: installDir, stdio: 'inherit' });
});

test.after(() => cleanupAll());

test('the installed package works in Node', () => {
  const script = `
    import fs from 'node:fs';
    import { open } from 'bigedit';
    fs.writeFileSync('in.txt', 'one\\ntwo\\nthree\\n');
    const doc = await open('in.txt');
    const info = await doc.index();
    const before = await doc.lines(1, 3);
    await doc.replaceLines(2, 2, 'TWO');
    const after = await doc.lines(1, 3);
    const saved = await doc.save('out.txt');
    const count = doc.lineCount;
    await doc.close();
    let error;
    try { const d = await open('in.txt'); await d.index(); await d.lines(9, 9); } catch (e) { error = { name: e.name, message: e.message }; }
    console.log(JSON.stringify({ info, before, after, size: saved.size, count, out: fs.readFileSync('out.txt', 'utf8'), error }));
  `;
  fs.writeFileSync(path.join(installDir, 'smoke.mjs'), script);
  const out = JSON.parse(execFileSync('node', ['smoke.mjs'], { cwd: installDir, encoding: 'utf8' }));
  assert.deepEqual(out.info, { lines: 3, ending: 'LF' });
  assert.deepEqual(out.before, ['one', 'two', 'three']);
  assert.deepEqual(out.after, ['one', 'TWO', 'three']);
  assert.equal(out.out, 'one\nTWO\nthree\n');
  assert.equal(out.size, 14);
  assert.equal(out.count, 3);
  assert.ok(['RangeError', 'TypeError'].includes(out.error?.name), `a read past the end throws RangeError/TypeError, got ${JSON.stringify(out.error)}`);
  assert.match(out.error.message, /9/);
});

test('the installed package works in a browser page (worker facade, OPFS save)', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.BIGEDIT_ALLOW_NOT_RUN === '1') return t.skip(`NOT RUN: no ${CHROMIUM}`);
    assert.fail(`NOT RUN: no ${CHROMIUM} (apt-get install chromium, or BIGEDIT_ALLOW_NOT_RUN=1)`);
  }
  const { chromium } = await import('playwright-core');
  const lines = 200_000;
  const edited = 123_457;
  fs.writeFileSync(path.join(installDir, 'index.html'), `<!doctype html>
<meta charset="utf-8">
<title>bigedit smoke</title>
<script type="importmap">{ "imports": { "bigedit": "./node_modules/bigedit/js/index.js" } }</script>
<script type="module">
  import { open } from 'bigedit';
  const pageLine = ${pageLine.toString()};
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  try {
    const parts = [];
    for (let n = 1; n <= ${lines}; n++) parts.push(pageLine(n) + '\\n');
    const blob = new Blob(parts, { type: 'text/plain' });
    let progressCalls = 0;
    const doc = await open(blob, { onProgress: () => progressCalls++ });
    const info = await doc.index();
    const read = await doc.lines(${edited - 1}, ${edited + 1});
    const hits = await doc.find('value=1234', { max: 3 });
    await doc.replaceLines(${edited}, ${edited}, 'edited in the browser');
    const after = await doc.lines(${edited}, ${edited});
    const bytes = await doc.bytes(0, 6);
    let error = null;
    try { await doc.lines(${lines + 5}, ${lines + 5}); } catch (e) { error = { name: e.name, message: e.message }; }
    const saved = await doc.save('smoke-result.txt');
    const root = await navigator.storage.getDirectory();
    const file = await (await root.getFileHandle('smoke-result.txt')).getFile();
    const sha256 = hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    const blobBack = await doc.blob();
    const blobSha256 = hex(await crypto.subtle.digest('SHA-256', await blobBack.arrayBuffer()));
    window.result = { info, read, hits, after, lineCount: doc.lineCount, bytes: [...bytes], bytesType: bytes.constructor.name,
      error, saved, size: file.size, sha256, blobSha256, progressCalls };
  } catch (e) {
    window.result = { failure: e.name + ': ' + e.message + '\\n' + e.stack };
  }
</script>`);
  const server = await serve(installDir, { quiet: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.url + 'index.html');
    await page.waitForFunction(() => window.result, null, { timeout: 120_000 });
    const r = await page.evaluate(() => window.result);
    assert.equal(r.failure, undefined, `${r.failure}\n${logs.join('\n')}`);

    const expectedLines = Array.from({ length: lines }, (_, i) => pageLine(i + 1));
    assert.deepEqual(r.info, { lines, ending: 'LF' });
    assert.deepEqual(r.read, expectedLines.slice(edited - 2, edited + 1));
    const expectedHits = [];
    let offset = 0;
    for (const [i, l] of expectedLines.entries()) {
      const col = l.indexOf('value=1234');
      if (col >= 0 && expectedHits.length < 3) expectedHits.push({ line: i + 1, column: col + 1, offset: offset + col });
      offset += Buffer.byteLength(l) + 1;
    }
    assert.deepEqual(r.hits.map(({ line, column, offset: o }) => ({ line, column, offset: o })), expectedHits);
    assert.deepEqual(r.after, ['edited in the browser']);
    assert.equal(r.lineCount, lines);
    assert.deepEqual(r.bytes, [...Buffer.from('row 1:')]);
    assert.equal(r.bytesType, 'Uint8Array');
    assert.ok(['RangeError', 'TypeError'].includes(r.error?.name), `a read past the end throws RangeError/TypeError, got ${JSON.stringify(r.error)}`);
    assert.ok(r.progressCalls > 0, 'open({ onProgress }) reported progress');

    expectedLines[edited - 1] = 'edited in the browser';
    const expected = Buffer.from(expectedLines.join('\n') + '\n');
    const sha = createHash('sha256').update(expected).digest('hex');
    assert.equal(r.size, expected.length);
    assert.equal(r.saved.size, expected.length);
    assert.equal(r.sha256, sha, 'the OPFS file is the expected document');
    assert.equal(r.blobSha256, sha, 'doc.blob() is the expected document');
  } finally {
    await browser.close();
    await server.close();
  }
});
