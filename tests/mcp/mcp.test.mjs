// End-to-end test of `bigedit mcp` with the official MCP TypeScript SDK as the client.
// Every expectation is independent of the server: fixtures written here, Node's own string
// edits, and the `bigedit` CLI run on a copy of the same file (compared by SHA-256).
//
// BIGEDIT_BIN: the binary (default target/release/bigedit); BIGEDIT_MCP_BIG_MB: size of the
// generated large file in MiB (default 300; 0 skips it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = process.env.BIGEDIT_BIN
  || path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'release', 'bigedit');
const BIG_MB = Number(process.env.BIGEDIT_MCP_BIG_MB ?? 300);

let tmp, root, outside, client, transport, stderr = '';
const env = () => {
  const e = { ...process.env, BIGEDIT_AUDIT_LOG: path.join(tmp, 'audit.jsonl'), BIGEDIT_CACHE_DIR: path.join(tmp, 'cache') };
  delete e.BIGEDIT_ROOT; // the server's root is its --root
  return e;
};
const file = (name) => path.join(root, name);
const read = (name) => fs.readFileSync(file(name), 'utf8');

/** Calls a tool; returns { isError, body } with the JSON body parsed. */
async function call(name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.content.length, 1, `${name}: one content block`);
  assert.equal(r.content[0].type, 'text');
  return { isError: r.isError === true, body: JSON.parse(r.content[0].text) };
}
async function ok(name, args) {
  const r = await call(name, args);
  assert.equal(r.isError, false, `${name} failed: ${JSON.stringify(r.body)}`);
  return r.body;
}
async function refused(name, args, pattern) {
  const r = await call(name, args);
  assert.equal(r.isError, true, `${name} should be refused: ${JSON.stringify(r.body)}`);
  assert.match(r.body.error, pattern);
  return r.body;
}
function cli(...args) {
  return execFileSync(bin, args, { env: { ...env(), BIGEDIT_AUDIT_LOG: '' }, encoding: 'utf8' });
}
async function sha256(p) {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(p, { highWaterMark: 4 << 20 })) h.update(chunk);
  return h.digest('hex');
}

const LOG = 'alpha\nbeta\ngamma\ndelta\nepsilon\n';
const MD = '# Title\n\nIntro.\n\n## Install\n\nRun it.\n\n### Linux\n\napt install x\n\n## Usage\n\nUse it.\n';
const CSV = 'id,city,status\n1,Paris,new\n2,Rome,new\n3,Paris,old\n4,Oslo,new\n';

before(async () => {
  assert.ok(fs.existsSync(bin), `build the binary first: ${bin}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bigedit-mcp-'));
  root = path.join(tmp, 'root');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  fs.writeFileSync(file('app.log'), LOG);
  fs.writeFileSync(file('notes.md'), MD);
  fs.writeFileSync(file('data.csv'), CSV);
  fs.writeFileSync(file('blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 10, 0, 0]));
  fs.symlinkSync(path.join(outside, 'secret.txt'), file('link.txt'));
  transport = new StdioClientTransport({ command: bin, args: ['mcp', '--root', root], env: env(), stderr: 'pipe' });
  transport.stderr?.on('data', (d) => { stderr += d; });
  client = new Client({ name: 'bigedit-e2e', version: '1.0.0' });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('lists every tool with a schema and a description', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  const expected = ['chunks', 'csv_delete', 'csv_set', 'delete_lines', 'file_info', 'find', 'insert_lines', 'outline',
    'read_lines', 'read_rows', 'read_section', 'replace_lines', 'replace_section', 'replace_text', 'undo_last'];
  for (const name of expected) assert.ok(names.includes(name), `missing tool ${name}: ${names}`);
  for (const t of tools) {
    assert.ok(t.description && t.description.length > 20, `${t.name} has a description`);
    assert.equal(t.inputSchema.type, 'object', `${t.name} has an object schema`);
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  assert.deepEqual(Object.keys(byName.read_lines.inputSchema.properties).sort(), ['end', 'max_bytes', 'path', 'start']);
  assert.deepEqual([...byName.replace_lines.inputSchema.required].sort(), ['end', 'path', 'start', 'text', 'version']);
  assert.ok(byName.read_lines.inputSchema.properties.max_bytes.description.includes('budget'));
});

test('reads lines with a version and a byte budget', async () => {
  const r = await ok('read_lines', { path: 'app.log', start: 2, end: 3 });
  assert.equal(r.text, 'beta\ngamma\n');
  assert.deepEqual([r.start, r.end, r.total_lines], [2, 3, 5]);
  assert.match(r.version, /^L2-3:[0-9a-f]{16}$/);
  const page = await ok('read_lines', { path: 'app.log', max_bytes: 12 });
  assert.equal(page.text, 'alpha\nbeta\n');
  assert.match(page.next, /start=3/);
  const info = await ok('file_info', { path: 'app.log' });
  assert.deepEqual([info.size, info.lines, info.kind], [LOG.length, 5, 'text']);
});

test('an edit with a stale version is refused with the current text; the right one applies; undo restores', async () => {
  const first = await ok('read_lines', { path: 'app.log', start: 2, end: 4 });
  // Someone else changes line 3 after the read.
  fs.writeFileSync(file('app.log'), LOG.replace('gamma', 'GAMMA'));
  const before = read('app.log');
  const stale = await refused('replace_lines',
    { path: 'app.log', start: 3, end: 3, text: 'three', version: first.version }, /stale/);
  assert.equal(read('app.log'), before, 'a refused edit leaves the file untouched');
  assert.equal(stale.current_text, 'GAMMA\n');
  assert.match(stale.current_version, /^L3-3:/);
  // A version that does not cover the edited lines is refused too.
  const l1 = await ok('read_lines', { path: 'app.log', start: 1, end: 1 });
  await refused('delete_lines', { path: 'app.log', start: 2, end: 2, version: l1.version }, /does not cover/);
  // Retry with the current version.
  const done = await ok('replace_lines',
    { path: 'app.log', start: 3, end: 3, text: 'three', version: stale.current_version });
  assert.equal(read('app.log'), before.replace('GAMMA', 'three'));
  assert.match(done.diff, /^-GAMMA$/m);
  assert.match(done.diff, /^\+three$/m);
  assert.match(done.version, /^L3-3:/);
  // The returned version is good for the next edit of the same line.
  await ok('insert_lines', { path: 'app.log', after: 3, text: 'three and a half', version: done.version });
  assert.equal(read('app.log'), 'alpha\nbeta\nthree\nthree and a half\ndelta\nepsilon\n');
  const undone = await ok('undo_last');
  assert.equal(undone.undid, 'insert_lines');
  assert.equal(read('app.log'), before.replace('GAMMA', 'three'));
  await refused('undo_last', {}, /nothing to undo/);
  // Undo is refused once the file changed after the edit.
  const v = await ok('read_lines', { path: 'app.log', start: 1, end: 1 });
  await ok('replace_lines', { path: 'app.log', start: 1, end: 1, text: 'ALPHA', version: v.version });
  fs.appendFileSync(file('app.log'), 'zeta\n');
  const changed = read('app.log');
  await refused('undo_last', {}, /changed since/);
  assert.equal(read('app.log'), changed);
});

test('replace_text with the whole-file version; find with context', async () => {
  fs.writeFileSync(file('app.log'), LOG);
  const found = await ok('find', { path: 'app.log', pattern: 'ta', context: 1 });
  assert.deepEqual(found.matches.map((m) => [m.line, m.column, m.text]), [[2, 3, 'beta'], [4, 4, 'delta']]);
  assert.deepEqual(found.matches[0].before, ['alpha']);
  assert.deepEqual(found.matches[1].after, ['epsilon']);
  // A match's version guards an edit of its line.
  await ok('replace_lines', { path: 'app.log', start: 4, end: 4, text: 'delta', version: found.matches[1].version });
  const capped = await ok('find', { path: 'app.log', pattern: 'a', max_results: 2 });
  assert.equal(capped.matches.length, 2);
  assert.equal(capped.more, true);
  const info = await ok('file_info', { path: 'app.log' });
  const r = await ok('replace_text', { path: 'app.log', find: 'ta', replace: 'TA', version: info.version });
  assert.equal(r.changes, 2);
  assert.equal(read('app.log'), LOG.replaceAll('ta', 'TA'));
});

test('Markdown outline, read_section and replace_section', async () => {
  const o = await ok('outline', { path: 'notes.md' });
  assert.deepEqual(o.sections.map((s) => s.section), ['Title', 'Title > Install', 'Title > Install > Linux', 'Title > Usage']);
  const s = await ok('read_section', { path: 'notes.md', section: 'Title > Install > Linux' });
  assert.equal(s.text, '### Linux\n\napt install x\n\n');
  await ok('replace_section',
    { path: 'notes.md', section: 'Title > Install > Linux', text: '### Linux\n\napt install bigedit\n', version: s.version });
  assert.equal(read('notes.md'), MD.replace('apt install x', 'apt install bigedit'));
});

test('chunks page through a Markdown file like the CLI', async () => {
  const all = JSON.parse(cli('chunks', file('notes.md'), '--max-bytes', '20', '--json'));
  const page = await ok('chunks', { path: 'notes.md', max_chunk_bytes: 20, skip: 1, max_chunks: 2 });
  assert.deepEqual(page.chunks.map((c) => c.bytes), all.slice(1, 3).map((c) => [c.bytes.start, c.bytes.end]));
  assert.equal(page.more, all.length > 3);
  if (page.more) assert.match(page.next, /skip=3/);
});

test('CSV outline, read_rows, csv_set and csv_delete match the CLI byte for byte', async () => {
  const o = await ok('outline', { path: 'data.csv' });
  assert.deepEqual([o.columns, o.rows], [['id', 'city', 'status'], 4]);
  const rows = await ok('read_rows', { path: 'data.csv', where: ['city=Paris'] });
  assert.deepEqual(rows.rows.map((r) => r.values.id), ['1', '3']);
  assert.match(rows.version, /^M2:/);
  fs.copyFileSync(file('data.csv'), path.join(tmp, 'copy.csv'));
  await ok('csv_set', { path: 'data.csv', where: ['city=Paris'], set: { status: 'done' }, version: rows.version });
  cli('csv', 'set', path.join(tmp, 'copy.csv'), '--where', 'city=Paris', '--set', 'status=done');
  assert.equal(read('data.csv'), fs.readFileSync(path.join(tmp, 'copy.csv'), 'utf8'));
  assert.equal(read('data.csv'), 'id,city,status\n1,Paris,done\n2,Rome,new\n3,Paris,done\n4,Oslo,new\n');
  // The old version no longer matches the rows (their status changed): refused.
  await refused('csv_delete', { path: 'data.csv', where: ['city=Paris'], version: rows.version }, /stale/);
  const again = await ok('read_rows', { path: 'data.csv', where: ['city=Paris'] });
  await ok('csv_delete', { path: 'data.csv', where: ['city=Paris'], version: again.version });
  cli('csv', 'delete', path.join(tmp, 'copy.csv'), '--where', 'city=Paris');
  assert.equal(read('data.csv'), fs.readFileSync(path.join(tmp, 'copy.csv'), 'utf8'));
});

test('paths outside the root, binary files and oversized requests are tool errors', async () => {
  const secret = path.join(outside, 'secret.txt');
  for (const p of ['../outside/secret.txt', secret, 'link.txt', 'sub/../../outside/secret.txt']) {
    const r = await call('read_lines', { path: p });
    assert.equal(r.isError, true, `${p} must be refused`);
  }
  const v = await ok('read_lines', { path: 'app.log', start: 1, end: 1 });
  await refused('replace_lines', { path: 'link.txt', start: 1, end: 1, text: 'pwned', version: v.version }, /.+/);
  assert.equal(fs.readFileSync(secret, 'utf8'), 'secret\n');
  await refused('read_lines', { path: 'blob.bin' }, /binary/);
  await refused('read_lines', { path: 'app.log', max_bytes: 2 << 20 }, /too large/);
  await refused('find', { path: 'app.log', pattern: 'a', max_results: 100000 }, /too large/);
  await refused('replace_lines',
    { path: 'app.log', start: 1, end: 1, text: 'x'.repeat(9 << 20), version: v.version }, /more than/);
  // An edit of 300,000 places outgrows what a tool keeps for its diff and undo: refused,
  // with the CLI named, and the file untouched.
  const many = 'x\n'.repeat(300000);
  fs.writeFileSync(file('many.txt'), many);
  const whole = await ok('file_info', { path: 'many.txt' });
  await refused('replace_text', { path: 'many.txt', find: 'x', replace: 'y', version: whole.version },
    /more than \d+ places.*CLI.*untouched/);
  assert.equal(read('many.txt'), many);
  await refused('read_lines', { path: 'missing.txt' }, /missing\.txt/);
  await refused('replace_lines', { path: 'app.log', start: 1, end: 1, text: 'x', version: 'nope' }, /not a version/);
  // Still serving.
  await ok('file_info', { path: 'app.log' });
});

test('the audit log names the MCP client', () => {
  const lines = fs.readFileSync(path.join(tmp, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const edit = lines.find((l) => l.operation === 'mcp replace_lines' && l.result === 'ok');
  assert.ok(edit, 'an audited replace_lines');
  assert.equal(edit.client, 'bigedit-e2e 1.0.0');
  assert.equal(edit.file, 'app.log');
  assert.ok(edit.commit && edit.ranges, JSON.stringify(edit));
  assert.ok(lines.some((l) => l.operation === 'mcp read_lines' && /outside|link|secret|\.\./.test(l.error ?? '')));
});

test(`a ${BIG_MB} MiB file: reads and edits match the CLI on a copy`, { skip: BIG_MB === 0 }, async () => {
  const big = file('big.log');
  const copy = path.join(tmp, 'big-cli.log');
  const lineOf = (i) => `${String(i).padStart(9, '0')} INFO request ${i % 9973} handled in ${i % 1000} ms\n`;
  let t = Date.now();
  const fd = fs.openSync(big, 'w');
  let lines = 0, size = 0;
  while (size < BIG_MB << 20) {
    let chunk = '';
    for (let k = 0; k < 50000; k++) chunk += lineOf(++lines);
    fs.writeSync(fd, chunk);
    size += chunk.length;
  }
  fs.closeSync(fd);
  fs.copyFileSync(big, copy);
  const timing = { generate_ms: Date.now() - t };
  try {
    t = Date.now();
    const info = await ok('file_info', { path: 'big.log' });
    timing.file_info_ms = Date.now() - t;
    assert.deepEqual([info.size, info.lines], [size, lines]);
    const mid = Math.floor(lines / 2);
    t = Date.now();
    const r = await ok('read_lines', { path: 'big.log', start: mid, end: mid + 2 });
    timing.read_lines_ms = Date.now() - t;
    assert.equal(r.text, lineOf(mid) + lineOf(mid + 1) + lineOf(mid + 2));
    t = Date.now();
    const f = await ok('find', { path: 'big.log', pattern: lineOf(lines - 1).trim() });
    timing.find_ms = Date.now() - t;
    assert.deepEqual(f.matches.map((m) => m.line), [lines - 1]);
    // The same three edits through MCP and through the CLI on the copy.
    t = Date.now();
    await ok('replace_lines', { path: 'big.log', start: mid + 1, end: mid + 1, text: 'EDITED BY MCP', version: r.version });
    timing.replace_lines_ms = Date.now() - t;
    cli('replace-lines', copy, `${mid + 1}`, '--with', 'EDITED BY MCP');
    const tail = await ok('read_lines', { path: 'big.log', start: lines - 1, end: lines });
    await ok('delete_lines', { path: 'big.log', start: lines - 1, end: lines - 1, version: tail.version });
    cli('delete-lines', copy, `${lines - 1}`);
    const head = await ok('read_lines', { path: 'big.log', start: 1, end: 1 });
    await ok('insert_lines', { path: 'big.log', after: 0, text: '# header', version: head.version });
    cli('insert', copy, '--after', '0', '--with', '# header');
    t = Date.now();
    assert.equal(await sha256(big), await sha256(copy), 'MCP and CLI edits give the same bytes');
    timing.sha_ms = Date.now() - t;
    // Undo of the insert through MCP equals the copy before its insert: line 1 is gone again.
    await ok('undo_last');
    const first = await ok('read_lines', { path: 'big.log', start: 1, end: 1 });
    assert.equal(first.text, lineOf(1));
    console.log(`# big file: ${size} bytes, ${lines} lines; timings ${JSON.stringify(timing)}`);
  } finally {
    fs.rmSync(big, { force: true });
    fs.rmSync(copy, { force: true });
  }
});
