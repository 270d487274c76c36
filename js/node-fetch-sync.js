// Synchronous ranged GETs for Node, which has no synchronous XMLHttpRequest: the engine's random
// reads (`readAt`) are synchronous, so a URL source in Node runs each GET with `fetch` in a
// helper thread and waits for it with Atomics.wait; the answer comes back through
// receiveMessageOnPort. The thread (js/node-fetch-thread.js) is started on first use and does
// not keep the process alive.

import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

/** How long one read may take before it fails (ms). */
const TIMEOUT_MS = 60_000;

let thread = null;

function start() {
  if (thread) return thread;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./node-fetch-thread.js', import.meta.url), {
    workerData: { port: port2 },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  thread = { worker, port: port1, flag };
  worker.on('error', () => { thread = null; });
  return thread;
}

/**
 * One GET of `url` with `headers`, synchronously: `{ status, header(name), body }` in the shape
 * url-source.js takes as `readSync`. A body longer than the `b - a` bytes asked for fails the read.
 * @param {string} url
 * @param {number} a
 * @param {number} b
 * @param {Record<string, string>} headers
 */
export function readSync(url, a, b, headers) {
  const t = start();
  Atomics.store(t.flag, 0, 0);
  t.port.postMessage({ url, headers, limit: b - a, flag: t.flag });
  if (Atomics.wait(t.flag, 0, 0, TIMEOUT_MS) === 'timed-out') {
    t.worker.terminate();
    thread = null;
    throw new Error(`bigedit: ${url}: reading bytes ${a}-${b - 1} timed out after ${TIMEOUT_MS / 1000} s`);
  }
  const msg = receiveMessageOnPort(t.port)?.message;
  if (!msg) throw new Error(`bigedit: ${url}: reading bytes ${a}-${b - 1}: the reader thread gave no answer`);
  if (msg.error !== undefined) throw new Error(`bigedit: ${url}: reading bytes ${a}-${b - 1} failed: ${msg.error}`);
  const headersOut = msg.headers;
  return { status: msg.status, header: (name) => headersOut[name.toLowerCase()] ?? null, body: msg.body };
}
