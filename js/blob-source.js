// Streams Blob ranges for full passes: blob.slice(a, b).stream() read with a BYOB reader into
// ONE reused buffer, so a pass over gigabytes keeps a flat off-heap footprint (FileReaderSync,
// used by the wasm side for random reads only, allocates a fresh buffer per read).

/** Default size of the one streaming buffer: 1 MiB. */
export const STREAM_CHUNK = 1 << 20;

/**
 * Yields the bytes of blob[start, end) in order. Each yielded Uint8Array is valid only until
 * the next one is requested (its buffer is reused). Breaking out of the loop cancels the read.
 * @param {Blob} blob
 * @param {number} start
 * @param {number} end
 * @param {number} [chunkSize]
 * @returns {AsyncGenerator<Uint8Array>}
 */
export async function* streamBlob(blob, start, end, chunkSize = STREAM_CHUNK) {
  if (!(end > start)) return;
  const stream = blob.slice(start, end).stream();
  let reader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    reader = null; // not a byte stream here: read what the stream hands out
  }
  if (!reader) {
    const plain = stream.getReader();
    try {
      for (;;) {
        const { value, done } = await plain.read();
        if (done) return;
        yield value;
      }
    } finally {
      await plain.cancel().catch(() => {});
    }
  }
  let buffer = new ArrayBuffer(Math.max(1, Math.min(chunkSize, end - start)));
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read(new Uint8Array(buffer, 0, buffer.byteLength));
      if (done) {
        finished = true;
        return;
      }
      yield value;
      buffer = value.buffer; // the read transferred it: take it back for the next read
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
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
