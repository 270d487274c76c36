// Browser tests of the web editor (www/): Playwright (playwright-core) drives Debian's headless
// Chromium through the page's data-testid hooks, the way a person would: open a file through the
// real file input, wait for the index, jump to a line, click into the CodeMirror window and type
// (keyboard, Enter, Backspace, paste events, Page Up/Down, the wheel, Ctrl+Z, Ctrl+A), save to
// OPFS. The saved file is read back (the page's Download link, saved by Playwright) and compared
// with an independent expectation: its SHA-256 with the file the native CLI produces for the same
// edit on a copy (`bigedit apply`, `csv set`, `md replace`), or bytes built by hand. Shown lines
// are checked against the generator of the file. JS heap (CDP Performance.getMetrics, page and
// worker) and wasm memory (the page's readout, from the worker) are sampled during indexing,
// editing and saving. `window.bigeditEditor` (app.js) is the page's test hook: `settled()` says
// no edit is queued and no window is loading.
//
// Run by scripts/test-web.sh. Env: BIGEDIT (the CLI binary), WEB_BIG_MIB (size of the big file,
// default 1024), CHROMIUM (default /usr/bin/chromium), SCREENSHOTS (default target/screenshots).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIGEDIT = process.env.BIGEDIT ?? path.join(ROOT, 'target/release/bigedit');
const BIG_MIB = Number(process.env.WEB_BIG_MIB ?? 1024);
const SHOTS = path.resolve(ROOT, process.env.SCREENSHOTS ?? 'target/screenshots');
const HEAP_LIMIT = 128 * 1024 * 1024;
const WASM_LIMIT = 64 * 1024 * 1024;
const MIB = 1024 * 1024;

let server;
let browser;
let tmp;
const samplers = [];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bigedit-web-'));
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await serve(ROOT, { quiet: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
});

after(async () => {
  // A test that failed before stopping its sampler: the sampler's loop would keep node running.
  for (const s of samplers) await s.stop();
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------ helpers

/** The text of generated log line n (1-based), without its ending. */
function logLine(n) {
  return `${String(n).padStart(9, '0')} 2026-11-25 worker-${n % 16} request ${n * 7919 % 1000003} handled in ${n % 997} ms`;
}

/** Writes lines first.. of `lineOf` until the file holds at least `bytes`; returns the line count. */
function writeLines(file, bytes, lineOf) {
  const fd = fs.openSync(file, 'w');
  let n = 0;
  let written = 0;
  try {
    while (written < bytes) {
      const parts = [];
      let size = 0;
      while (size < 8 * MIB && written + size < bytes) {
        const line = `${lineOf(++n)}\n`;
        parts.push(line);
        size += line.length; // ASCII only
      }
      const buf = Buffer.from(parts.join(''));
      fs.writeSync(fd, buf);
      written += buf.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

function sha256File(file) {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * MIB);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Runs the CLI on a copy of `file` (it edits in place; `args(copy)`) and returns the copy's path. */
function cliEdit(file, args) {
  const copy = `${file}.cli`;
  execFileSync('cp', ['--reflink=auto', file, copy]);
  execFileSync(BIGEDIT, args(copy), { stdio: ['ignore', 'ignore', 'inherit'] });
  return copy;
}

/**
 * The JS heap of the page's dedicated workers (the engine's worker), through a browser-level CDP
 * session: Target.attachToTarget (non-flat) then Runtime.getHeapUsage sent with
 * Target.sendMessageToTarget. Returns the sum of usedSize over the workers found.
 */
async function workerHeaps(bcdp, sessions) {
  const { targetInfos } = await bcdp.send('Target.getTargets');
  let sum = 0;
  for (const t of targetInfos.filter((x) => x.type === 'worker')) {
    if (!sessions.has(t.targetId)) {
      const { sessionId } = await bcdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
      sessions.set(t.targetId, sessionId);
    }
    const sessionId = sessions.get(t.targetId);
    const id = Math.floor(Math.random() * 1e9);
    const reply = new Promise((resolve) => {
      const on = (e) => {
        if (e.sessionId !== sessionId) return;
        const msg = JSON.parse(e.message);
        if (msg.id !== id) return;
        bcdp.off('Target.receivedMessageFromTarget', on);
        resolve(msg.result?.usedSize ?? 0);
      };
      bcdp.on('Target.receivedMessageFromTarget', on);
    });
    await bcdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
    sum += await Promise.race([reply, new Promise((r) => setTimeout(() => r(0), 2000))]);
  }
  return sum;
}

/** A page with the editor loaded and a memory sampler (call `sampler.stop()` for the peaks). */
async function openEditor(query = '', base = server.url) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}www/${query}`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const bcdp = await browser.newBrowserCDPSession();
  const sessions = new Map();
  const peaks = { heap: 0, workerHeap: 0, wasm: 0, samples: 0 };
  let phase = null;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (phase) {
        try {
          const { metrics } = await cdp.send('Performance.getMetrics');
          const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
          const wasm = Number(await page.getAttribute('[data-testid=memory]', 'data-wasm-bytes')) || 0;
          peaks.heap = Math.max(peaks.heap, heap);
          peaks.wasm = Math.max(peaks.wasm, wasm);
          peaks.workerHeap = Math.max(peaks.workerHeap, await workerHeaps(bcdp, sessions));
          peaks.samples++;
        } catch { /* page closing */ }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const sampler = {
    measure(on) { phase = on; },
    async stop() {
      running = false;
      // A worker that went away mid-sample never answers: do not wait on it for long.
      await Promise.race([loop, new Promise((r) => setTimeout(r, 5_000).unref())]);
      await bcdp.detach().catch(() => {});
      return peaks;
    },
  };
  samplers.push(sampler);
  return { context, page, sampler };
}

async function openFile(page, file, lines, timeout) {
  await page.setInputFiles('[data-testid=open-file]', file);
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid=line-count]')?.textContent.replace(/\D/g, '') === String(want),
    lines,
    { timeout, polling: 250 },
  );
}

async function gotoLine(page, n) {
  await page.fill('[data-testid=goto-line]', String(n));
  await page.press('[data-testid=goto-line]', 'Enter');
  await page.waitForSelector(`[data-testid=line-${n}]`);
  await settle(page);
}

/** Clicks Save, waits for "saved", then downloads the saved OPFS file (Download link) and returns its path. */
async function saveAndFetch(page, timeout) {
  await page.click('[data-testid=save]');
  await page.waitForFunction(() => /saved/.test(document.querySelector('[data-testid=save-status]')?.textContent ?? ''), null, { timeout, polling: 250 });
  const status = await page.textContent('[data-testid=save-status]');
  const name = await page.getAttribute('[data-testid=save-status]', 'data-name');
  assert.ok(status.includes(name), `save-status names the OPFS file: ${status}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download]')]);
  const file = await download.path(); // Playwright's copy, deleted with the context
  await page.evaluate(async (n) => (await navigator.storage.getDirectory()).removeEntry(n), name);
  return file;
}

/**
 * Starts a save and cancels it from inside the page at its first progress report. Returns the
 * seconds from the click on Cancel to the "not saved" status, that status, the OPFS file names
 * left, and whether the Download link is hidden.
 */
async function cancelSave(page) {
  await page.evaluate(() => {
    const rate = document.getElementById('progress-rate');
    const watch = new MutationObserver(() => {
      if (!rate.textContent) return;
      watch.disconnect();
      window.cancelClickedAt = performance.now();
      document.querySelector('[data-testid=cancel]').click();
    });
    watch.observe(rate, { childList: true, characterData: true, subtree: true });
  });
  await page.click('[data-testid=save]');
  await page.waitForFunction(() => /not saved|saved/.test(document.querySelector('[data-testid=save-status]')?.textContent ?? ''), null, { timeout: 60_000, polling: 50 });
  return page.evaluate(async () => {
    const secs = (performance.now() - window.cancelClickedAt) / 1000;
    const files = [];
    for await (const name of (await navigator.storage.getDirectory()).keys()) files.push(name);
    return {
      secs,
      status: document.querySelector('[data-testid=save-status]').textContent,
      files: files.filter((n) => n.startsWith('edited-')),
      download: document.querySelector('[data-testid=download]').hidden,
    };
  });
}

/** Waits until the text of `testid` starts with `want`; on timeout, fails with it and the status message. */
async function waitText(page, testid, want, timeout = 60_000) {
  try {
    await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.startsWith(w), [`[data-testid=${testid}]`, want], { timeout, polling: 100 });
  } catch {
    const got = await page.textContent(`[data-testid=${testid}]`);
    const message = await page.textContent('[data-testid=message]');
    assert.fail(`${testid}: want "${want}...", got "${got}" (message: "${message}")`);
  }
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

// ------------------------------------------------------------------------------ tests

/** The page's state is settled: no staged edit queued, no window loading (a test hook). */
async function settle(page) {
  try {
    await page.waitForFunction(() => window.bigeditEditor.settled(), null, { polling: 50, timeout: 60_000 });
  } catch (e) {
    const state = await page.evaluate(() => { const b = window.bigeditEditor; return JSON.stringify({ ...b.debug(), message: document.querySelector('[data-testid=message]').textContent }); });
    throw new Error(`the page did not settle: ${state}`);
  }
}

/** The lines the editor shows (rendered, the viewport and a margin): [[file line, text], ...]. */
const shownLines = (page) => page.$$eval('[data-testid=editor] .cm-line[data-line]', (els) => els.map((e) => [Number(e.dataset.line), e.textContent]));

/** Checks every shown line against `expect(n)` (the file's line n as the page should show it). */
async function checkShown(page, expect, what) {
  const shown = await shownLines(page);
  assert.ok(shown.length > 10, `${what}: lines are shown`);
  for (const [n, text] of shown) assert.equal(text, expect(n), `${what}: line ${n}`);
  return shown;
}

/** Asserts the cursor's line is on screen (between the viewport's top and bottom lines). */
async function cursorOnScreen(page, what) {
  const { line } = await cursorAt(page);
  const [top, bottom] = await page.evaluate(() => [window.bigeditEditor.viewportLine(), window.bigeditEditor.viewportLine(true)]);
  assert.ok(line >= top && line <= bottom, `${what}: the cursor's line ${line} is on screen (${top}-${bottom})`);
}

/** The cursor as the status bar shows it: { line, col }. */
async function cursorAt(page) {
  const t = await page.textContent('[data-testid=cursor]');
  const m = /Ln ([\d,]+), Col ([\d,]+)/.exec(t);
  return { line: Number(m[1].replaceAll(',', '')), col: Number(m[2].replaceAll(',', '')) };
}

/** Pastes `text` into the editor as the browser does (a paste event with clipboard data). */
function paste(page, text) {
  return page.$eval('[data-testid=editor] .cm-content', (el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** Types `text` one key at a time (Enter for a newline) and waits until it is staged. */
async function typeKeys(page, text) {
  const parts = text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    if (i) await page.keyboard.press('Enter');
    if (parts[i]) await page.keyboard.type(parts[i]);
  }
  await settle(page);
}

/** The CLI's `apply` with an edit list, on a copy of `file`; returns the copy's path. */
const cliApply = (file, edits) => cliEdit(file, (f) => {
  fs.writeFileSync(`${f}.edits.json`, JSON.stringify(edits));
  return ['apply', f, `${f}.edits.json`];
});

test(`a ${BIG_MIB} MiB log: go near the end, type, Enter, Backspace, paste, undo, Page Down across window shifts and back, save to OPFS; equals \`bigedit apply\``, { timeout: 30 * 60_000 }, async () => {
  const file = path.join(tmp, 'big.log');
  const lines = writeLines(file, BIG_MIB * MIB, logLine);
  const { context, page, sampler } = await openEditor('?window-lines=600');
  try {
    await shot(page, '1-empty');
    sampler.measure('index');
    const t0 = Date.now();
    await openFile(page, file, lines, 20 * 60_000);
    const indexSecs = (Date.now() - t0) / 1000;
    sampler.measure(null);
    await page.waitForSelector('[data-testid=line-1]');
    assert.equal(await page.textContent('[data-testid=line-1]'), logLine(1));
    await shot(page, '2-indexed');

    // The scrollbar stands for the whole file, capped (browsers stop laying out near 17-33M px)
    // and scaled: its end shows the last line, its middle the middle of the file.
    const height = await page.$eval('[data-testid=viewer]', (v) => v.scrollHeight);
    assert.ok(height <= 8_000_000, `scroll height ${height} is capped`);
    await page.$eval('[data-testid=viewer]', (v) => { v.scrollTop = v.scrollHeight; });
    assert.equal(await (await page.waitForSelector(`[data-testid=line-${lines}]`)).textContent(), logLine(lines));
    await page.$eval('[data-testid=viewer]', (v) => { v.scrollTop = (v.scrollHeight - v.clientHeight) / 2; });
    await page.waitForFunction((mid) => Math.abs(window.bigeditEditor.viewportLine() - mid) < mid / 1000, Math.round(lines / 2));

    // The mouse wheel scrolls the editor by pixels, across window shifts without a jump: each
    // notch of 10 lines moves the top line by 10, and the scrollbar follows.
    const mid = Math.round(lines / 2);
    await gotoLine(page, mid);
    const ed = await (await page.$('[data-testid=editor] .cm-scroller')).boundingBox();
    await page.mouse.move(ed.x + 300, ed.y + 200);
    const wheelShifts = await page.evaluate(() => window.bigeditEditor.win.shifts);
    let prev = await page.evaluate(() => window.bigeditEditor.viewportLine());
    for (let k = 0; k < 80; k++) {
      await page.mouse.wheel(0, 200);
      await page.waitForFunction((p) => window.bigeditEditor.viewportLine() !== p, prev, { polling: 'raf' });
      await settle(page);
      const top = await page.evaluate(() => window.bigeditEditor.viewportLine());
      assert.equal(top - prev, 10, `wheel notch ${k + 1}: the top line moved from ${prev} to ${top}`);
      prev = top;
    }
    assert.ok((await page.evaluate(() => window.bigeditEditor.win.shifts)) - wheelShifts >= 3, 'the wheel crossed window shifts');
    const bar = await page.evaluate(() => window.bigeditEditor.textScroller.first);
    assert.ok(Math.abs(bar - prev) <= 1, `the scrollbar follows the editor (${bar} vs ${prev})`);

    // Go to a line near the end; click into the middle of the line after it.
    const n = lines - 2000;
    await gotoLine(page, n);
    await settle(page);
    for (const k of [n - 1, n, n + 1]) assert.equal(await page.textContent(`[data-testid=line-${k}]`), logLine(k), `line ${k} as shown`);
    await shot(page, '3-goto-end');
    const box = await (await page.$(`[data-testid=line-${n}]`)).boundingBox();
    await page.mouse.click(box.x + 200, box.y + box.height / 2);
    const at = await cursorAt(page);
    assert.equal(at.line, n, 'the click put the cursor on that line');
    assert.ok(at.col > 5 && at.col < logLine(n).length - 5, `the cursor is inside the line (column ${at.col})`);

    sampler.measure('edit');
    const [before, after] = [logLine(n).slice(0, at.col - 1), logLine(n).slice(at.col - 1)];
    await typeKeys(page, 'TYPED ✓ é\nsecond line');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await settle(page);
    await paste(page, ' p1\np2\np3 ');
    await settle(page);
    assert.equal(await page.textContent(`[data-testid=line-${n + 3}]`), `p3 ${after}`, 'the pasted lines');
    await shot(page, '4-typed');
    await page.keyboard.press('Control+z'); // the paste is one undo step
    await settle(page);
    const edited = [`${before}TYPED ✓ é`, `second li${after}`];
    /** Line k of the edited file. */
    const expect = (k) => (k < n ? logLine(k) : k === n ? edited[0] : k === n + 1 ? edited[1] : logLine(k - 1));
    await checkShown(page, expect, 'after undoing the paste');
    assert.equal(await page.textContent('[data-testid=edits-count]'), '2', 'two undo steps left: the typing, the Backspaces');

    // Page Down to the end across window shifts, then back up, checking the lines on the way.
    const shifts0 = await page.evaluate(() => window.bigeditEditor.win.shifts);
    for (let k = 1; k <= 90; k++) {
      await page.keyboard.press('PageDown');
      if (k % 10 === 0) { await settle(page); await checkShown(page, expect, `Page Down x${k}`); await cursorOnScreen(page, `Page Down x${k}`); }
    }
    await settle(page);
    const down = (await page.evaluate(() => window.bigeditEditor.win.shifts)) - shifts0;
    assert.ok(down >= 3, `Page Down crossed ${down} window shifts`);
    await page.keyboard.press('Control+End');
    await settle(page);
    assert.equal(await page.textContent(`[data-testid=line-${lines + 1}]`), logLine(lines), 'Ctrl+End: the last line');
    assert.equal((await cursorAt(page)).line, lines + 1, 'Ctrl+End: the cursor on the last line');
    for (let k = 1; k <= 90; k++) {
      await page.keyboard.press('PageUp');
      if (k % 10 === 0) { await settle(page); await checkShown(page, expect, `Page Up x${k}`); await cursorOnScreen(page, `Page Up x${k}`); }
    }
    await settle(page);
    assert.ok(await page.evaluate(() => window.bigeditEditor.viewportLine()) < n, 'Page Up went back past the edited line');
    await gotoLine(page, n);
    assert.equal(await page.textContent(`[data-testid=line-${n}]`), edited[0], 'the edited line');
    await shot(page, '5-back');
    sampler.measure(null);

    // Cancel during a save: the page clicks Cancel at the first progress report (a
    // MutationObserver, so the save cannot finish first); the save must stop within seconds and
    // leave no file in OPFS (the engine writes NAME.bigedit-tmp and removes it on abort).
    const cancelled = await cancelSave(page);
    assert.ok(cancelled.secs < 5, `a cancelled save stopped after ${cancelled.secs} s`);
    assert.match(cancelled.status, /not saved \(cancelled\)/);
    assert.deepEqual(cancelled.files, [], 'nothing left in OPFS after a cancelled save');
    assert.equal(cancelled.download, true, 'no download offered after a cancelled save');

    sampler.measure('save');
    const t1 = Date.now();
    const saved = await saveAndFetch(page, 20 * 60_000);
    const saveSecs = (Date.now() - t1) / 1000;
    sampler.measure(null);
    await shot(page, '6-saved');
    const memory = await page.textContent('[data-testid=memory]');
    const peaks = await sampler.stop();

    const expected = cliApply(file, [{ op: 'replace-lines', lines: `${n}:${n}`, with: edited.join('\n') }]);
    assert.equal(sha256File(saved), sha256File(expected), 'the saved file equals the CLI edit');
    console.log(`# ${BIG_MIB} MiB, ${lines} lines: index ${indexSecs.toFixed(1)} s, save+download ${saveSecs.toFixed(1)} s; `
      + `peak JS heap ${(peaks.heap / MIB).toFixed(1)} MiB (page) + ${(peaks.workerHeap / MIB).toFixed(1)} MiB (worker), `
      + `peak wasm ${(peaks.wasm / MIB).toFixed(1)} MiB (${peaks.samples} samples); readout "${memory}"; ${down} window shifts down`);
    assert.ok(peaks.samples > 0, 'memory was sampled');
    assert.ok(peaks.wasm > 0, 'the memory readout reports wasm memory');
    assert.ok(peaks.heap < HEAP_LIMIT, `page JS heap peak ${peaks.heap} < 128 MiB`);
    assert.ok(peaks.workerHeap < HEAP_LIMIT, `worker JS heap peak ${peaks.workerHeap} < 128 MiB`);
    assert.ok(peaks.wasm < WASM_LIMIT, `wasm memory peak ${peaks.wasm} < 64 MiB`);
    fs.rmSync(expected);
  } finally {
    await context.close();
    fs.rmSync(file, { force: true });
  }
});

test('a CSV file: grid, edit one cell, save; equals `bigedit csv set`', { timeout: 10 * 60_000 }, async () => {
  const file = path.join(tmp, 'people.csv');
  const cities = ['Paris', 'Lyon', 'Berlin', 'Oslo', 'Rome'];
  const rows = 200_000;
  const body = ['id,name,city,amount'];
  for (let i = 1; i <= rows; i++) body.push(`${i},person ${i},${cities[i % 5]},${(i * 37) % 1000}`);
  fs.writeFileSync(file, `${body.join('\n')}\n`);
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, rows + 1, 5 * 60_000);
    const r = 150_000;
    await page.fill('[data-testid=goto-line]', String(r + 1));
    await page.press('[data-testid=goto-line]', 'Enter');
    const cell = await page.waitForSelector(`[data-testid=cell-${r}-3]`);
    assert.equal(await cell.textContent(), cities[r % 5]);
    assert.equal(await page.textContent(`[data-testid=cell-${r}-1]`), String(r));
    await cell.click();
    const value = 'Zürich, "CH"';
    await page.fill('[data-testid=cell-input]', value);
    await page.press('[data-testid=cell-input]', 'Enter');
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want,
      [`[data-testid=cell-${r}-3]`, value]);
    await shot(page, '6-csv-grid');
    const saved = await saveAndFetch(page, 5 * 60_000);
    await sampler.stop();
    const expected = cliEdit(file, (f) => ['csv', 'set', f, '--where', `id=${r}`, '--set', `city=${value}`]);
    assert.equal(sha256File(saved), sha256File(expected), 'the saved CSV equals the CLI edit');
  } finally {
    await context.close();
  }
});

/** A CSV field as the writer quotes it: quoted when it holds the delimiter, a quote or a line break. */
const csvField = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

test('a CSV file with quoted multi-line records and CRLF: edit a cell of a multi-line record, bulk set, delete where, save; equals the CLI', { timeout: 10 * 60_000 }, async () => {
  const file = path.join(tmp, 'notes.csv');
  const cities = ['Paris', 'Lyon', 'Berlin', 'Oslo', 'Rome', 'Paris'];
  const records = [];
  for (let i = 1; i <= 20_000; i++) {
    const note = i % 10 === 4 ? `first line of ${i}\r\nsecond, with a comma\r\nthird "quoted" line`
      : i % 10 === 7 ? `say "hi" to ${i}` : i % 10 === 9 ? '' : `note ${i}`;
    records.push({ id: String(i), name: `person ${i}`, city: cities[i % 6], status: i % 4 === 0 ? 'done' : 'open', note });
  }
  const cols = ['id', 'name', 'city', 'status', 'note'];
  const text = `${cols.join(',')}\r\n${records.map((r) => cols.map((c) => csvField(r[c])).join(',')).join('\r\n')}\r\n`;
  fs.writeFileSync(file, text);
  const lines = 1 + records.length + records.filter((x) => x.note.includes('\r\n')).length * 2;
  assert.equal(text.split('\n').length - 1, lines, 'the fixture: header, records, 2 more lines per multi-line note');
  /** The line record r (1-based) starts on. */
  const lineOf = (r) => 2 + records.slice(0, r - 1).reduce((n, x) => n + 1 + (x.note.match(/\n/g)?.length ?? 0), 0);

  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, lines, 5 * 60_000);
    await page.waitForFunction(() => /20,000 records/.test(document.querySelector('[data-testid=csv-info]')?.textContent ?? ''));
    assert.match(await page.textContent('[data-testid=csv-info]'), /5 columns.*CRLF/);

    // Go to the line where record 12,344 (multi-line) starts: the grid shows that record.
    const r = 12_344;
    await page.fill('[data-testid=goto-line]', String(lineOf(r) + 1)); // its second line
    await page.press('[data-testid=goto-line]', 'Enter');
    const cell = await page.waitForSelector(`[data-testid=cell-${r}-5]`);
    assert.equal(await cell.textContent(), records[r - 1].note, 'the multi-line field as one cell');
    assert.equal(await page.textContent(`[data-testid=cell-${r + 1}-1]`), String(r + 1), 'the next grid row is the next record');
    await shot(page, '10-csv-multiline');
    await cell.click();
    const value = 'rewritten in the browser\nwith "two" lines, and a comma';
    await page.fill('[data-testid=cell-input]', value);
    await page.press('[data-testid=cell-input]', 'Enter');
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [`[data-testid=cell-${r}-5]`, value]);
    await page.waitForSelector(`[data-testid=edited-record-${r}]`);
    assert.equal(await page.textContent(`[data-testid=cell-${r}-2]`), `person ${r}`, 'the other fields are unchanged');

    // Bulk: preview count, then set; then delete where.
    const paris = records.filter((x) => x.city === 'Paris');
    await page.fill('[data-testid=csv-where]', 'city=Paris');
    await page.fill('[data-testid=csv-set]', 'status=done');
    await page.click('[data-testid=csv-preview]');
    await waitText(page, 'csv-status', `${paris.length.toLocaleString('en-US')} of 20,000 records match`);
    await page.click('[data-testid=csv-apply]');
    const changed = paris.filter((x) => x.status !== 'done').length;
    await waitText(page, 'csv-status', `changed ${changed.toLocaleString('en-US')} of ${paris.length.toLocaleString('en-US')} matching rows`);
    const oslo = records.filter((x) => x.city === 'Oslo').length;
    await page.fill('[data-testid=csv-where]', 'city=Oslo');
    await page.click('[data-testid=csv-delete]');
    await waitText(page, 'csv-status', `deleted ${oslo.toLocaleString('en-US')} of ${oslo.toLocaleString('en-US')} matching rows`);
    await waitText(page, 'csv-info', `${(20_000 - oslo).toLocaleString('en-US')} records`);
    assert.equal(await page.textContent('[data-testid=edits-count]'), '3');
    await shot(page, '11-csv-bulk');

    const saved = await saveAndFetch(page, 5 * 60_000);
    await sampler.stop();
    const expected = cliEdit(file, (f) => ['csv', 'set', f, '--where', `id=${r}`, '--set', `note=${value}`]);
    execFileSync(BIGEDIT, ['csv', 'set', expected, '--where', 'city=Paris', '--set', 'status=done'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync(BIGEDIT, ['csv', 'delete', expected, '--where', 'city=Oslo'], { stdio: ['ignore', 'ignore', 'inherit'] });
    assert.equal(sha256File(saved), sha256File(expected), 'the saved CSV equals the CLI edits');
  } finally {
    await context.close();
  }
});

test('a Markdown file: outline, replace a section, save; equals `bigedit md replace`', { timeout: 10 * 60_000 }, async () => {
  const file = path.join(tmp, 'book.md');
  const out = ['# Book', '', 'Intro text.', ''];
  for (let p = 1; p <= 40; p++) {
    out.push(`## Part ${p}`, '', `Part ${p} opens here.`, '');
    for (let s = 1; s <= 25; s++) {
      out.push(`### Section ${s}`, '');
      for (let k = 0; k < 20; k++) out.push(`Paragraph ${k} of part ${p}, section ${s}: lorem ipsum dolor sit amet.`, '');
    }
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
  const lines = out.length;
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, lines, 5 * 60_000);
    const target = 'Book > Part 31 > Section 7';
    const item = await page.waitForSelector(`[data-testid=outline-item][data-path="${target}"]`);
    await item.click();
    await page.click('[data-testid=section-edit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=edit-text]')?.value.startsWith('### Section 7'));
    const text = '### Section 7\n\nRewritten in the browser.\n';
    await page.fill('[data-testid=edit-text]', text);
    await page.click('[data-testid=edit-apply]');
    await page.waitForFunction(() => document.querySelector('[data-testid=edits-count]')?.textContent === '1');
    await shot(page, '7-markdown-outline');
    const saved = await saveAndFetch(page, 5 * 60_000);
    await sampler.stop();
    const expected = cliEdit(file, (f) => ['md', 'replace', f, target, '--with', text]);
    assert.equal(sha256File(saved), sha256File(expected), 'the saved Markdown equals the CLI edit');
  } finally {
    await context.close();
  }
});

test('a CRLF file with a BOM, tabs, a line not UTF-8, a line of 150,000 characters and no final newline: type into its neighbours; the saved bytes keep all of it', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'crlf.txt');
  const bad = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe]); // "caf\xe9 \xff\xfe": not UTF-8
  const head = ['alpha', 'beta'];
  const long = `${'long line '.repeat(15_000)}|`; // 150,001 characters
  const tail = ['delta', '\tTabbed\tline', long];
  for (let i = 1; i <= 200; i++) tail.push(`filler ${i}`);
  tail.push('omega');
  const crlf = (ls) => Buffer.from(ls.map((l) => `${l}\r\n`).join(''));
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  fs.writeFileSync(file, Buffer.concat([bom, crlf(head), bad, Buffer.from('\r\n'), crlf(tail).subarray(0, -2)]));
  const lineCount = head.length + 1 + tail.length;
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, lineCount, 60_000);
    assert.match(await page.textContent('[data-testid=line-ending]'), /CRLF/);
    assert.equal(await page.textContent('[data-testid=encoding]'), 'UTF-8 with BOM');
    assert.equal(await page.textContent('[data-testid=line-1]'), 'alpha', 'the BOM is not shown');
    const badLine = await page.waitForSelector('[data-testid=line-3]');
    assert.equal(await badLine.textContent(), 'caf\uFFFD \uFFFD\uFFFD', 'shown with U+FFFD');
    assert.match(await badLine.getAttribute('class'), /cm-bad-line/, 'marked read-only');
    assert.match(await badLine.getAttribute('title'), /not valid UTF-8/);

    // Type at the end of line 2, Enter, a new line; at the start of "delta"; into the bad line (refused).
    await page.click('[data-testid=line-2]');
    await page.keyboard.press('End');
    await typeKeys(page, ' typed\tæ\nnew line');
    await page.click('[data-testid=line-5]');
    await page.keyboard.press('Home');
    await typeKeys(page, 'X');
    await page.click('[data-testid=line-4]');
    await page.keyboard.press('End');
    await page.keyboard.type('Z');
    await page.keyboard.press('Backspace');
    await settle(page);
    assert.match(await page.textContent('[data-testid=message]'), /not valid UTF-8/, 'the refusal says why');
    assert.equal(await page.textContent('[data-testid=line-4]'), 'caf\uFFFD \uFFFD\uFFFD', 'the bad line is unchanged');
    // A line of 150,001 characters: type at its end.
    await gotoLine(page, 7);
    await page.keyboard.press('End');
    await typeKeys(page, 'END');
    // (CodeMirror draws only the visible part of so long a line: ask its state.)
    const longNow = await page.evaluate(() => { const b = window.bigeditEditor; return b.view.state.doc.line(7 - b.win.first + 1).text; });
    assert.equal(longNow, `${long}END`, 'typed at the end of the long line');
    assert.deepEqual(await cursorAt(page), { line: 7, col: long.length + 4 });
    // The last line (no final newline): type at its end.
    await page.keyboard.press('Control+End');
    await settle(page);
    await typeKeys(page, '!');
    assert.equal(await page.textContent(`[data-testid=line-${lineCount + 1}]`), 'omega!');
    await shot(page, '12-crlf-bad-line');
    const saved = await saveAndFetch(page, 60_000);
    await sampler.stop();
    const want = Buffer.concat([bom, crlf(['alpha', 'beta typed\tæ', 'new line']), bad, Buffer.from('\r\n'),
      crlf(['Xdelta', tail[1], `${long}END`, ...tail.slice(3, -1), 'omega!']).subarray(0, -2)]);
    assert.ok(fs.readFileSync(saved).equals(want), 'CRLF, the BOM, the tab, the bad bytes and the missing final newline are kept');
  } finally {
    await context.close();
  }
});

/** The Markdown fixture: a book of 40 parts of 25 sections of 20 paragraphs. */
function bookLines() {
  const out = ['# Book', '', 'Intro text.', ''];
  for (let p = 1; p <= 40; p++) {
    out.push(`## Part ${p}`, '', `Part ${p} opens here.`, '');
    for (let s = 1; s <= 25; s++) {
      out.push(`### Section ${s}`, '');
      for (let k = 0; k < 20; k++) out.push(`Paragraph ${k} of part ${p}, section ${s}: lorem ipsum dolor sit amet.`, '');
    }
  }
  return out;
}

test('a Markdown file: type into a section body found through the outline; equals `bigedit apply`; highlighted', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'typed.md');
  const out = bookLines();
  fs.writeFileSync(file, `${out.join('\n')}\n`);
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, out.length, 60_000);
    const target = 'Book > Part 33 > Section 12';
    const item = await page.waitForSelector(`[data-testid=outline-item][data-path="${target}"]`);
    await item.click();
    const heading = out.indexOf('### Section 12', out.indexOf('## Part 33')) + 1;
    await page.waitForFunction((h) => window.bigeditEditor.viewportLine() <= h && document.querySelector(`[data-testid=line-${h}]`), heading);
    assert.equal((await cursorAt(page)).line, heading, 'the outline puts the cursor on the heading');
    assert.ok(await page.$(`[data-testid=line-${heading}] span`), 'the heading is highlighted (Markdown mode)');
    const body = heading + 2;
    await page.click(`[data-testid=line-${body}]`);
    await page.keyboard.press('End');
    await typeKeys(page, ' Typed *here*.');
    assert.equal(await page.textContent(`[data-testid=line-${body}]`), `${out[body - 1]} Typed *here*.`);
    await shot(page, '13-markdown-typed');
    const saved = await saveAndFetch(page, 60_000);
    await sampler.stop();
    const expected = cliApply(file, [{ op: 'replace-lines', lines: `${body}:${body}`, with: `${out[body - 1]} Typed *here*.` }]);
    assert.equal(sha256File(saved), sha256File(expected), 'the saved Markdown equals the CLI edit');
  } finally {
    await context.close();
  }
});

test('undo after window shifts restores the exact bytes (SHA-256 of a save equals the original)', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'undo.log');
  const lines = writeLines(file, 24 * MIB, logLine);
  const { context, page, sampler } = await openEditor('?window-lines=400');
  try {
    await openFile(page, file, lines, 120_000);
    await gotoLine(page, 1000);
    await page.click('[data-testid=line-1000]');
    await typeKeys(page, 'one\ntwo');
    await page.keyboard.press('Backspace');
    await settle(page);
    for (let k = 0; k < 30; k++) await page.keyboard.press('PageDown');
    await settle(page);
    const { line: c } = await cursorAt(page);
    const pageLines = await page.evaluate(() => window.bigeditEditor.textScroller.visible - 1);
    assert.equal(c, 1001 + 30 * pageLines, `30 x Page Down of ${pageLines} lines, across window shifts, from line 1001`);
    await page.click(`[data-testid=line-${c}]`);
    await paste(page, 'pasted\nlines\n');
    await settle(page);
    await gotoLine(page, lines - 10); // a jump: a new window
    await page.click(`[data-testid=line-${lines - 10}]`);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('ArrowRight'); // ends the whole-file selection
    await typeKeys(page, 'end');
    const shifts = await page.evaluate(() => window.bigeditEditor.win.shifts);
    assert.ok(shifts >= 3, `${shifts} window shifts`);
    const steps = Number(await page.textContent('[data-testid=edits-count]'));
    assert.equal(steps, 4, 'four undo steps: typing, Backspace, paste, typing');
    for (let k = 0; k < steps; k++) {
      await page.keyboard.press('Control+z');
      await settle(page);
    }
    assert.equal(await page.textContent('[data-testid=edits-count]'), '0');
    await gotoLine(page, 1000);
    await settle(page);
    await checkShown(page, logLine, 'after undo');
    const saved = await saveAndFetch(page, 60_000);
    await sampler.stop();
    assert.equal(sha256File(saved), sha256File(file), 'the saved file is the original');
  } finally {
    await context.close();
  }
});

test('a line longer than the window opens clipped and read-only, saying so; Ctrl+A then typing replaces the whole file, undone as one step', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'longline.txt');
  const long = 'x'.repeat(3 * MIB);
  fs.writeFileSync(file, `head\n${long}\ntail\n`);
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, 3, 60_000);
    await gotoLine(page, 2);
    await page.waitForSelector('[data-testid=window-note]:not([hidden])');
    assert.match(await page.textContent('[data-testid=window-note]'), /Line 2 is longer than 2\.0 MiB: it is shown clipped to its first 2\.0 MiB and is read-only/);
    await page.click('[data-testid=line-2]');
    await page.keyboard.type('Z');
    await settle(page);
    assert.equal(await page.textContent('[data-testid=edits-count]'), '0', 'nothing typed into the clipped line');
    await gotoLine(page, 3);
    assert.equal(await page.isHidden('[data-testid=window-note]'), true, 'a window of whole lines has no note');

    // Ctrl+A selects the whole file (not the window); typing replaces all of it as one splice.
    await page.click('[data-testid=line-3]');
    await page.keyboard.press('Control+a');
    assert.match(await page.textContent('[data-testid=selection-size]'), /^all 3\.0 MiB selected/);
    await page.keyboard.type('N');
    await settle(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=line-count]')?.textContent === '1');
    assert.equal(await page.textContent('[data-testid=line-1]'), 'N');
    await typeKeys(page, 'ew\nfile');
    assert.equal(await page.textContent('[data-testid=edits-count]'), '2', 'the whole-file replacement, then the typing');
    let saved = await saveAndFetch(page, 60_000);
    assert.equal(fs.readFileSync(saved, 'utf8'), 'New\nfile', 'the whole file replaced by what was typed');
    await page.keyboard.press('Control+z');
    await settle(page);
    await page.keyboard.press('Control+z');
    await settle(page);
    assert.equal(await page.textContent('[data-testid=line-count]'), '3');
    saved = await saveAndFetch(page, 60_000);
    assert.equal(sha256File(saved), sha256File(file), 'undone: the original bytes');
    await sampler.stop();
  } finally {
    await context.close();
  }
});

test('replace one match at a time (then the next is found), replace all with a preview count; hits marked along the scrollbar; CSV text mode colours columns', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'replace.csv');
  const rows = ['id,name,city'];
  for (let i = 1; i <= 5000; i++) rows.push(`${i},name ${i},${i % 100 === 0 ? 'Paris' : 'Lyon'}`);
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, rows.length, 60_000);
    await page.click('[data-testid=mode-text]');
    await page.waitForSelector('[data-testid=line-2] .cm-col-2');
    assert.equal(await page.textContent('[data-testid=line-2] .cm-col-1'), 'name 1', 'the second column coloured as column 1');
    await page.fill('[data-testid=search]', 'Paris');
    await page.click('[data-testid=search-count]');
    await waitText(page, 'search-status', '50 matches');
    assert.equal(await page.$$eval('[data-testid=search-hits] .hit', (els) => els.length) > 10, true, 'hits along the scrollbar');
    await page.click('[data-testid=search-next]');
    await page.waitForFunction(() => window.bigeditEditor.ui.search.current?.line === 101);
    await page.fill('[data-testid=replace]', 'Rome');
    await page.click('[data-testid=replace-one]');
    await page.waitForFunction(() => window.bigeditEditor.ui.search.current?.line === 201 && window.bigeditEditor.settled());
    await gotoLine(page, 101);
    assert.equal(await page.textContent('[data-testid=line-101]'), '100,name 100,Rome');
    await page.fill('[data-testid=replace]', 'Oslo');
    await page.click('[data-testid=replace-preview]');
    await waitText(page, 'message', 'replace all would change 49 matches');
    await page.click('[data-testid=replace-all]');
    await waitText(page, 'message', 'replaced 49 matches');
    await settle(page);
    await shot(page, '14-csv-text-rainbow');
    const saved = await saveAndFetch(page, 60_000);
    await sampler.stop();
    const want = rows.map((r, i) => (i === 100 ? r.replace('Paris', 'Rome') : r.replace('Paris', 'Oslo')));
    assert.equal(fs.readFileSync(saved, 'utf8'), `${want.join('\n')}\n`);
  } finally {
    await context.close();
  }
});

test('a mouse drag selects lines; Shift+Page Down selects across a window shift; typing replaces the selection; equals `bigedit apply`', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'select.log');
  const lines = writeLines(file, 4 * MIB, logLine);
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, lines, 60_000);
    await gotoLine(page, 1000);
    // A mouse drag from the start of line 1000 to the start of line 1010 selects ten lines.
    const from = await (await page.$('[data-testid=line-1000]')).boundingBox();
    const to = await (await page.$('[data-testid=line-1010]')).boundingBox();
    await page.mouse.move(from.x + 1, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + 1, to.y + to.height / 2, { steps: 5 });
    await page.mouse.up();
    let ten = 0;
    for (let k = 1000; k < 1010; k++) ten += logLine(k).length + 1;
    assert.equal(await page.textContent('[data-testid=selection-size]'), `${ten} chars (${ten} bytes) selected`, 'the mouse selection');
    await page.click('[data-testid=line-1000]');
    await page.keyboard.press('Home');
    const shifts = await page.evaluate(() => window.bigeditEditor.win.shifts);
    for (let k = 0; k < 25; k++) await page.keyboard.press('Shift+PageDown');
    await settle(page);
    assert.ok((await page.evaluate(() => window.bigeditEditor.win.shifts)) > shifts, 'the selection crossed a window shift');
    const pageLines = await page.evaluate(() => window.bigeditEditor.textScroller.visible - 1);
    const end = 1000 + 25 * pageLines;
    assert.deepEqual(await cursorAt(page), { line: end, col: 1 });
    let chars = 0;
    for (let k = 1000; k < end; k++) chars += logLine(k).length + 1;
    assert.equal(await page.textContent('[data-testid=selection-size]'), `${chars.toLocaleString('en-US')} chars (${chars.toLocaleString('en-US')} bytes) selected`);
    await typeKeys(page, 'X');
    await gotoLine(page, 1000);
    assert.equal(await page.textContent('[data-testid=line-1000]'), `X${logLine(end)}`);
    const saved = await saveAndFetch(page, 60_000);
    await sampler.stop();
    const expected = cliApply(file, [{ op: 'replace-lines', lines: `1000:${end}`, with: `X${logLine(end)}` }]);
    assert.equal(sha256File(saved), sha256File(expected), 'the saved file equals the CLI edit');
  } finally {
    await context.close();
  }
});

/** The page's current search match `{ line, column }` (window.bigeditEditor, a test hook). */
const currentMatch = (page) => page.evaluate(() => {
  const c = window.bigeditEditor.ui.search.current;
  return c && { line: c.line, column: c.column };
});

test('search: next and previous land on each match in order, two on a line, wrapping; edited lines are marked', { timeout: 5 * 60_000 }, async () => {
  const file = path.join(tmp, 'search.txt');
  const lines = [];
  for (let i = 1; i <= 3000; i++) {
    if (i % 7 === 0) lines.push(`needle ${i} and needle again`);
    else if (i % 13 === 0) lines.push(`one needle here (${i})`);
    else lines.push(`filler line ${i}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  // The expectation: every match as { line, column } (1-based, bytes; ASCII), in order.
  const all = [];
  lines.forEach((text, i) => {
    for (let c = text.indexOf('needle'); c >= 0; c = text.indexOf('needle', c + 1)) all.push({ line: i + 1, column: c + 1 });
  });
  const { context, page, sampler } = await openEditor();
  try {
    await openFile(page, file, lines.length, 60_000);
    await page.fill('[data-testid=search]', 'needle');
    const step = async (button, want, what) => {
      const before = await currentMatch(page);
      await page.click(`[data-testid=${button}]`);
      await page.waitForFunction(([b]) => {
        const c = window.bigeditEditor.ui.search.current;
        return c && JSON.stringify({ line: c.line, column: c.column }) !== b && !window.bigeditEditor.ui.busy;
      }, [JSON.stringify(before)]);
      assert.deepEqual(await currentMatch(page), want, what);
      // The highlighted match: the <mark class=current> of that line starts at that column.
      await page.waitForFunction(({ line, column }) => {
        const m = document.querySelector(`[data-testid=line-${line}] mark.current`);
        let n = 1;
        for (let x = m?.previousSibling; x; x = x.previousSibling) n += x.textContent.length;
        return m && n === column;
      }, want, { timeout: 5000 }).catch(() => assert.fail(`${what}: match not highlighted at ${JSON.stringify(want)}`));
    };
    // Next: 0, 1 (the second match on line 7: from the middle of a line), ... 5.
    for (let k = 0; k <= 5; k++) await step('search-next', all[k], `next #${k + 1}`);
    // Previous without a count first: 4, 3, 2, 1, 0, then wrap to the last match.
    for (let k = 4; k >= 0; k--) await step('search-prev', all[k], `previous #${k + 1}`);
    await step('search-prev', all.at(-1), 'previous from the first match wraps to the last');
    assert.match(await page.textContent('[data-testid=message]'), /wrapped/);
    await step('search-prev', all.at(-2), 'previous from the last');
    await step('search-next', all.at(-1), 'next to the last');
    await step('search-next', all[0], 'next from the last wraps to the first');
    // With the count: "k of N".
    await page.click('[data-testid=search-count]');
    await page.waitForFunction((n) => document.querySelector('[data-testid=search-status]')?.textContent === `${n.toLocaleString('en-US')} matches`, all.length);
    await step('search-next', all[1], 'next after the count');
    assert.equal(await page.textContent('[data-testid=search-status]'), `2 of ${all.length.toLocaleString('en-US')}`);
    await shot(page, '8-search');

    // Edited lines are marked in the gutter: Enter at the end of line 20 and a line typed (lines
    // 20 and 21 changed), then the same after line 31 (now 32: 32 and 33).
    const typeLineAfter = async (k, text) => {
      await page.click(`[data-testid=line-${k}]`);
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await typeKeys(page, text);
      await page.waitForTimeout(1600); // the next keys start a new undo step
    };
    await gotoLine(page, 20);
    await typeLineAfter(20, 'second of two');
    await page.waitForSelector('[data-testid=edited-21]');
    await typeLineAfter(32, 'inserted');
    await page.waitForSelector('[data-testid=edited-33]');
    const marked = () => page.$$eval('[data-testid=editor] [data-testid^=edited-]',
      (els) => els.map((e) => Number(e.dataset.testid.slice(7))).filter((k) => k < 60).sort((a, b) => a - b));
    assert.deepEqual(await marked(), [20, 21, 32, 33], await page.evaluate(() => JSON.stringify(window.bigeditEditor.ui.history.done.map((e) => e.effect))));
    assert.equal(await page.textContent('[data-testid=line-33]'), 'inserted');
    assert.equal(await page.textContent('[data-testid=line-34]'), lines[31], 'the line after the insert is the old line 32');
    await shot(page, '9-edited-marks');
    await page.click('[data-testid=undo]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=edited-33]'));
    assert.deepEqual(await marked(), [20, 21]);
    assert.equal(await page.textContent('[data-testid=line-33]'), lines[31], 'undone');
    await page.click('[data-testid=edits] [data-remove="0"]');
    await page.waitForFunction(() => document.querySelector('[data-testid=edits-count]')?.textContent === '0');
    await settle(page);
    assert.deepEqual(await marked(), []);
    assert.equal(await page.textContent('[data-testid=line-21]'), lines[20], 'removed');
    await sampler.stop();
  } finally {
    await context.close();
  }
});

test('1,000 short scans in a row all finish (Chromium hangs a read after a few hundred blob streams)', { timeout: 5 * 60_000 }, async () => {
  // Each find stops at its first match, in the first 1 MiB of a 3 MiB file: the pattern of the
  // grid's row reads, which hung the CSV test once blob streams were left behind.
  const file = path.join(tmp, 'scans.txt');
  const lines = Array.from({ length: 300_000 }, (_, i) => `line ${i + 1} ${'x'.repeat(i % 7)}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const { context, page } = await openEditor(); // after() stops its memory sampler
  try {
    await openFile(page, file, lines.length, 60_000);
    const got = await page.evaluate(async (n) => {
      const { ui } = await import('./state.js');
      const offsets = [];
      for (let k = 0; k < n; k++) {
        const target = 1 + ((k * 7919) % 50_000);
        const find = ui.doc.find(`line ${target} `, { max: 1 });
        let timer;
        const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`scan ${k + 1} of ${n} did not finish in 20 s`)), 20_000); });
        const [m] = await Promise.race([find, late]).finally(() => clearTimeout(timer));
        offsets.push([target, m?.line]);
      }
      return offsets;
    }, 1_000);
    assert.equal(got.length, 1_000);
    for (const [target, line] of got) assert.equal(line, target, `the first match of "line ${target} "`);
  } finally {
    await context.close();
  }
});

/** Line n of the page's sample log (www/sample.js), written out again here as the fixture. */
function sampleLine(n) {
  const levels = ['INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO'];
  const hh = String(Math.floor(n / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(n / 60) % 60).padStart(2, '0');
  const ss = String(n % 60).padStart(2, '0');
  return `2026-11-25T${hh}:${mm}:${ss}.${String(n % 1000).padStart(3, '0')}Z ${levels[n % 6].padEnd(5)} worker-${String(n % 16).padStart(2, '0')} request ${n} handled in ${(n * 7) % 997} ms`;
}

test('Open URL: a log served with Range support is indexed and read in parts, typed into and saved; equals `bigedit replace-lines`', { timeout: 5 * 60_000 }, async () => {
  // Served by the test's server from under the repository (same origin: no CORS to set up).
  const dir = path.join(ROOT, 'target', 'web-url-test');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'remote.log');
  const lines = writeLines(file, 48 * MIB, logLine);
  const ranges = [];
  const counted = await serve(ROOT, { quiet: true, onRequest: (req) => { if (req.url.includes('remote.log')) ranges.push(req.headers.range ?? null); } });
  const { context, page } = await openEditor('', counted.url); // the page and the file on one origin
  try {
    await page.fill('[data-testid=open-url]', `${counted.url}target/web-url-test/remote.log`);
    await page.click('[data-testid=open-url-go]');
    await page.waitForFunction((want) => document.querySelector('[data-testid=line-count]')?.textContent.replace(/\D/g, '') === String(want), lines, { timeout: 120_000, polling: 250 });
    assert.match(await page.textContent('[data-testid=file-info]'), /remote\.log .*over HTTP/);
    assert.ok(ranges.length > 3, `${ranges.length} requests`);
    assert.ok(ranges.every((r) => r !== null && /^bytes=\d+-\d+$/.test(r)), `every request is a Range GET: ${ranges.filter((r) => !/^bytes=\d+-\d+$/.test(r ?? '')).slice(0, 3)}`);
    const biggest = Math.max(...ranges.map((r) => { const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(r); return Number(b) - Number(a) + 1; }));
    assert.ok(biggest <= 8 * MIB, `no request asks for more than 8 MiB (largest ${biggest})`);

    // A late line, read with a request or two of at most a block.
    const n = lines - 1234;
    const before = ranges.length;
    await gotoLine(page, n);
    assert.equal(await page.textContent(`[data-testid=line-${n}]`), logLine(n));
    await checkShown(page, logLine, 'the lines around a late line');
    assert.ok(ranges.length - before >= 1 && ranges.length - before <= 4, `${ranges.length - before} requests to show a window at line ${n}`);

    // Type at the end of that line, save to browser storage, compare with the CLI.
    const box = await (await page.$(`[data-testid=line-${n}]`)).boundingBox();
    await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
    await page.keyboard.press('End');
    await typeKeys(page, ' FROM URL');
    assert.equal(await page.textContent(`[data-testid=line-${n}]`), `${logLine(n)} FROM URL`);
    const saved = await saveAndFetch(page, 120_000);
    const cli = cliEdit(file, (f) => ['replace-lines', f, `${n}`, '--with', `${logLine(n)} FROM URL`]);
    assert.equal(sha256File(saved), sha256File(cli), 'the saved file equals the CLI edit');
  } finally {
    await context.close();
    await counted.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Sample: generated in OPFS, opened and indexed (8 MiB by ?sample-mib=8)', { timeout: 5 * 60_000 }, async () => {
  const bytes = 8 * MIB;
  // The sample is written in batches of 40,000 lines until it holds at least `bytes`.
  let lines = 0;
  let size = 0;
  while (size < bytes) {
    for (let i = 0; i < 40_000; i++) size += sampleLine(++lines).length + 1;
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  try {
    await page.goto(`${server.url}www/?sample-mib=8`);
    await page.click('[data-testid=sample]');
    await page.waitForFunction((want) => document.querySelector('[data-testid=line-count]')?.textContent.replace(/\D/g, '') === String(want), lines, { timeout: 120_000, polling: 250 });
    assert.equal(await page.textContent('[data-testid=line-1]'), sampleLine(1));
    assert.match(await page.textContent('[data-testid=file-info]'), /bigedit-sample-8MiB\.log/);
    await gotoLine(page, lines);
    assert.equal(await page.textContent(`[data-testid=line-${lines}]`), sampleLine(lines));
    const stored = await page.evaluate(async () => {
      const f = await (await (await navigator.storage.getDirectory()).getFileHandle('bigedit-sample-8MiB.log')).getFile();
      return f.size;
    });
    assert.equal(stored, size, 'the sample in OPFS has the expected size');
  } finally {
    await context.close();
  }
});
