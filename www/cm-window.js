// The glue between CodeMirror 6 transactions and the window's byte model (window.js): the
// changes of a ChangeSet in the form `ByteWindow.splices` takes, and a transaction filter that
// refuses changes touching a line that is not UTF-8 (so its bytes are never rewritten).

import { Annotation, EditorState } from '@codemirror/state';

/**
 * Marks the transaction that loads a window into the editor (its text comes from the engine):
 * it is not an edit, so it is neither staged nor filtered.
 */
export const windowLoad = Annotation.define();

/** The changes of `changes` (a ChangeSet) as `[{ fromA, toA, text }]`, ascending. */
export function changesOf(changes) {
  const out = [];
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    out.push({ fromA, toA, text: inserted.toString() });
  });
  return out;
}

/**
 * A transaction filter that drops a transaction whose changes `win()` (the current ByteWindow)
 * blocks; `onBlocked(reason)` is told why (for the status bar).
 */
export function readOnlyLines(win, onBlocked = () => {}) {
  return EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || tr.annotation(windowLoad)) return tr;
    const w = win();
    let why = null;
    tr.changes.iterChanges((fromA, toA) => { why ??= w?.blocked(fromA, toA) ?? null; });
    if (!why) return tr;
    onBlocked(why);
    return [];
  });
}
