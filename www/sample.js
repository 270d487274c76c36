// The built-in sample: a generated log written once into the origin-private file system (OPFS),
// so the page is useful before the user has a file. `?sample-mib=N` on the page's URL sets its
// size (default 256 MiB; the tests use a few MiB).

/** Lines of the sample log, n = 1, 2, ... (without the line ending). */
export function sampleLine(n) {
  const levels = ['INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO'];
  const t = `${String((n / 3600 | 0) % 24).padStart(2, '0')}:${String((n / 60 | 0) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
  return `2026-11-25T${t}.${String(n % 1000).padStart(3, '0')}Z ${levels[n % 6].padEnd(5)} worker-${String(n % 16).padStart(2, '0')} request ${n} handled in ${n * 7 % 997} ms`;
}

/** Lines written per batch (the file ends after the batch that reaches the size). */
export const SAMPLE_BATCH = 40_000;

/** The sample's size in bytes: `?sample-mib=N` of `search`, else 256 MiB. */
export function sampleBytes(search) {
  const mib = Number(new URLSearchParams(search).get('sample-mib'));
  return (Number.isFinite(mib) && mib > 0 ? mib : 256) * 1024 * 1024;
}

/** The sample's OPFS file name (one per size, so a smaller test sample is not reused as the big one). */
export const sampleName = (bytes) => `bigedit-sample-${Math.round(bytes / 1024 / 1024)}MiB.log`;

/**
 * Writes the sample to `handle` (a FileSystemFileHandle) until it holds at least `bytes`.
 * `createWritable` writes a swap file that replaces the file only at `close()`: a cancelled
 * generation (`signal`) leaves no partial sample behind.
 */
export async function writeSample(handle, bytes, onProgress, signal) {
  const out = await handle.createWritable();
  const enc = new TextEncoder();
  let n = 1;
  let written = 0;
  try {
    while (written < bytes) {
      if (signal.aborted) throw new DOMException('sample generation cancelled', 'AbortError');
      const parts = [];
      for (let i = 0; i < SAMPLE_BATCH; i++, n++) parts.push(`${sampleLine(n)}\n`);
      const chunk = enc.encode(parts.join(''));
      await out.write(chunk);
      written += chunk.length;
      onProgress(Math.min(written, bytes), bytes);
    }
    await out.close();
  } catch (e) {
    await out.abort().catch(() => {});
    throw e;
  }
}
