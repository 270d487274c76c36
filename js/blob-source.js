// Streams ranges for full passes, one read ahead of the one being processed: Blob slices read
// with blob.slice(a, b).arrayBuffer() here, HTTP Range GETs in url-source.js. Reads start at
// 64 KiB (short scans such as a screen of rows stop within it) and double up to 8 MiB (each
// arrayBuffer() call costs a round trip to the browser: reading 512 MiB took 2.7 s in 1 MiB
// reads, 1.2 s in 8 MiB reads, 0.7-1.1 s through a stream); each read is handed out in pieces
// of at most `chunkSize`.
//
// Not blob.stream(): Chromium keeps a blob stream's data pipe until the stream is garbage
// collected, so after a few hundred streams (the grid's short row scans each opened one and
// stopped early) the next read never resolved and the document hung. Seen in the web suite, and
// reproduced alone: 115 streams read once and cancelled, or 1,621 read to their end, and the next
// read hung; 3,000 arrayBuffer() reads did not (tests/web/editor.test.mjs runs 1,000 scans).

/** Default size of the pieces handed to a pass: 1 MiB. */
export const STREAM_CHUNK = 1 << 20;

/** The first read of a pass. */
const FIRST_READ = 64 << 10;
/** The largest read: two are held at a time (the one processed, the one ahead). */
const MAX_READ = 8 << 20;

/**
 * Yields the bytes of [start, end) in order, in pieces of at most `chunkSize` bytes, from
 * `read(at, until)` (a promise of an ArrayBuffer or Uint8Array holding bytes [at, until), or
 * fewer). Reads start at 64 KiB and double up to 8 MiB, one ahead of the one being processed.
 * Breaking out of the loop leaves at most one read ahead, which completes on its own.
 * `what` names the source in the error for a source that ends early.
 * @param {(at: number, until: number) => Promise<ArrayBuffer | Uint8Array>} read
 * @param {number} start
 * @param {number} end
 * @param {number} [chunkSize]
 * @param {string} [what]
 * @returns {AsyncGenerator<Uint8Array>}
 */
export async function* streamReads(read, start, end, chunkSize = STREAM_CHUNK, what = 'the file') {
  const piece = Math.max(1, chunkSize);
  let size = FIRST_READ;
  const ahead = (at) => {
    const p = read(at, Math.min(end, at + size));
    p.catch(() => {}); // a read ahead that is never awaited must not be an unhandled rejection
    size = Math.min(size * 2, MAX_READ);
    return p;
  };
  let next = start < end ? ahead(start) : null;
  for (let at = start; at < end;) {
    const got = await next;
    const bytes = got instanceof Uint8Array ? got : new Uint8Array(got);
    if (!bytes.length) throw new Error(`bigedit: ${what} ends before byte ${end} (read at ${at}): was it changed while open?`);
    at += bytes.length;
    next = at < end ? ahead(at) : null;
    for (let k = 0; k < bytes.length; k += piece) yield bytes.subarray(k, k + piece);
  }
}

/**
 * Yields the bytes of blob[start, end) in order, in pieces of at most `chunkSize` bytes.
 * @param {Blob} blob
 * @param {number} start
 * @param {number} end
 * @param {number} [chunkSize]
 * @returns {AsyncGenerator<Uint8Array>}
 */
export function streamBlob(blob, start, end, chunkSize = STREAM_CHUNK) {
  return streamReads((a, b) => blob.slice(a, b).arrayBuffer(), start, end, chunkSize);
}

/**
 * A generic source over a Blob: { size, readAt, stream } (readAt needs FileReaderSync, so a
 * worker). openBlob() uses the wasm Blob reader instead; this is for hosts that want the
 * source object itself.
 * @param {Blob} blob
 * @param {{ chunkSize?: number }} [opts]
 */
export function blobSource(blob, opts = {}) {
  const reader = typeof FileReaderSync === 'function' ? new FileReaderSync() : null;
  return {
    size: blob.size,
    readAt(offset, length) {
      if (!reader) throw new TypeError('FileReaderSync is not available: read Blobs in a worker');
      return new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, offset + length)));
    },
    stream(start, end) {
      return streamBlob(blob, start, end, opts.chunkSize);
    },
  };
}
