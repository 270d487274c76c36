// A few hundred MB (BIGEDIT_JS_STREAM_MIB, default 300) through the Node entry with bounded
// memory (its own process: RSS is measured from a fresh start), same bytes as the native CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { open } from '../../js/node.js';
import { peakRssGrowth, runCli, tempDir, writeLogOfSizeInChild } from './helpers.js';

const MiB = 1024 ** 2;

/** SHA-256 of a file, streamed. */
async function fileHash(file) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}

test('a few hundred MB streams through bounded memory, same bytes as the CLI', async () => {
  const { dir, cleanup } = tempDir();
  const cacheDir = path.join(dir, 'cache');
  const mib = Number(process.env.BIGEDIT_JS_STREAM_MIB ?? 300);
  try {
    const file = path.join(dir, 'big.log');
    const lines = writeLogOfSizeInChild(file, mib * MiB);
    const cliFile = path.join(dir, 'cli.log');
    fs.copyFileSync(file, cliFile);
    const doc = await open(file);
    try {
      const { value, growth, base, peak } = await peakRssGrowth(async () => {
        const info = await doc.index();
        const hits = await doc.find('request 12345[0-9]* handled in 1[0-9] ms', { regex: true, max: 1000 });
        const replaced = await doc.replaceAll('request 4242 ', 'request FOUR-TWO-FOUR-TWO ');
        await doc.replaceLines(lines, lines, 'the last line, rewritten');
        const saved = await doc.save(path.join(dir, 'js.log'));
        return { info, hits, replaced, saved };
      });
      assert.equal(value.info.lines, lines);
      const cliHits = JSON.parse(runCli(['--json', 'find', cliFile, 'request 12345[0-9]* handled in 1[0-9] ms', '--regex', '--max', '1000'], { cacheDir })).matches;
      assert.deepEqual(value.hits.map((h) => [h.line, h.offset]), cliHits.map((h) => [h.line, h.offset]));
      assert.ok(value.hits.length > 0);
      assert.equal(value.replaced.replaced, 1);
      runCli(['replace', cliFile, '--find', 'request 4242 ', '--with', 'request FOUR-TWO-FOUR-TWO '], { cacheDir });
      runCli(['replace-lines', cliFile, String(lines), '--with', 'the last line, rewritten'], { cacheDir });
      assert.equal(await fileHash(path.join(dir, 'js.log')), await fileHash(cliFile));
      console.log(`# ${mib} MiB: index + regex find + replaceAll + save: RSS ${(base / MiB).toFixed(1)} -> peak ${(peak / MiB).toFixed(1)} MiB`);
      assert.ok(growth < 96 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB over a ${mib} MiB file`);
    } finally {
      await doc.close();
    }
  } finally {
    cleanup();
  }
});
