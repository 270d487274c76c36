// Next and previous match on top of the engine's forward-only `find` (pure: tested in Node
// against a naive list of all matches).
//
// `find(from, max)` is the engine's find for one pattern: at most `max` matches, in order, from
// the start of the line holding view offset `from` (the engine snaps `from` back to its line
// start, so matches before `from` on that line come back too). A pass stops at its max-th match
// and otherwise runs to the end of the file, so these functions ask for as few matches as will
// do: one, more only while every match returned lies before the place they are looking for
// (matches earlier on the same line, or many matches in a window).

/**
 * The first match at offset >= `at`, or null when there is none to the end. Reads from the start
 * of `at`'s line to that match, plus at most as many matches as the line holds before `at`.
 */
export async function matchAfter(find, at) {
  for (let max = 1; ; max *= 2) {
    const ms = await find(at, max);
    const m = ms.find((x) => x.offset >= at);
    if (m) return m;
    if (ms.length < max) return null;
  }
}

/**
 * The last match at offset < `at`, or null when there is none before it. Searches a window just
 * before `at` first, then windows 8 times wider while they hold no match. In a window it steps
 * from match to match (one match a pass, up to 32 a pass after 16 steps), and its last pass
 * stops at the first match at or after the window's end (`at` itself, when `at` is a match).
 */
export async function matchBefore(find, at, { window = 64 * 1024 } = {}) {
  let hi = at; // no match in [hi, at)
  for (let width = window; ; width *= 8) {
    const lo = Math.max(0, hi - width);
    let best = null;
    let from = lo;
    let max = 1;
    let furthest = -1;
    for (let steps = 0; ; steps++) {
      const ms = await find(from, max);
      for (const m of ms) if (m.offset < hi) best = m;
      if (ms.length < max || ms.at(-1).offset >= hi) break;
      // Every match returned lies before hi: go on after the last one, or ask for more when
      // `from` snapped back to a line start whose matches came back again.
      const end = ms.at(-1).offset;
      if (end <= furthest) {
        max *= 2;
      } else {
        from = end + 1;
        furthest = end;
        if (steps >= 16 && max < 32) max *= 2;
      }
    }
    if (best) return best;
    if (lo === 0) return null;
    hi = lo;
  }
}
