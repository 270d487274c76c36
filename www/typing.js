// Typing in the editor window stages byte splices in the engine as it happens: every CodeMirror
// transaction that changes the text (except a window load) becomes the byte splices of its
// changes (ByteWindow.splices: UTF-16 positions to view bytes, newlines written with the file's
// ending), queued (queue.js) and staged with `spliceBytes`. Keystrokes are grouped as editors do:
// characters typed one after the other, or Backspace/Delete pressed one after the other, within
// 1.5 s, are one History entry (one undo step); a paste, a cut, or typing elsewhere starts a new
// one. Each entry records the file lines it changed (for the gutter marks).

import { EditorView } from '@codemirror/view';
import { changesOf, windowLoad } from './cm-window.js';
import { enqueue, bump } from './queue.js';
import { fmtNum } from './format.js';

const GROUP_MS = 1500;

/** What a transaction did, for grouping and the label. */
function kindOf(tr) {
  if (tr.isUserEvent('input.paste') || tr.isUserEvent('input.drop')) return 'paste';
  if (tr.isUserEvent('delete.cut')) return 'cut';
  if (tr.isUserEvent('delete')) return 'delete';
  if (tr.isUserEvent('input')) return 'type';
  return 'edit';
}

const VERB = { paste: 'paste', cut: 'cut', delete: 'delete', type: 'type', edit: 'edit' };

/**
 * The rows `changes` changed, as marks.js splices in the order they apply (last change first):
 * window lines of the document before them, shifted by `first`.
 */
function lineSplices(doc, changes, first) {
  return [...changes].reverse().map(({ fromA, toA, text }) => ({
    a: doc.lineAt(fromA).number + first - 1,
    b: doc.lineAt(toA).number + first - 1,
    n: text.split('\n').length,
  }));
}

/**
 * The extension that stages the window's edits, and `breakGroup()` (call it after an undo, a redo
 * or any other edit, so the next keystroke starts a new undo step). `ctx()` -> `{ doc, history,
 * bw, first }`; `onStaged()` runs after each staged step, `onError(e)` when staging failed.
 */
export function typingStager(ctx, onStaged, onError) {
  let group = null;
  const extension = EditorView.updateListener.of((u) => {
    for (const tr of u.transactions) {
      if (!tr.docChanged || tr.annotation(windowLoad)) continue;
      const c = ctx();
      const changes = changesOf(tr.changes);
      let splices;
      try {
        splices = c.bw.splices(changes);
      } catch (e) {
        onError(e);
        continue;
      }
      const lines = lineSplices(tr.startState.doc, changes, c.first);
      c.bw.apply(changes);
      bump();
      const kind = kindOf(tr);
      const now = performance.now();
      const joins = group && group.bw === c.bw && group.kind === kind && (kind === 'type' || kind === 'delete')
        && group.head === tr.startState.selection.main.head && now - group.time < GROUP_MS;
      group = { kind, bw: c.bw, head: tr.state.selection.main.head, time: now };
      const { doc, history } = c;
      const run = async () => { for (const s of splices) await doc.spliceBytes(s.a, s.b, s.bytes); };
      const label = `${VERB[kind]} at line ${fmtNum(lines.at(-1).a)}`;
      const job = joins
        ? () => history.extend(run, splices.length, lines)
        : () => history.apply(label, run, { lines }, splices.length, true);
      enqueue(job).then(onStaged, onError);
    }
  });
  return { extension, breakGroup: () => { group = null; } };
}
