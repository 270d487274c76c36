// The package against the native CLI on the shared cases of tests/cases/edits.json: after every
// edit the JS view is byte-identical to the file the CLI committed, reads agree, and saving
// through the package (to a new path, then over its own file) writes the CLI's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { open } from '../../js/node.js';
import { ROOT, runCli, tempDir, inputBytes, splitLines } from './helpers.js';

const { cases } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/cases/edits.json'), 'utf8'));

/** What the CLI says, in the shape the JS call returns. */
function cliResult(kind, args, cacheDir) {
  const json = (a) => JSON.parse(runCli(['--json', ...a], { cacheDir }).toString());
  switch (kind) {
    case 'index': {
      const info = json(args);
      return { lines: info.lines, ending: info.line_ending };
    }
    case 'lines': return splitLines(runCli(args, { cacheDir }));
    case 'text': return new TextDecoder().decode(runCli(args, { cacheDir }));
    case 'find':
      return json(args).matches.map((m) => ({ line: m.line, column: m.column, offset: m.offset, length: m.len }));
    case 'outline':
      return json(args).map((h) => ({
        level: h.level, title: h.title, path: h.selector, // the unique path ("#N" for duplicates)
        lines: [h.lines.start, h.lines.end], bytes: [h.bytes.start, h.bytes.end],
      }));
    case 'headers': return json(args).columns;
    case 'rows':
      return json(args).rows.map((r) => ({ record: r.row, offset: r.offset, fields: Object.values(r.values) }));
    case 'chunks':
      return json(args).map((c) => ({
        bytes: [c.bytes.start, c.bytes.end], lines: [c.lines.start, c.lines.end], boundary: c.boundary,
        headingPath: c.heading_path.length ? c.heading_path : undefined,
        records: c.records ? [c.records.start, c.records.end] : undefined,
        text: c.text,
      }));
    default: throw new Error(`unknown compare ${kind}`);
  }
}

/** The JS result reduced to what the CLI reports. */
function jsResult(kind, value) {
  switch (kind) {
    case 'index': return { lines: value.lines, ending: value.ending };
    case 'find': return value.map(({ line, column, offset, length }) => ({ line, column, offset, length }));
    case 'outline': return value.map(({ level, title, path: p, lines, bytes }) => ({ level, title, path: p, lines: [...lines], bytes: [...bytes] }));
    case 'rows': return value.map(({ record, offset, fields }) => ({ record, offset, fields: [...fields] }));
    case 'chunks':
      return value.map((c) => ({
        bytes: [...c.bytes], lines: [...c.lines], boundary: c.boundary,
        headingPath: c.headingPath ? [...c.headingPath] : undefined,
        records: c.records ? [...c.records] : undefined, text: c.text,
      }));
    default: return value;
  }
}

for (const c of cases) {
  // A case marked `todo` still runs and is reported, but its failure does not fail the suite.
  test(`parity: ${c.name}`, { todo: c.todo }, async () => {
    const { dir, cleanup } = tempDir();
    const cacheDir = path.join(dir, 'cache');
    const input = inputBytes(c.input);
    const cliFile = path.join(dir, 'cli.bin');
    const jsFile = path.join(dir, 'js.bin');
    fs.writeFileSync(cliFile, input);
    fs.writeFileSync(jsFile, input);
    const doc = await open(jsFile);
    const snapshots = [];
    try {
      for (const [i, step] of c.steps.entries()) {
        const where = `${c.name}, step ${i + 1} ${JSON.stringify(step.js ?? step)}`;
        if (step.undo) {
          assert.equal(await doc.undo(), true, where);
          fs.writeFileSync(cliFile, snapshots.pop());
        } else {
          const args = step.cli.map((a) => (a === '{file}' ? cliFile : a));
          const [method, ...jsArgs] = step.js;
          if (step.compare === 'edit') {
            snapshots.push(fs.readFileSync(cliFile));
            runCli(args, { cacheDir });
            await doc[method](...jsArgs);
          } else {
            const expected = cliResult(step.compare, args, cacheDir);
            const actual = jsResult(step.compare, await doc[method](...jsArgs));
            assert.deepEqual(actual, expected, where);
          }
        }
        const view = Buffer.from(await doc.bytes(0, doc.size));
        assert.ok(view.equals(fs.readFileSync(cliFile)), `${where}: the JS view differs from the CLI's file`);
        assert.equal(doc.size, fs.statSync(cliFile).size, where);
      }
      assert.deepEqual(fs.readFileSync(jsFile), input, 'staged edits leave the source untouched');
      const out = path.join(dir, 'saved.bin');
      const saved = await doc.save(out);
      assert.equal(saved.size, fs.statSync(cliFile).size);
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(cliFile)), 'save(new path) writes the CLI bytes');
      // Saving over its own file: atomic, and the document reopens on the result.
      const lineCountBefore = doc.lineCount;
      await doc.save(jsFile);
      assert.ok(fs.readFileSync(jsFile).equals(fs.readFileSync(cliFile)), 'save(own path) writes the CLI bytes');
      assert.deepEqual(await doc.edits(), [], 'after saving over its source the document has no staged edits');
      assert.equal(doc.sourceSize, fs.statSync(cliFile).size);
      assert.equal(doc.lineCount, lineCountBefore);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('bigedit-tmp')), [], 'no temp file left');
    } finally {
      await doc.close();
      cleanup();
    }
  });
}
