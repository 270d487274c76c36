// Rainbow CSV: in the text view of a CSV file, each field of the visible lines is coloured by its
// column index (8 colours, cycling), as the "Rainbow CSV" extension does. Display only: fields
// are split at the delimiter outside quotes within each line, so a quoted field spanning lines
// colours its continuation lines from column 0 (the engine's CSV passes are unaffected).

import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, ViewPlugin } from '@codemirror/view';

const COLOURS = 8;
const marks = Array.from({ length: COLOURS }, (_, i) => Decoration.mark({ class: `cm-col-${i}` }));

/** The [from, to) ranges of the fields of `text` (display only; see the module doc). */
export function fieldRanges(text, delimiter = ',', quote = '"') {
  const out = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === quote) quoted = !quoted;
    else if (ch === delimiter && !quoted) { out.push([start, i]); start = i + 1; }
  }
  out.push([start, text.length]);
  return out;
}

/** The extension; `dialect()` -> `{ delimiter, quote }` or null (then comma and double quote). */
export function rainbowColumns(dialect) {
  const build = (view) => {
    const d = dialect() ?? {};
    const b = new RangeSetBuilder();
    let last = -1;
    for (const { from, to } of view.visibleRanges) {
      for (let pos = from; pos <= to;) {
        const line = view.state.doc.lineAt(pos);
        if (line.number !== last && line.length <= 100_000) {
          fieldRanges(line.text, d.delimiter ?? ',', d.quote ?? '"').forEach(([a, z], i) => {
            if (z > a) b.add(line.from + a, line.from + z, marks[i % COLOURS]);
          });
        }
        last = line.number;
        pos = line.to + 1;
      }
    }
    return b.finish();
  };
  return ViewPlugin.fromClass(class {
    constructor(view) { this.decorations = build(view); }
    update(u) { if (u.docChanged || u.viewportChanged) this.decorations = build(u.view); }
  }, { decorations: (p) => p.decorations });
}
