#!/usr/bin/env node
// Browser benchmark (not a test): the npm package in headless Chromium against native bigedit,
// in the same run, on one generated log file (default 1 GiB, `node bench/browser.mjs [SIZE_MIB]`).
//
//   index     the facade's doc.index() of a File (a disk-backed <input type=file>) in the worker,
//             vs `bigedit --no-cache index FILE` (median of 3, warm page cache)
//             and vs a plain read of the same File in a worker (the browser's own floor)
//   save      a one-line edit saved to OPFS through the worker, vs a plain OPFS copy of the same
//             File (blob.stream() into a FileSystemSyncAccessHandle in a worker)
//   editor    the web editor (www/) on the same file: keystroke to paint in the CodeMirror window
//             (keydown to the frame after it, p50/p95 of 200 keys typed at line ~40M or 60% of
//             the file) and window shifts (Page Down that loads the next window: keydown to the
//             frame after the new lines, p50/p95 of 20 shifts)
//   memory    wasm memory (from the worker) sampled every 100 ms and renderer processes' RSS
//             (/proc) during index and save; the page's CDP JSHeapUsedSize sampled during the
//             last run; JS heap of page + worker (measureUserAgentSpecificMemory, cross-origin
//             isolated) right after each pass (measuring during a wasm pass crashed Chromium)
//
// Needs: npm run build (js/wasm), cargo build --release -p bigedit, /usr/bin/chromium.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { ROOT, cliPath, writeLogOfSize } from '../tests/js/helpers.js';

const MiB = 1024 ** 2;
const sizeMib = Number(process.argv[2] ?? process.env.SIZE_MIB ?? 1024);
const workDir = path.join(ROOT, 'bench/work');
fs.mkdirSync(workDir, { recursive: true });
const file = path.join(workDir, `browser-${sizeMib}m.log`);

if (!fs.existsSync(path.join(ROOT, 'js/wasm/bigedit_wasm_bg.wasm'))) {
  console.error('bench/browser.mjs: js/wasm is not built: run npm run build');
  process.exit(1);
}
if (!fs.existsSync(file) || fs.statSync(file).size < sizeMib * MiB) {
  console.error(`generating ${file} (${sizeMib} MiB)...`);
  writeLogOfSize(file, sizeMib * MiB);
}
const size = fs.statSync(file).size;
// Warm the page cache for both sides.
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Native: index from scratch, median of 3.
const nativeRuns = [];
for (let i = 0; i < 3; i++) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cliPath(), ['--no-cache', 'index', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('bigedit index failed');
  nativeRuns.push(Number(process.hrtime.bigint() - t) / 1e9);
}
const nativeIndex = median(nativeRuns);
const lineCount = JSON.parse(execFileSync(cliPath(), ['--no-cache', '--json', 'info', file], { encoding: 'utf8' })).lines;

// The page: the facade from /js/index.js, a copy worker for the OPFS baseline.
fs.writeFileSync(path.join(workDir, 'copy-worker.js'), `
self.onmessage = async ({ data: { file, name } }) => {
  const t0 = performance.now();
  // name null: only read the File (the floor of any full pass over it in this browser).
  const root = name === null ? null : await navigator.storage.getDirectory();
  const handle = name === null ? null : await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  handle?.truncate(0);
  const reader = file.stream().getReader({ mode: 'byob' });
  let buf = new ArrayBuffer(1 << 20);
  let at = 0;
  for (;;) {
    const { value, done } = await reader.read(new Uint8Array(buf));
    if (done) break;
    handle?.write(value, { at });
    at += value.byteLength;
    buf = value.buffer;
  }
  handle?.flush();
  handle?.close();
  self.postMessage({ seconds: (performance.now() - t0) / 1000, size: at });
};`);
fs.writeFileSync(path.join(workDir, 'browser.html'), `<!doctype html>
<meta charset="utf-8"><title>bigedit browser bench</title>
<script type="importmap">{ "imports": { "bigedit": "/js/index.js" } }</script>
<input type="file" id="file">
<script type="module">
  import { open, stats } from 'bigedit';
  window.bigedit = { open, stats };
  // wasm memory is sampled from the worker during a pass. The JS heap of page + worker
  // (measureUserAgentSpecificMemory) is measured right after each pass: measuring it while the
  // worker runs wasm crashed this Chromium (the browser process exits).
  window.sampler = () => {
    const samples = { wasm: [] };
    let stop = false;
    const wasmLoop = (async () => { while (!stop) { const s = await stats(); samples.wasm.push(s.wasmMemoryBytes); await new Promise((r) => setTimeout(r, 100)); } })();
    return { samples, stop: async () => { stop = true; await wasmLoop; return samples; } };
  };
  window.measureJs = async () => {
    if (!self.crossOriginIsolated) return null;
    const m = await performance.measureUserAgentSpecificMemory();
    return { total: m.bytes, js: m.breakdown.filter((b) => b.types.includes('JavaScript')).reduce((a, b) => a + b.bytes, 0) };
  };
  window.copyToOpfs = (file, name) => new Promise((resolve, reject) => {
    const w = new Worker('/bench/work/copy-worker.js');
    w.onmessage = (e) => { w.terminate(); resolve(e.data); };
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ file, name });
  });
  window.ready = true;
</script>`);

/** Max RSS (bytes) of Chromium renderer processes, sampled from /proc while `fn` runs. */
async function rendererRss(fn) {
  let peak = 0;
  const sample = () => {
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmd.includes('--type=renderer')) continue;
        const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (rss) peak = Math.max(peak, Number(rss[1]) * 1024);
      } catch { /* the process ended */ }
    }
  };
  const timer = setInterval(sample, 100);
  try {
    const value = await fn();
    sample();
    return { value, peak };
  } finally {
    clearInterval(timer);
  }
}

const server = await serve(ROOT, { quiet: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-blink-features=ForceEagerMeasureMemory'],
});
const page = await browser.newPage();
page.on('pageerror', (e) => console.error('pageerror:', e.message));
page.on('crash', () => console.error('the page crashed'));
page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
await page.goto(server.url + 'bench/work/browser.html');
await page.waitForFunction(() => window.ready);
await page.setInputFiles('#file', file);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const cdpHeap = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize').value;

const mid = Math.floor(lineCount / 2);
const run = (measureUA) => page.evaluate(async ({ mid, measureUA }) => {
  const file = document.getElementById('file').files[0];
  const out = {};
  const doc = await window.bigedit.open(file);
  let s = window.sampler();
  let t = performance.now();
  const info = await doc.index();
  out.index = (performance.now() - t) / 1000;
  out.indexSamples = await s.stop();
  out.ua = [];
  if (measureUA) out.ua.push(await window.measureJs());
  out.lines = info.lines;
  await doc.replaceLines(mid, mid, 'edited by the browser benchmark');
  s = window.sampler();
  t = performance.now();
  const saved = await doc.save('bench-edit.log');
  out.save = (performance.now() - t) / 1000;
  out.saveSamples = await s.stop();
  if (measureUA) out.ua.push(await window.measureJs());
  out.savedSize = saved.size;
  await doc.close();
  const read = await window.copyToOpfs(file, null);
  out.read = read.seconds;
  const copy = await window.copyToOpfs(file, 'bench-copy.log');
  out.copy = copy.seconds;
  out.copySize = copy.size;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry('bench-edit.log');
  await root.removeEntry('bench-copy.log');
  return out;
}, { mid, measureUA });

// Timing runs (no JS-heap measurement, which forces GCs): median of 3. Then one sampled run.
const timed = [];
let peakRenderer = 0;
const runs = Number(process.env.BENCH_RUNS ?? 3);
for (let i = 0; i < runs; i++) {
  const heapBefore = await cdpHeap();
  const { value, peak } = await rendererRss(() => run(false));
  value.cdpHeapBefore = heapBefore;
  value.cdpHeapAfter = await cdpHeap();
  peakRenderer = Math.max(peakRenderer, peak);
  timed.push(value);
  console.error(`run ${i + 1}: index ${value.index.toFixed(2)} s, save ${value.save.toFixed(2)} s, copy ${value.copy.toFixed(2)} s`);
}
const heapSamples = [];
const heapTimer = setInterval(async () => { try { heapSamples.push(await cdpHeap()); } catch { /* closing */ } }, 200);
const sampled = await run(true);
clearInterval(heapTimer);

// The editor: keystroke to paint and window shifts, measured in the page.
execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs')], { stdio: 'inherit' });
const editor = await browser.newPage({ viewport: { width: 1280, height: 760 } });
editor.on('pageerror', (e) => console.error('editor pageerror:', e.message));
await editor.goto(server.url + 'www/');
await editor.setInputFiles('[data-testid=open-file]', file);
await editor.waitForFunction((n) => document.querySelector('[data-testid=line-count]')?.textContent.replace(/\D/g, '') === String(n), lineCount, { timeout: 30 * 60_000, polling: 250 });
const at = Math.min(40_000_000, Math.floor(lineCount * 0.6));
await editor.fill('[data-testid=goto-line]', String(at));
await editor.press('[data-testid=goto-line]', 'Enter');
await editor.waitForSelector(`[data-testid=line-${at}]`);
await editor.waitForFunction(() => window.bigeditEditor.settled());
await editor.click(`[data-testid=line-${at}]`);
// Per key: keydown to the editor's DOM updated (the first mutation of its content after the
// key), and keydown to the frame after it (requestAnimationFrame, then a task: after the paint).
await editor.evaluate(() => {
  window.keyDom = [];
  window.keyPaint = [];
  let t0 = null;
  new MutationObserver(() => { if (t0 !== null) { window.keyDom.push(performance.now() - t0); t0 = null; } })
    .observe(window.bigeditEditor.view.contentDOM, { childList: true, subtree: true, characterData: true });
  document.addEventListener('keydown', () => {
    const t = performance.now();
    t0 = t;
    requestAnimationFrame(() => setTimeout(() => window.keyPaint.push(performance.now() - t)));
  }, true);
});
// A fast typist: a key every 30 ms (about 400 characters a minute).
for (let i = 0; i < 200; i++) await editor.keyboard.type(i % 40 === 39 ? '\n' : 'x', { delay: 30 });
await editor.waitForFunction(() => window.keyPaint.length >= 200 && window.bigeditEditor.settled());
const keyPaint = await editor.evaluate(() => window.keyPaint);
const keyDom = await editor.evaluate(() => window.keyDom);
const shiftTimes = await editor.evaluate(async () => {
  const b = window.bigeditEditor;
  const content = b.view.contentDOM;
  const out = [];
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  for (let k = 0; k < 400 && out.length < 20; k++) {
    const before = b.win.shifts;
    const t0 = performance.now();
    content.dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', code: 'PageDown', keyCode: 34, bubbles: true, cancelable: true }));
    await frame();
    while (!b.settled()) await new Promise((r) => setTimeout(r, 1));
    if (b.win.shifts === before) continue;
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
});
await editor.close();
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const version = browser.version();
await browser.close();
await server.close();

const midRead = JSON.parse(execFileSync(cliPath(), ['--no-cache', '--json', 'read', file, String(mid)], { encoding: 'utf8' }));
const expectedSaved = size - (midRead.bytes.end - midRead.bytes.start) + 'edited by the browser benchmark\n'.length;
const ok = [...timed, sampled].every((r) => r.lines === lineCount && r.savedSize === expectedSaved && r.copySize === size);
const wIndex = median(timed.map((r) => r.index));
const wSave = median(timed.map((r) => r.save));
const wCopy = median(timed.map((r) => r.copy));
const wRead = median(timed.map((r) => r.read));
const max = (xs) => Math.max(...xs.filter((x) => x !== null && x !== undefined));
const wasmPeak = max([...timed, sampled].flatMap((r) => [...r.indexSamples.wasm, ...r.saveSamples.wasm]));
const uaPeakJs = max(sampled.ua.filter(Boolean).map((u) => u.js));
const uaPeakTotal = max(sampled.ua.filter(Boolean).map((u) => u.total));
const fmtMiB = (b) => (Number.isFinite(b) ? `${(b / MiB).toFixed(1)} MiB` : 'n/a');
const gibps = (s) => `${(size / 1024 ** 3 / s).toFixed(2)} GiB/s`;

console.log(`\nbigedit in headless Chromium ${version} vs native, ${fmtMiB(size)} log (${lineCount.toLocaleString('en')} lines), median of 3, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| job | browser (worker, wasm) | baseline, same run | ratio |');
console.log('|---|---|---|---|');
console.log(`| index a File | ${wIndex.toFixed(2)} s (${gibps(wIndex)}) | native \`bigedit index\` ${nativeIndex.toFixed(2)} s (${gibps(nativeIndex)}) | **${(nativeIndex / wIndex * 100).toFixed(0)}%** of native throughput |`);
console.log(`| index a File, against reading it | ${wIndex.toFixed(2)} s | plain read of the File in a worker (blob.stream() BYOB, no processing) ${wRead.toFixed(2)} s (${gibps(wRead)}) | **${(wIndex / wRead).toFixed(2)}x** the read |`);
console.log(`| save a one-line edit to OPFS | ${wSave.toFixed(2)} s | plain OPFS copy of the File ${wCopy.toFixed(2)} s | **${(wSave / wCopy).toFixed(2)}x** the copy |`);
console.log(`| wasm memory (peak, sampled) | ${fmtMiB(wasmPeak)} | | |`);
console.log(`| JS heap, page + worker (measureUserAgentSpecificMemory after index and after save) | ${fmtMiB(uaPeakJs)} (all types ${fmtMiB(uaPeakTotal)}) | | |`);
console.log(`| page JS heap (CDP JSHeapUsedSize, sampled every 200 ms, peak) | ${fmtMiB(max(heapSamples))} | | |`);
console.log(`| renderer processes RSS (peak, /proc) | ${fmtMiB(peakRenderer)} | | |`);
console.log(`| editor: keystroke to DOM updated (line ${at.toLocaleString('en')}, ${keyDom.length} keys, one per 30 ms) | p50 ${pct(keyDom, 0.5).toFixed(1)} ms, p95 **${pct(keyDom, 0.95).toFixed(1)} ms** | target p95 < 16 ms | |`);
console.log(`| editor: keystroke to the frame after it (includes the wait for the frame) | p50 ${pct(keyPaint, 0.5).toFixed(1)} ms, p95 **${pct(keyPaint, 0.95).toFixed(1)} ms** | | |`);
console.log(`| editor: window shift by Page Down (${shiftTimes.length} shifts) | p50 ${pct(shiftTimes, 0.5).toFixed(1)} ms, p95 **${pct(shiftTimes, 0.95).toFixed(1)} ms** | target < 100 ms | |`);
if (!ok) console.log('WARNING: a run reported an unexpected line count or saved size');
console.log(`\nnative index runs: ${nativeRuns.map((s) => s.toFixed(2)).join(', ')} s; browser index runs: ${timed.map((r) => r.index.toFixed(2)).join(', ')} s; saves: ${timed.map((r) => r.save.toFixed(2)).join(', ')} s; copies: ${timed.map((r) => r.copy.toFixed(2)).join(', ')} s; plain reads: ${timed.map((r) => r.read.toFixed(2)).join(', ')} s`);
console.log(`sampled run (with JS heap measurement): index ${sampled.index.toFixed(2)} s, save ${sampled.save.toFixed(2)} s`);
