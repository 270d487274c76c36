// The helper thread of js/node-fetch-sync.js: one GET per message, its body read only up to
// the bytes asked for (url-source.js boundedBody); the answer is posted back, then the waiting
// thread is woken through the shared flag.
import { workerData } from 'node:worker_threads';
import { boundedBody } from './url-source.js';

const { port } = workerData;
port.on('message', async ({ url, headers, limit, flag }) => {
  let reply;
  try {
    const res = await fetch(url, { headers });
    const meta = { status: res.status, headers: Object.fromEntries(res.headers) };
    if (res.status !== 206) {
      await res.body?.cancel();
      reply = { ...meta, body: new Uint8Array(0) };
    } else {
      reply = { ...meta, body: await boundedBody(res, limit) };
    }
  } catch (e) {
    reply = { error: e?.cause ? `${e.message}: ${e.cause.message}` : String(e?.message ?? e) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
