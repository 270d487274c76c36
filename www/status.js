// The status bar: messages, errors, the progress bar of full passes (with Cancel), and the memory
// readout (wasm memory from the worker, JS heap where the browser exposes it).

import { stats } from '../js/index.js';
import { $, ui } from './state.js';
import { fmtBytes, fmtSecs } from './format.js';

/** Shows a one-line message in the status bar (red when `error`). */
export function say(text, error = false) {
  const m = $('message');
  m.textContent = text;
  m.classList.toggle('error', error);
}

/** Whether `e` is the rejection of a cancelled pass. */
export function isAbort(e) {
  return e?.name === 'AbortError' || /abort/i.test(e?.message ?? '');
}

/** Reports a failed operation ("cancelled" for an aborted pass). */
export function fail(e) {
  if (isAbort(e)) {
    say('cancelled');
  } else {
    say(e?.message ?? String(e), true);
    console.error(e);
  }
}

/**
 * Runs a cancellable full pass with the progress bar: `run(onProgress, signal)`.
 * Only one pass at a time; the Cancel button aborts it.
 */
export async function withProgress(label, run) {
  if (ui.busy) throw new Error('another operation is running; cancel it first');
  ui.busy = true;
  const abort = new AbortController();
  ui.abort = abort;
  const bar = $('progress-bar');
  const started = performance.now();
  $('progress').hidden = false;
  $('progress-label').textContent = label;
  $('progress-rate').textContent = '';
  bar.value = 0;
  const onProgress = (done, total) => {
    bar.value = total ? done / total : 0;
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    $('progress-rate').textContent = `${fmtBytes(done)} / ${fmtBytes(total)} · ${fmtBytes(rate)}/s · ETA ${fmtSecs(eta)}`;
  };
  try {
    return await run(onProgress, abort.signal);
  } finally {
    ui.busy = false;
    ui.abort = null;
    $('progress').hidden = true;
  }
}

$('progress-cancel').addEventListener('click', () => ui.abort?.abort());

let memoryTimer = null;

/** Starts the once-a-second memory readout (idempotent). */
export function startMemoryReadout() {
  if (memoryTimer) return;
  const tick = async () => {
    const el = $('memory');
    let wasm = null;
    try {
      wasm = (await stats())?.wasmMemoryBytes ?? null;
    } catch { /* the worker is busy starting */ }
    const heap = performance.memory?.usedJSHeapSize ?? null;
    el.dataset.wasmBytes = wasm ?? '';
    el.dataset.heapBytes = heap ?? '';
    el.textContent = `wasm ${fmtBytes(wasm)} · JS heap ${heap == null ? 'n/a' : fmtBytes(heap)}`;
    memoryTimer = setTimeout(tick, 1000);
  };
  tick();
}
