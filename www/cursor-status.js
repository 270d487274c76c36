// The editor's part of the status bar: line:column of the cursor (file line, 1-based column in
// characters), its view byte offset, the selection's size in characters and bytes, the file's
// size and the edited size.

import { $, ui } from './state.js';
import { fmtNum, fmtBytes } from './format.js';
import { wholeFileSelected } from './whole-file.js';

/** The view byte offset of `pos` in window `bw` (a position inside a line not UTF-8: its start). */
function byteAt(bw, doc, pos) {
  try {
    return bw.byteOf(pos);
  } catch {
    return bw.byteOf(doc.lineAt(pos).from);
  }
}

/** Updates the status bar from `view` over window `win` ({ first, bw }). */
export function updateCursorStatus(view, win) {
  if (!win.bw || !ui.doc) return;
  const { doc, selection } = view.state;
  const head = selection.main.head;
  const line = doc.lineAt(head);
  $('cursor').textContent = `Ln ${fmtNum(win.first + line.number - 1)}, Col ${fmtNum(head - line.from + 1)}`;
  $('cursor-byte').textContent = `byte ${fmtNum(byteAt(win.bw, doc, head))}`;
  let sel = '';
  if (wholeFileSelected()) {
    sel = `all ${fmtBytes(ui.doc.size)} selected`;
  } else {
    let chars = 0;
    let bytes = 0;
    for (const r of selection.ranges) {
      chars += r.to - r.from;
      if (!r.empty) bytes += byteAt(win.bw, doc, r.to) - byteAt(win.bw, doc, r.from);
    }
    if (chars) sel = `${fmtNum(chars)} chars (${fmtNum(bytes)} bytes) selected`;
  }
  $('selection-size').textContent = sel;
  $('edited-size').textContent = ui.doc.size === ui.doc.sourceSize ? '' : `edited: ${fmtBytes(ui.doc.size)}`;
  $('edited-size').title = `${ui.doc.size} bytes after the pending edits`;
}
