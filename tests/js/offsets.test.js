// Offsets past 2^32 through the Node entry: a sparse file of 4.5 GiB edited near its end, checked
// against the native CLI (memory stays bounded while indexing and streaming it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { open } from '../../js/node.js';
import { peakRssGrowth, runCli, tempDir, splitLines } from './helpers.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A sink that compares what it is given with `file` at the same offsets (sequential writes). */
function comparingSink(file) {
  const fd = fs.openSync(file, 'r');
  let buf = Buffer.alloc(0);
  const sink = {
    written: 0,
    mismatch: null,
    write(bytes, at) {
      assert.equal(at, sink.written, 'writes arrive in order');
      if (buf.length < bytes.length) buf = Buffer.alloc(bytes.length);
      const n = fs.readSync(fd, buf, 0, bytes.length, at);
      if (sink.mismatch === null && (n !== bytes.length || !buf.subarray(0, n).equals(bytes))) sink.mismatch = at;
      sink.written += bytes.length;
    },
    flush() {},
    closed: false,
    close() {
      if (!sink.closed) fs.closeSync(fd);
      sink.closed = true;
    },
  };
  return sink;
}

test('offsets past 2^32: a sparse file of 4.5 GiB, edited near its end', async () => {
  const { dir, cleanup } = tempDir();
  const cacheDir = path.join(dir, 'cache');
  try {
    // Line 1 "head", line 2 = 4.5 GiB of zeros (a hole), then 100 fixed-width lines. Two copies:
    // the package reads `jsFile`, the CLI edits `file` in place.
    const tailAt = 4.5 * GiB;
    const tail = Array.from({ length: 100 }, (_, i) => `tail line ${String(i + 1).padStart(5, '0')}\n`).join('');
    const makeSparse = (p) => {
      const fd = fs.openSync(p, 'w');
      fs.writeSync(fd, 'head\n', 0);
      fs.writeSync(fd, '\n', tailAt - 1);
      fs.writeSync(fd, tail, tailAt);
      fs.closeSync(fd);
    };
    const file = path.join(dir, 'cli.bin');
    const jsFile = path.join(dir, 'js.bin');
    makeSparse(file);
    makeSparse(jsFile);
    const size = tailAt + tail.length;
    assert.equal(fs.statSync(file).size, size);

    const doc = await open(jsFile);
    try {
      const { value: info, growth } = await peakRssGrowth(() => doc.index());
      const cliInfo = JSON.parse(runCli(['--json', 'info', file], { cacheDir }));
      assert.equal(info.lines, cliInfo.lines);
      assert.equal(doc.lineCount, 102);
      assert.ok(growth < 128 * MiB, `indexing 4.5 GiB grew RSS by ${(growth / MiB).toFixed(1)} MiB`);

      assert.deepEqual(await doc.lines(50, 52), splitLines(runCli(['read', file, '50:52'], { cacheDir })));
      const [hit] = await doc.find('tail line 00077');
      const cliHit = JSON.parse(runCli(['--json', 'find', file, 'tail line 00077'], { cacheDir })).matches[0];
      assert.ok(hit.offset > 2 ** 32, `offset ${hit.offset} is past 2^32`);
      assert.deepEqual([hit.line, hit.column, hit.offset], [cliHit.line, cliHit.column, cliHit.offset]);
      assert.equal(new TextDecoder().decode(await doc.bytes(hit.offset, hit.offset + 15)), 'tail line 00077');

      // Same-length edit and an append near the end; the CLI commits them in place (tail only).
      await doc.replaceLines(60, 60, 'TAIL LINE 00058');
      await doc.insertLines(102, 'appended after 4.5 GiB');
      runCli(['replace-lines', file, '60', '--with', 'TAIL LINE 00058', '--commit', 'auto'], { cacheDir });
      runCli(['insert', file, '--after', '102', '--with', 'appended after 4.5 GiB', '--commit', 'auto'], { cacheDir });
      assert.equal(doc.size, fs.statSync(file).size);
      assert.equal(doc.lineCount, 103);
      assert.deepEqual(await doc.lines(59, 61), ['tail line 00057', 'TAIL LINE 00058', 'tail line 00059']);
      const end = Buffer.from(await doc.bytes(doc.size - 1000, doc.size));
      const cliEnd = Buffer.alloc(1000);
      const cfd = fs.openSync(file, 'r');
      fs.readSync(cfd, cliEnd, 0, 1000, doc.size - 1000);
      fs.closeSync(cfd);
      assert.ok(end.equals(cliEnd), 'the last 1000 bytes match the CLI');

      // The whole saved stream equals the CLI's file (compared as it streams: no second 4.5 GiB on disk).
      const sink = comparingSink(file);
      const { value: saved, growth: saveGrowth } = await peakRssGrowth(() => doc.save(sink));
      sink.close();
      assert.equal(saved.size, doc.size);
      assert.equal(sink.written, fs.statSync(file).size);
      assert.equal(sink.mismatch, null, `the saved stream differs from the CLI's file at byte ${sink.mismatch}`);
      assert.ok(saveGrowth < 128 * MiB, `streaming 4.5 GiB grew RSS by ${(saveGrowth / MiB).toFixed(1)} MiB`);
    } finally {
      await doc.close();
    }
  } finally {
    cleanup();
  }
});
