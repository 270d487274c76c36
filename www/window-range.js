// Which lines of the view an editor window holds (DOM-free, tested in Node with a plain-bytes
// document): whole lines around a centre line, as many as `half` on each side, bounded in bytes,
// so a window over lines of any length stays small. A single line longer than the bound is
// loaded clipped (its first `maxBytes`, cut at a UTF-8 character boundary) and marked `clipped`:
// the page shows it read-only, since the window does not hold the whole line.
//
// The engine answers the two questions: `lineBytes(a, b)` (the byte range of lines a..=b, the
// last one's ending included) and `bytes(a, b)`.

/** Default lines on each side of the centre. */
export const WINDOW_HALF_LINES = 1000;
/** Default bound of a window, in bytes. */
export const WINDOW_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Loads the window around line `center` (1-based, clamped) of `doc` (an engine Document, indexed).
 * -> `{ first, last, start, bytes, clipped }`: lines first..=last, view bytes [start, start +
 * bytes.length). An empty view gives line 1 with no bytes.
 */
export async function loadWindow(doc, center, { half = WINDOW_HALF_LINES, maxBytes = WINDOW_MAX_BYTES } = {}) {
  const count = doc.lineCount ?? 0;
  if (count === 0) return { first: 1, last: 1, start: 0, bytes: new Uint8Array(0), clipped: false };
  center = Math.min(Math.max(1, Math.round(center)), count);
  for (let tries = 0; ; tries++) {
    const first = Math.max(1, center - half);
    const last = Math.min(count, center + half);
    const [a, b] = await doc.lineBytes(first, last);
    if (b - a <= maxBytes) return { first, last, start: a, bytes: await doc.bytes(a, b), clipped: false };
    if (first === last) {
      const bytes = await doc.bytes(a, a + maxBytes);
      return { first, last, start: a, bytes: bytes.subarray(0, utf8Boundary(bytes)), clipped: true };
    }
    // Too many bytes: fewer lines, in proportion (long lines), down to the centre line alone.
    half = tries >= 3 ? 0 : Math.floor((half * maxBytes) / (b - a) / 1.25);
  }
}

/** The length of the longest prefix of `bytes` that does not end inside a UTF-8 character. */
export function utf8Boundary(bytes) {
  let n = bytes.length;
  let k = n;
  while (k > 0 && n - k < 4 && (bytes[k - 1] & 0xc0) === 0x80) k--; // continuation bytes
  if (k === 0) return n;
  const lead = bytes[k - 1];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return n - (k - 1) >= need ? n : k - 1;
}
