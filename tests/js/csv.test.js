// CSV record passes and semantic chunks through the Node entry, checked against a naive CSV model
// written here (RFC 4180 with CRLF, quoted fields holding newlines, a ragged row) and against the
// native CLI's `chunks --json`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { open } from '../../js/node.js';
import { runCli, tempDir } from './helpers.js';

const enc = new TextEncoder();

/** A CSV of `n` data rows, CRLF, with quoted fields (delimiters, doubled quotes, newlines) and one ragged row. */
function makeCsv(n) {
  const parts = ['id,name,city,amount\r\n'];
  for (let i = 1; i <= n; i++) {
    if (i === 777) { parts.push(`${i},ragged\r\n`); continue; }
    const name = i % 5 === 0 ? `"name ${i}, ""q""\r\nsecond line"` : `name${i}`;
    const city = ['Paris', 'Rome', 'Oslo'][i % 3];
    parts.push(`${i},${name},${city},${i % 97}\r\n`);
  }
  return parts.join('');
}

/** The naive model: every record of `bytes` (ASCII here) as { record, offset, fields }, header first (record 0). */
function parseCsv(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\r' || text[i] === '\n') { i++; continue; }
    const offset = i;
    const fields = [];
    let field = '';
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else { field += text[i++]; }
        }
      }
      while (i < text.length && !',\r\n'.includes(text[i])) field += text[i++];
      fields.push(field);
      field = '';
      if (text[i] === ',') { i++; continue; }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    out.push({ record: out.length, offset, fields });
  }
  return out;
}

function withCsv(fn) {
  return async () => {
    const { dir, cleanup } = tempDir();
    try {
      const text = makeCsv(30000);
      const file = path.join(dir, 'data.csv');
      fs.writeFileSync(file, text);
      await fn({ dir, file, text, model: parseCsv(text) });
    } finally {
      cleanup();
    }
  };
}

test('csvIndex and csvRows match the naive model, with and without the index', withCsv(async ({ file, text, model }) => {
  const rows = model.slice(1);
  assert.ok(text.length > 4 * 64 * 1024, 'several checkpoints');
  for (const indexed of [false, true]) {
    const doc = await open(file);
    try {
      if (indexed) {
        const info = await doc.csvIndex();
        assert.deepEqual(info, {
          records: rows.length, header: ['id', 'name', 'city', 'amount'], delimiter: ',', quote: '"',
          newline: 'CRLF', hasHeader: true,
        });
      }
      for (const [a, b] of [[1, 3], [775, 780], [14000, 14010], [rows.length - 2, rows.length]]) {
        const got = await doc.csvRows(a, b);
        assert.deepEqual(got, rows.slice(a - 1, b), `rows ${a}..${b} (indexed: ${indexed})`);
      }
      // With `where`, the ragged row is skipped, as in the CLI.
      const paris = await doc.csvRows(770, 790, { where: ['city=Paris'] });
      assert.deepEqual(paris, rows.slice(769, 790).filter((r) => r.fields.length === 4 && r.fields[2] === 'Paris'));
      await assert.rejects(doc.csvRows(rows.length, rows.length + 1), RangeError);
    } finally {
      await doc.close();
    }
  }
}));

test('csvCount counts rows, matches and ragged rows', withCsv(async ({ file, model }) => {
  const rows = model.slice(1);
  const doc = await open(file);
  try {
    let progressed = 0;
    const got = await doc.csvCount({ where: ['city=Rome', 'amount>=50'], onProgress: () => { progressed++; } });
    const good = rows.filter((r) => r.fields.length === 4);
    const matched = good.filter((r) => r.fields[2] === 'Rome' && Number(r.fields[3]) >= 50).length;
    assert.deepEqual(got, { rows: rows.length, matched, skipped: rows.length - good.length });
    assert.ok(progressed > 0, 'progress reported');
  } finally {
    await doc.close();
  }
}));

test('csvSetCell keeps the record index (shifted) and edits only that field', withCsv(async ({ file, text, model }) => {
  const doc = await open(file);
  try {
    await doc.csvIndex();
    const target = model[20000];
    const value = 'x, "y"\nz';
    assert.deepEqual(await doc.csvSetCell(20000, 'name', value), { edit: 1 });
    // The expected file: the field's raw bytes replaced by the value quoted as core quotes it.
    const raw = text.slice(target.offset).match(/^[^,]*,("([^"]|"")*"|[^,]*)/)[1];
    const at = target.offset + text.slice(target.offset).indexOf(',') + 1;
    const quoted = `"${value.replaceAll('"', '""')}"`;
    const expected = text.slice(0, at) + quoted + text.slice(at + raw.length);
    assert.equal(Buffer.from(await doc.bytes(0, doc.size)).toString(), expected);
    const model2 = parseCsv(expected).slice(1);
    assert.deepEqual(await doc.csvRows(19999, 20001), model2.slice(19998, 20001));
    assert.deepEqual(await doc.csvRows(29990, 30000), model2.slice(29989, 30000));
    // A header name that does not exist lists the header; a row past the end is a RangeError.
    await assert.rejects(doc.csvSetCell(1, 'nmae', 'x'), (e) => e instanceof TypeError && /no column "nmae"; the header is: id, name, city, amount/.test(e.message));
    await assert.rejects(doc.csvSetCell(30001, 'name', 'x'), RangeError);
    await assert.rejects(doc.csvSetCell(777, 'name', 'x'), (e) => e instanceof TypeError && /row 777 .* has 2 fields, expected 4/.test(e.message));
    assert.equal(doc.undo !== undefined, true);
    assert.equal(await doc.undo(), true);
    assert.equal(Buffer.from(await doc.bytes(0, doc.size)).toString(), text);
  } finally {
    await doc.close();
  }
}));

test('csvSet reports matched, changed and skipped rows; strict refuses a ragged file', withCsv(async ({ file, model }) => {
  const rows = model.slice(1);
  const doc = await open(file);
  try {
    await assert.rejects(doc.csvSet({ where: ['cty=Rome'], set: ['amount=0'] }), (e) => e instanceof TypeError && /the header is: id, name, city, amount/.test(e.message));
    await assert.rejects(doc.csvSet({ where: ['city=Rome'], set: ['amount=0'], strict: true }), /row 777/);
    assert.equal((await doc.edits()).length, 0);
    const report = await doc.csvSet({ where: ['city=Rome'], set: ['amount=0'] });
    const good = rows.filter((r) => r.fields.length === 4);
    const rome = good.filter((r) => r.fields[2] === 'Rome');
    assert.equal(report.rows, rows.length);
    assert.equal(report.matched, rome.length);
    assert.equal(report.changed, rome.filter((r) => r.fields[3] !== '0').length);
    assert.equal(report.skippedCount, 1);
    assert.deepEqual(report.skipped, [{ record: 777, offset: rows[776].offset, fields: 2, expected: 4 }]);
    assert.deepEqual((await doc.edits()).map((e) => e.op), ['csv-set']);
  } finally {
    await doc.close();
  }
}));

test('chunks match `bigedit chunks --json` (format from the file name, and given)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const md = path.join(dir, 'guide.md');
    fs.writeFileSync(md, '# Guide\n\nIntro.\n\n## Install\n\n```sh\n# not a heading\napt install x\n```\n\n## Use\n\n' + 'Text line.\n'.repeat(40));
    const csv = path.join(dir, 'data.csv');
    fs.writeFileSync(csv, makeCsv(200));
    const log = path.join(dir, 'app.log');
    fs.writeFileSync(log, 'line one\n\nline three é\n'.repeat(50));
    for (const [file, opts, cliArgs] of [
      [md, { maxBytes: 64 }, []],
      [csv, { maxBytes: 300, withText: true }, ['--with-text']],
      [log, { maxBytes: 100 }, []],
      [log, { maxBytes: 100, format: 'md' }, ['--format', 'md']],
    ]) {
      const want = JSON.parse(runCli(['chunks', file, '--max-bytes', String(opts.maxBytes), '--json', ...cliArgs]).toString())
        .map((c) => ({
          bytes: [c.bytes.start, c.bytes.end], lines: [c.lines.start, c.lines.end], boundary: c.boundary,
          ...(c.heading_path.length ? { headingPath: c.heading_path } : {}),
          ...(c.records ? { records: [c.records.start, c.records.end] } : {}),
          ...(c.text !== undefined ? { text: c.text } : {}),
        }));
      const doc = await open(file);
      try {
        assert.deepEqual(await doc.chunks(opts), want, `${path.basename(file)} ${JSON.stringify(opts)}`);
      } finally {
        await doc.close();
      }
    }
    const doc = await open(log);
    try {
      await assert.rejects(doc.chunks({ maxBytes: 2 }), TypeError);
      await assert.rejects(doc.chunks({ maxBytes: 100, format: 'xml' }), /unknown chunk format/);
    } finally {
      await doc.close();
    }
    assert.ok(enc);
  } finally {
    cleanup();
  }
});
