// Keyboard navigation of the editor window by lines (Page Up/Down and the arrows, with Shift to
// select), for a window of a bigger file:
//
// - Moves count lines, not pixels: every line has the same height (no wrapping), and a move must
//   not depend on geometry CodeMirror has not measured yet (right after a window load, or between
//   keys pressed faster than frames). The top line moves with the cursor when the cursor would
//   leave the screen (a page move always moves it), and the scroll position is set at once from
//   the height map, so the next key, or a window load, sees where the editor is.
// - Near the window's edge (within two pages, the file going on) a move first loads the window
//   around the cursor; keys pressed meanwhile, or while any window loads, queue behind it and run
//   in order, so holding Page Down crosses window edges without losing or doubling a page.
//
// Only the main selection moves (other cursors are dropped), as a page move does in most editors.

import { EditorSelection } from '@codemirror/state';

/**
 * The navigation keymap entries and `pending()` (whether queued moves remain). `ctx`:
 * `{ win, winLast(), viewportLine(), load(line), loadsDone(), isLoading(), lineCount(),
 * pageLines(), rows(), onError(e) }` (see viewer.js: win.first is the file line of the window's
 * first line, winLast() of its last; load(line) loads the window around a file line).
 */
export function lineNavigation(ctx) {
  let chain = null;

  /** Whether the cursor is within two pages of the window's edge with more file beyond it. */
  const nearEdge = (v, down) => {
    const k = v.state.doc.lineAt(v.state.selection.main.head).number;
    const reach = 2 * ctx.rows() + 1; // the cursor moves a page, and a page below it shows
    return down ? ctx.winLast() < (ctx.lineCount() ?? 0) && v.state.doc.lines - k <= reach
      : ctx.win.first > 1 && k <= reach;
  };

  /** `cmd`, after loading the next window when it is needed, in order with earlier keys. */
  const acrossEdge = (cmd, down) => (v) => {
    if (!nearEdge(v, down) && !chain && !ctx.isLoading()) return cmd(v);
    const step = (chain ?? Promise.resolve()).then(async () => {
      await ctx.loadsDone();
      // Asked again: an earlier key may have loaded the window already.
      if (nearEdge(v, down)) {
        const head = v.state.selection.main.head;
        await ctx.load(ctx.win.first + v.state.doc.lineAt(head).number - 1);
      }
      cmd(v);
    });
    const queued = step.catch(ctx.onError).finally(() => { if (chain === queued) chain = null; });
    chain = queued;
    return true;
  };

  /** Moves the cursor (`select`: the selection's head) by `lines`; `page`: the top line too. */
  const moveLines = (lines, select, page) => (v) => {
    const { doc, selection } = v.state;
    const range = selection.main;
    const line = doc.lineAt(range.head);
    const goal = range.goalColumn ?? range.head - line.from;
    const target = doc.line(Math.min(Math.max(1, line.number + lines()), doc.lines));
    const head = target.from + Math.min(goal, target.length);
    const next = select ? EditorSelection.range(range.anchor, head, goal) : EditorSelection.cursor(head, 0, undefined, goal);
    const { first } = ctx.win;
    const top = ctx.viewportLine();
    const scroller = v.scrollDOM;
    const rows = Math.max(1, Math.floor(scroller.clientHeight / v.defaultLineHeight)); // whole lines on screen
    const at = first + target.number - 1;
    let newTop = page ? top + (target.number - line.number) : top;
    newTop = Math.min(Math.max(newTop, at - rows + 1), at); // the cursor on screen
    newTop = Math.min(Math.max(first, newTop), Math.max(first, ctx.winLast() - rows + 1));
    const offset = v.documentTop - scroller.getBoundingClientRect().top + scroller.scrollTop; // padding above the text
    v.dispatch({ selection: next, userEvent: 'select' });
    if (newTop !== top) scroller.scrollTop = offset + v.lineBlockAt(doc.line(newTop - first + 1).from).top;
    return true;
  };

  const one = () => 1;
  const up = (n) => () => -n();
  const entry = (key, lines, page, down) => ({
    key,
    run: acrossEdge(moveLines(lines, false, page), down),
    shift: acrossEdge(moveLines(lines, true, page), down),
  });
  return {
    keys: [
      entry('PageDown', ctx.pageLines, true, true),
      entry('PageUp', up(ctx.pageLines), true, false),
      entry('ArrowDown', one, false, true),
      entry('ArrowUp', up(one), false, false),
    ],
    pending: () => chain !== null,
  };
}
