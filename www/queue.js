// One queue for everything that changes the engine's document (typed splices, undo, redo, the
// edits of the panels): each job starts when the one before it has finished, so splices computed
// from the editor window are staged in the order they were typed, against the view they were
// computed for. `generation` counts the changes made in the editor window, so a window loaded
// while the user typed can tell that its bytes are stale and load again.

let tail = Promise.resolve();
let pending = 0;
let gen = 0;

/** Runs `job` (async) after every job queued before it; resolves or rejects with its result. */
export function enqueue(job) {
  pending++;
  const p = tail.then(job);
  tail = p.then(() => { pending--; }, () => { pending--; });
  return p;
}

/** Resolves when every job queued so far has finished. */
export function flush() {
  return tail;
}

/** Whether no job is queued or running. */
export function idle() {
  return pending === 0;
}

/** Counts one change of the editor window (see `generation`). */
export function bump() {
  gen++;
}

/** The number of changes made in the editor window so far. */
export function generation() {
  return gen;
}
