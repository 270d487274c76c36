// Ctrl+A selects the whole file, not only the window: the selection is an engine range, never
// read into the page. While it stands, Delete or Backspace stages one splice that empties the
// file (a byte order mark is kept), typing or a paste one that replaces it with the new text
// (newlines written with the file's ending), copy puts the file on the clipboard when it is at
// most COPY_MAX bytes (and says why not otherwise), cut is copy then delete. Any other move of
// the selection ends it.

import { Annotation, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { windowLoad } from './cm-window.js';
import { enqueue, bump } from './queue.js';
import { fmtBytes } from './format.js';
import { say, fail } from './status.js';

/** Largest file copied to the clipboard whole. */
export const COPY_MAX = 16 * 1024 * 1024;

const selecting = Annotation.define();
let active = false;

/** Whether the whole file is selected. */
export const wholeFileSelected = () => active;

/** Selects the whole file (the keymap's Mod-a). */
export function selectWholeFile(view, doc) {
  if (!doc) return false;
  active = true;
  view.dispatch({ selection: { anchor: 0, head: view.state.doc.length }, annotations: selecting.of(true) });
  say(`the whole file is selected (${fmtBytes(doc.size)}): Delete, typing or a paste replaces all of it`);
  return true;
}

/** Stages replacing the whole file (after its BOM) with `text`, as one undo step. */
function replaceWhole(c, text, after) {
  const eol = c.bw?.eol ?? '\n';
  const bytes = new TextEncoder().encode(eol === '\n' ? text : text.replaceAll('\n', eol));
  const bom = c.bom ?? 0;
  bump();
  const lines = [{ a: 1, b: Math.max(1, c.doc.lineCount ?? 1), n: text ? text.split('\n').length : 0 }];
  enqueue(() => c.history.apply(text ? 'replace the whole file' : 'delete the whole file',
    () => c.doc.spliceBytes(bom, c.doc.size, bytes), { lines }, 1, true))
    .then(() => after(text), fail);
}

/** Copies the whole file to the clipboard when it is small enough. */
async function copyWhole(c) {
  const size = c.doc.size;
  if (size > COPY_MAX) throw new Error(`the file is ${fmtBytes(size)}: too large for the clipboard (at most ${fmtBytes(COPY_MAX)}); save or download it instead`);
  const bytes = await c.doc.bytes(c.bom ?? 0, size);
  await navigator.clipboard.writeText(new TextDecoder().decode(bytes));
  say(`copied the whole file (${fmtBytes(size)})`);
}

/**
 * The extension: turns an edit of the selection into an edit of the whole file while it is
 * selected. `ctx()` -> `{ doc, history, bw, bom }`; `after(text)` runs once the edit is staged.
 */
export function wholeFile(ctx, { after }) {
  return [
    EditorState.transactionFilter.of((tr) => {
      if (!active || tr.annotation(windowLoad) || tr.annotation(selecting)) return tr;
      if (!tr.docChanged) {
        if (tr.selection) active = false;
        return tr;
      }
      let text = '';
      tr.changes.iterChanges((_fa, _ta, _fb, _tb, inserted) => { text += inserted.toString(); });
      active = false;
      replaceWhole(ctx(), text, after);
      return [];
    }),
    EditorView.domEventHandlers({
      copy(e) {
        if (!active) return false;
        e.preventDefault();
        copyWhole(ctx()).catch(fail);
        return true;
      },
      cut(e) {
        if (!active) return false;
        e.preventDefault();
        const c = ctx();
        copyWhole(c).then(() => { active = false; replaceWhole(c, '', after); }, fail);
        return true;
      },
    }),
  ];
}
