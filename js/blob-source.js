// Streams Blob ranges for full passes: slices read with blob.slice(a, b).arrayBuffer(), one read
// ahead of the chunk being processed, so a pass over gigabytes holds two chunks of at most 1 MiB.
//
// Not blob.stream(): Chromium keeps a blob stream's data pipe until the stream is garbage
// collected, so after a few hundred streams (the grid's short row scans each open one and stop
// early) the next read never resolves and the document hangs. Seen in the web suite, and
// reproduced alone: 115 streams read once and cancelled, or 1,621 read to their end, and the next
// read hung; 3,000 arrayBuffer() reads did not (tests/web/editor.test.mjs runs 1,000 scans).

/** Default size of one read: 1 MiB. */
export const STREAM_CHUNK = 1 << 20;

/** The first read of a pass: short scans (a screen of rows, a first match) stop within it. */
const FIRST_READ = 64 << 10;

/**
 * Yields the bytes of blob[start, end) in order. Reads start at 64 KiB and double up to
 * `chunkSize`, each issued while the one before is processed; breaking out of the loop leaves
 * at most one read ahead, which completes on its own.
 * @param {Blob} blob
 * @param {number} start
 * @param {number} end
 * @param {number} [chunkSize]
 * @returns {AsyncGenerator<Uint8Array>}
 */
export async function* streamBlob(blob, start, end, chunkSize = STREAM_CHUNK) {
  const max = Math.max(1, chunkSize);
  let size = Math.min(FIRST_READ, max);
  const read = (at) => {
    const p = blob.slice(at, Math.min(end, at + size)).arrayBuffer();
    p.catch(() => {}); // a read ahead that is never awaited must not be an unhandled rejection
    size = Math.min(size * 2, max);
    return p;
  };
  let next = start < end ? read(start) : null;
  for (let at = start; at < end;) {
    const bytes = new Uint8Array(await next);
    if (!bytes.length) throw new Error(`bigedit: the file ends before byte ${end} (read at ${at}): was it changed while open?`);
    at += bytes.length;
    next = at < end ? read(at) : null;
    yield bytes;
  }
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
