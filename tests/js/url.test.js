// openUrl through the Node entry: a file served over HTTP with Range support (scripts/serve.mjs)
// reads, indexes, searches and saves exactly as the same file opened from disk (the reference),
// random reads are Range GETs of at most a block, a change on the server is refused instead of
// mixed in, and servers that cannot serve parts are refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { open, openUrl } from '../../js/node.js';
import { ROOT, tempDir, writeLog, logLine } from './helpers.js';

const sha = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * Serves `dir` from a child process (this thread blocks in the synchronous reads, so a server
 * in it could never answer), recording each request's method and Range header from its log.
 */
async function served(dir) {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/serve.mjs'), dir], {
    env: { ...process.env, SERVE_LOG: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const requests = [];
  let url = null;
  let buffered = '';
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    child.stdout.setEncoding('utf8').on('data', (text) => {
      buffered += text;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const at = / at (http:\/\/\S+)$/.exec(line);
        if (at) { url = at[1]; resolve(); continue; }
        const m = /^(\d+) (\w+) (\S+)(?: (\S+))?$/.exec(line);
        if (m) requests.push({ status: Number(m[1]), method: m[2], path: m[3], range: m[4] ?? null });
      }
    });
  });
  child.removeAllListeners('exit');
  /** The requests logged so far, after the log has caught up (a HEAD to a marker path). */
  const settled = async () => {
    const mark = `/settle-${requests.length}-${Math.random()}`;
    await fetch(url.replace(/\/$/, '') + mark, { method: 'HEAD' });
    while (!requests.some((r) => r.path === mark)) await new Promise((r) => setTimeout(r, 5));
    return requests.filter((r) => !r.path.startsWith('/settle-'));
  };
  return { url, settled, close: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}

test('a URL reads, indexes, finds and saves as the same file on disk', async () => {
  const { dir, cleanup } = tempDir();
  const server = await served(dir);
  try {
    const file = path.join(dir, 'big.log');
    writeLog(file, 200_000); // ~17 MiB: several blocks and several streamed reads
    const url = `${server.url}big.log`;
    const local = await open(file);
    const remote = await openUrl(url);
    try {
      assert.equal(remote.size, fs.statSync(file).size);
      assert.equal(remote.path, url);
      const info = await remote.index();
      assert.deepEqual(info, await local.index());
      assert.equal(remote.lineCount, 200_000);
      // Every full-pass request was a Range GET: nothing fetched the file whole.
      const indexing = await server.settled();
      assert.ok(indexing.length > 2 && indexing.every((r) => r.method === 'HEAD' || /^bytes=\d+-\d+$/.test(r.range)), JSON.stringify(indexing.slice(0, 3)));

      // A late line: one ranged GET of at most a block (1 MiB).
      const before = indexing.length;
      assert.deepEqual(await remote.lines(199_990, 199_995), await local.lines(199_990, 199_995));
      const reads = (await server.settled()).slice(before);
      assert.ok(reads.length >= 1 && reads.length <= 2, `${reads.length} requests for six lines`);
      for (const r of reads) {
        const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(r.range);
        assert.ok(Number(b) - Number(a) + 1 <= 1 << 20, r.range);
      }
      assert.equal((await remote.lines(123_456, 123_456))[0], logLine(123_456).trimEnd());

      assert.deepEqual(await remote.find('request 150000 ', { max: 5 }), await local.find('request 150000 ', { max: 5 }));
      assert.deepEqual(await remote.find('handled in 99[0-9] ms', { regex: true, max: 50 }), await local.find('handled in 99[0-9] ms', { regex: true, max: 50 }));

      for (const doc of [remote, local]) {
        await doc.replaceLines(2, 3, 'two\nthree\n');
        await doc.deleteLines(150_000, 150_001);
        await doc.insertLines(199_990, 'inserted\n');
      }
      await remote.save(path.join(dir, 'from-url.log'));
      await local.save(path.join(dir, 'from-file.log'));
      assert.equal(sha(path.join(dir, 'from-url.log')), sha(path.join(dir, 'from-file.log')));
    } finally {
      await remote.close();
      await local.close();
    }
  } finally {
    await server.close();
    cleanup();
  }
});

test('a URL changed on the server after opening is refused, not mixed in', async () => {
  const { dir, cleanup } = tempDir();
  const server = await served(dir);
  try {
    const file = path.join(dir, 'changing.log');
    writeLog(file, 50_000);
    const remote = await openUrl(`${server.url}changing.log`);
    try {
      assert.equal((await remote.lines(1, 1))[0], logLine(1).trimEnd());
      fs.appendFileSync(file, 'appended by someone else\n'); // new size and mtime: a new ETag
      await assert.rejects(remote.lines(49_000, 49_000), /changed since it was opened/);
      await assert.rejects(remote.index(), /changed since it was opened/);
    } finally {
      await remote.close();
    }
  } finally {
    await server.close();
    cleanup();
  }
});

test('servers that cannot serve parts are refused with a clear error', async () => {
  const { dir, cleanup } = tempDir();
  const server = await served(dir);
  // A server that ignores Range: HTTP 200 with the whole body, every time.
  const whole = http.createServer((req, res) => res.writeHead(200, { 'content-length': 5 }).end('abcde'));
  await new Promise((r) => whole.listen(0, '127.0.0.1', r));
  try {
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    await assert.rejects(openUrl(`http://127.0.0.1:${whole.address().port}/x.log`), /ignored the Range request/);
    await assert.rejects(openUrl(`${server.url}missing.log`), /HTTP 404/);
    await assert.rejects(openUrl('ftp://example.com/x'), /only http: and https: URLs/);
    await assert.rejects(openUrl('not a url'), /not a URL/);
    const empty = await openUrl(`${server.url}empty.txt`);
    assert.equal(empty.size, 0);
    assert.equal((await empty.index()).lines, 0);
    await empty.close();
  } finally {
    whole.close();
    await server.close();
    cleanup();
  }
});
