// A source over an HTTP(S) URL (a presigned object URL, a static file server): every read is a
// `Range` GET, so a 100 GB object is indexed, searched and read without ever being held whole.
//
// - Size and version come from the first answer: a `Range: bytes=0-0` GET whose `Content-Range`
//   gives the size (or a HEAD's `Content-Length` where the server does not expose
//   `Content-Range` to scripts), and whose `ETag` pins the version: every later answer must carry
//   the same ETag and total, or the read fails with "changed since it was opened" instead of
//   mixing two versions in one document. (No `If-Match` request header: it is not CORS-safelisted,
//   so every cross-origin read would need a preflight the bucket may not allow.)
// - Random reads (a line, a window of lines) are synchronous, as the engine's `readAt` is: a
//   synchronous XMLHttpRequest in a worker, or the `readSync` the host gives (Node: a fetch in a
//   helper thread, js/node-fetch-sync.js). They read whole 1 MiB blocks, and the last few blocks
//   are kept, so a screen of lines costs one request.
// - Full passes stream 64 KiB growing to 8 MiB GETs, one ahead (blob-source.js streamReads).
// A server that ignores `Range` (HTTP 200 with the whole body) is refused before the body is read.

import { streamReads, STREAM_CHUNK } from './blob-source.js';

/** Bytes of one random-read block. */
const BLOCK = 1 << 20;
/** Blocks kept for random reads (8 MiB). */
const KEEP = 8;

/**
 * An answer to one GET, as both transports give it.
 * @typedef {{ status: number, header(name: string): string | null }} Answer
 */

/** `bytes A-B/TOTAL` -> TOTAL, `bytes *\/TOTAL` -> TOTAL; null when absent or unreadable. */
function totalOf(contentRange) {
  const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return m ? Number(m[1]) : null;
}

/** The file name a URL stands for: its last path segment, decoded. */
export function urlName(url) {
  const u = new URL(url);
  const last = u.pathname.split('/').filter(Boolean).pop() ?? u.hostname;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** The `Range` header value of bytes [a, b). */
function rangeHeader(a, b) {
  return `bytes=${a}-${b - 1}`;
}

/**
 * Checks one answer to a Range GET of [a, b) against the pinned version. Throws the one-line
 * error the user sees; returns nothing when the answer can be used.
 * @param {string} url
 * @param {{ size: number, etag: string | null }} pin
 * @param {Answer} answer
 * @param {number} a
 * @param {number} b
 */
function check(url, pin, answer, a, b) {
  if (answer.status === 200) {
    throw new Error(`bigedit: ${url}: the server ignored the Range request (HTTP 200 with the whole body for bytes ${a}-${b - 1}): it cannot be read in parts`);
  }
  if (answer.status === 412) {
    throw new Error(`bigedit: ${url}: changed since it was opened (HTTP 412 reading bytes ${a}-${b - 1})`);
  }
  if (answer.status !== 206) {
    throw new Error(`bigedit: ${url}: HTTP ${answer.status} reading bytes ${a}-${b - 1}`);
  }
  const etag = answer.header('etag');
  if (pin.etag !== null && etag !== null && etag !== pin.etag) {
    throw new Error(`bigedit: ${url}: changed since it was opened (ETag ${pin.etag}, now ${etag}; read at byte ${a})`);
  }
  const total = totalOf(answer.header('content-range'));
  if (total !== null && total !== pin.size) {
    throw new Error(`bigedit: ${url}: changed since it was opened (${pin.size} bytes, now ${total}; read at byte ${a})`);
  }
}

/** A synchronous Range GET through XMLHttpRequest (workers only). */
function xhrReadSync(url, a, b) {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url, false);
  xhr.responseType = 'arraybuffer';
  xhr.setRequestHeader('Range', rangeHeader(a, b));
  try {
    xhr.send();
  } catch (e) {
    throw new Error(`bigedit: ${url}: reading bytes ${a}-${b - 1} failed: ${e.message}`);
  }
  return {
    status: xhr.status,
    header: (name) => xhr.getResponseHeader(name),
    body: xhr.status === 206 ? new Uint8Array(xhr.response) : new Uint8Array(0),
  };
}

/**
 * Reads the body of `res` (a fetch Response), refusing more than `limit` bytes: a server that
 * answers a ranged read with more than the range is not read to its end.
 */
export async function boundedBody(res, limit) {
  const out = new Uint8Array(limit);
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.length > limit) {
      await reader.cancel();
      throw new RangeError(`more than the ${limit} bytes asked for`);
    }
    out.set(value, n);
    n += value.length;
  }
  return n === limit ? out : out.subarray(0, n);
}

/**
 * Opens `url` as a source `{ size, name, etag, readAt, stream }` for `openSource`.
 * `opts.fetch` replaces the global fetch; `opts.readSync(url, a, b, headers) -> { status,
 * header(name), body }` replaces the synchronous XMLHttpRequest of random reads (Node has none);
 * `opts.chunkSize` is the size of the pieces full passes are handed.
 * @param {string | URL} url
 * @param {{ fetch?: typeof fetch, readSync?: Function, chunkSize?: number }} [opts]
 */
export async function urlSource(url, opts = {}) {
  const href = String(url);
  let parsed;
  try {
    parsed = new URL(href);
  } catch {
    throw new TypeError(`bigedit: ${href}: not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`bigedit: ${href}: only http: and https: URLs can be opened`);
  }
  const get = opts.fetch ?? globalThis.fetch;
  const readSync = opts.readSync ?? (typeof XMLHttpRequest === 'function' ? xhrReadSync : null);
  const request = async (a, b, method = 'GET') => {
    try {
      return await get(href, { method, headers: method === 'GET' ? { range: rangeHeader(a, b) } : {}, cache: 'no-store' });
    } catch (e) {
      throw new Error(`bigedit: ${href}: cannot be read: ${e.message}`);
    }
  };
  const answerOf = (res) => ({ status: res.status, header: (name) => res.headers.get(name) });

  // The first answer: size and version.
  const first = await request(0, 1);
  await first.body?.cancel();
  let size;
  if (first.status === 416) {
    size = totalOf(first.headers.get('content-range')) ?? 0; // an empty object: no byte 0
  } else if (first.status === 206) {
    size = totalOf(first.headers.get('content-range'));
    if (size === null) {
      const head = await request(0, 0, 'HEAD');
      const length = head.headers.get('content-length');
      if (!head.ok || length === null) {
        throw new Error(`bigedit: ${href}: the size is unreadable (expose Content-Range or Content-Length to scripts: Access-Control-Expose-Headers)`);
      }
      size = Number(length);
    }
  } else {
    check(href, { size: 0, etag: null }, answerOf(first), 0, 1); // throws: 200, 403, 404, ...
  }
  const pin = { size, etag: first.headers.get('etag') };

  /** Bytes [a, b) in one GET, checked. */
  const fetchRange = async (a, b) => {
    const res = await request(a, b);
    try {
      check(href, pin, answerOf(res), a, b);
    } catch (e) {
      await res.body?.cancel();
      throw e;
    }
    try {
      return await boundedBody(res, b - a);
    } catch (e) {
      throw new Error(`bigedit: ${href}: reading bytes ${a}-${b - 1} failed: ${e.message}`);
    }
  };

  /** Bytes [a, b) in one synchronous GET, checked. */
  const readRangeSync = (a, b) => {
    if (!readSync) {
      throw new TypeError('bigedit: synchronous reads need XMLHttpRequest (a worker) or opts.readSync');
    }
    const answer = readSync(href, a, b, { range: rangeHeader(a, b) });
    check(href, pin, answer, a, b);
    if (answer.body.length > b - a) {
      throw new Error(`bigedit: ${href}: the server sent ${answer.body.length} bytes for the ${b - a} of bytes ${a}-${b - 1}`);
    }
    return answer.body;
  };

  const kept = new Map(); // block number -> Uint8Array, oldest first
  const block = (k) => {
    let bytes = kept.get(k);
    if (bytes) {
      kept.delete(k);
    } else {
      const a = k * BLOCK;
      const b = Math.min(size, a + BLOCK);
      bytes = readRangeSync(a, b);
      if (bytes.length < b - a) {
        throw new Error(`bigedit: ${href}: ends before byte ${b} (read at ${a + bytes.length}): was it changed while open?`);
      }
      if (kept.size >= KEEP) kept.delete(kept.keys().next().value);
    }
    kept.set(k, bytes);
    return bytes;
  };

  return {
    size,
    name: urlName(href),
    etag: pin.etag,
    url: href,
    readAt(offset, length) {
      const end = Math.min(size, offset + length);
      if (offset >= end) return new Uint8Array(0);
      const first = Math.floor(offset / BLOCK);
      const last = Math.floor((end - 1) / BLOCK);
      if (last - first >= KEEP) return readRangeSync(offset, end); // larger than the cache: one GET
      const out = new Uint8Array(end - offset);
      for (let k = first; k <= last; k++) {
        const bytes = block(k);
        const a = Math.max(offset, k * BLOCK);
        const b = Math.min(end, k * BLOCK + bytes.length);
        out.set(bytes.subarray(a - k * BLOCK, b - k * BLOCK), a - offset);
      }
      return out;
    },
    stream(start, end) {
      return streamReads(fetchRange, start, end, opts.chunkSize ?? STREAM_CHUNK, href);
    },
  };
}
