// CodeMirror extensions that show the window's lines as lines of the file, each reading the
// page's state through `ctx()` -> `{ first, bw, marks, search }` (first: the file line of the
// window's first line; bw: its ByteWindow; marks: edited line ranges, see marks.js; search:
// ui.search). Dispatch the `redraw` effect when marks or the search change.
//
//   fileLineNumbers  the gutter shows file line numbers, not window ones
//   editedGutter     a bar beside lines changed by a pending edit (data-testid=edited-N)
//   lineAttributes   data-testid=line-N and data-line=N on each visible line; lines that are not
//                    UTF-8 get the class cm-bad-line (a visible "read-only" marker, see style.css)
//   searchMarks      the matches of the current search on the visible lines (<mark>, the current
//                    one .current)

import { RangeSetBuilder, StateEffect } from '@codemirror/state';
import { Decoration, ViewPlugin, gutter, GutterMarker, lineNumbers } from '@codemirror/view';
import { isMarked } from './marks.js';
import { utf8Length } from './window.js';

/** Redraw the visible lines: the marks or the search changed. */
export const redraw = StateEffect.define();

const redrawn = (u) => u.docChanged || u.viewportChanged || u.transactions.some((tr) => tr.effects.some((e) => e.is(redraw)));

/** The file line of window line `line` (a CodeMirror Line). */
const fileLine = (c, line) => c.first + line.number - 1;

/** Calls `f(line)` once for each line of the visible ranges of `view`. */
function eachVisibleLine(view, f) {
  let last = -1;
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to;) {
      const line = view.state.doc.lineAt(pos);
      if (line.number !== last) f(line);
      last = line.number;
      pos = line.to + 1;
    }
  }
}

/** The gutter's numbers are the file's line numbers. */
export function fileLineNumbers(ctx) {
  return lineNumbers({ formatNumber: (n) => String(n + ctx().first - 1) });
}

class EditedMarker extends GutterMarker {
  constructor(n) { super(); this.n = n; }
  eq(other) { return other.n === this.n; }
  toDOM() {
    const el = document.createElement('span');
    el.className = 'cm-edited-mark';
    if (this.n) {
      el.dataset.testid = `edited-${this.n}`;
      el.title = 'changed by a pending edit';
    }
    return el;
  }
}

/** A narrow gutter marking the lines changed by pending edits. */
export function editedGutter(ctx) {
  return gutter({
    class: 'cm-edited-gutter',
    lineMarker(view, block) {
      const c = ctx();
      const n = fileLine(c, view.state.doc.lineAt(block.from));
      return isMarked(c.marks, n) ? new EditedMarker(n) : null;
    },
    lineMarkerChange: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(redraw))),
    initialSpacer: () => new EditedMarker(0),
  });
}

/** Line decorations from `build(view)`, rebuilt when the visible lines or the page's marks change. */
function linePlugin(build) {
  return ViewPlugin.fromClass(class {
    constructor(view) { this.decorations = build(view); }
    update(u) { if (redrawn(u)) this.decorations = build(u.view); }
  }, { decorations: (p) => p.decorations });
}

const BAD_TITLE = 'this line is not valid UTF-8 (shown with U+FFFD): read-only, so its bytes stay as they are';

/** data-testid / data-line attributes, edited and read-only classes on the visible lines. */
export function lineAttributes(ctx) {
  return linePlugin((view) => {
    const c = ctx();
    const b = new RangeSetBuilder();
    eachVisibleLine(view, (line) => {
      const n = fileLine(c, line);
      const bad = c.bw?.isBad(line.number - 1);
      const classes = [bad && 'cm-bad-line', isMarked(c.marks, n) && 'cm-edited-line'].filter(Boolean);
      const attributes = { 'data-testid': `line-${n}`, 'data-line': String(n) };
      if (bad) attributes.title = BAD_TITLE;
      b.add(line.from, line.from, Decoration.line({ attributes, class: classes.join(' ') }));
    });
    return b.finish();
  });
}

const matchMark = Decoration.mark({ tagName: 'mark' });
const currentMark = Decoration.mark({ tagName: 'mark', class: 'current' });

/** The current search's matches on the visible lines (the JS twin of the engine's pattern). */
export function searchMarks(ctx) {
  return linePlugin((view) => {
    const c = ctx();
    const b = new RangeSetBuilder();
    const re = c.search?.re;
    if (!re) return b.finish();
    const cur = c.search.current;
    eachVisibleLine(view, (line) => {
      const n = fileLine(c, line);
      const text = line.text;
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) { re.lastIndex++; continue; }
        const column = utf8Length(text.slice(0, m.index)) + 1;
        const isCurrent = cur && cur.line === n && cur.column === column;
        b.add(line.from + m.index, line.from + m.index + m[0].length, isCurrent ? currentMark : matchMark);
      }
    });
    return b.finish();
  });
}
