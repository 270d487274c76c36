// Number, size and duration formatting and parsing for the page (pure: no DOM, tested in Node).

/** `n` bytes as "1.5 GiB"; "–" for null. */
export function fmtBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** `n` with thousands separators ("12,000,000"); "–" for null. */
const numberFormat = new Intl.NumberFormat('en-US');
export const fmtNum = (n) => (n == null ? '–' : numberFormat.format(n)); // toLocaleString builds a formatter per call

/** Seconds as "12 s" or "3 min 4 s"; "–" when not finite. */
export function fmtSecs(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A count typed by a person ("12,000,000", "12 000 000", "12_000_000"), or null. */
export function parseCount(text) {
  const digits = String(text).replace(/[\s,_'.]/g, '');
  if (!/^\d+$/.test(digits)) return null;
  return Number(digits);
}

/** `s` as a literal inside a JS regular expression. */
export function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
