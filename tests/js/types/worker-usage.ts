// Typed usage of the worker-level API (bigedit/worker).
import { init, openBlob, type Sink } from 'bigedit/worker';

export async function inWorker(file: File): Promise<void> {
  await init();
  const doc = openBlob(file, { chunkSize: 1 << 20 });
  await doc.index({ onProgress: (d, t) => postMessage([d, t]) });
  const pieces: Array<Blob | Uint8Array<ArrayBuffer>> = doc.pieces();
  const sink: Sink = { write: (_bytes, _at) => {}, flush() {} };
  await doc.save(sink);
  await doc.saveToOpfs('copy.log');
  console.log(new Blob(pieces).size, doc.edits().length, doc.undo());
  doc.close();
}
