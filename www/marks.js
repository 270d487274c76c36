// Which lines (or CSV records) the staged edits changed, for the gutter marks.
//
// The engine lists staged edits as descriptions only, so the page records with each edit (in
// History) how it changed the rows of the view: a list of splices `{ a, b, n }` (old rows a..=b,
// 1-based, replaced by n new rows; a = b + 1 is an insertion before row a, n = 0 a deletion), or
// 'keep' (rows neither added nor removed, none known to be changed: replace-all, bulk CSV sets),
// or 'reset' (rows added or removed somewhere unknown: the earlier marks can no longer be placed
// and are dropped). Folding the edits in order gives the edited rows of the current view as
// sorted, disjoint, non-adjacent ranges [[a, b], ...].

/**
 * Applies one splice to `ranges` (sorted, disjoint): rows after the splice move by its size
 * change, rows inside it are replaced by the n new rows, which are marked.
 * Runs in O(ranges).
 */
export function spliceRanges(ranges, { a, b, n }) {
  const d = n - (b - a + 1);
  const out = [];
  for (const [x, y] of ranges) {
    if (y < a) out.push([x, y]);
    else if (x > b) out.push([x + d, y + d]);
    else {
      if (x < a) out.push([x, a - 1]);
      if (y > b) out.push([b + 1 + d, y + d]);
    }
  }
  if (n > 0) out.push([a, a + n - 1]);
  return normalize(out);
}

/** Sorts and merges overlapping or adjacent ranges. */
function normalize(ranges) {
  ranges.sort((p, q) => p[0] - q[0]);
  const out = [];
  for (const [x, y] of ranges) {
    const last = out.at(-1);
    if (last && x <= last[1] + 1) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

/**
 * The edited ranges after `effects` in order; each is a splice list, 'keep', or 'reset'
 * (undefined counts as 'reset': an edit whose effect on these rows is unknown).
 */
export function editedRanges(effects) {
  let ranges = [];
  for (const e of effects) {
    if (e === 'keep') continue;
    if (!Array.isArray(e)) {
      ranges = [];
      continue;
    }
    for (const s of e) ranges = spliceRanges(ranges, s);
  }
  return ranges;
}

/** Whether row `n` is in `ranges` (sorted, disjoint). Runs in O(log ranges). */
export function isMarked(ranges, n) {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] < n) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo][0] <= n;
}

/**
 * The effect of replacing rows a..=b when the edit changed the row count by `delta` (from the
 * document's line count before and after): one splice of n = b - a + 1 + delta rows.
 */
export function replaced(a, b, delta) {
  return [{ a, b, n: Math.max(0, b - a + 1 + delta) }];
}
