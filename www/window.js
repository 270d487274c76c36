// The byte model of an editor window (DOM-free, tested in Node): a run of whole lines of the
// view, [start, start + bytes.length), shown to a text editor as one string whose lines are
// joined by '\n', and the map back from the editor's UTF-16 positions to the view's byte offsets.
//
// What the text hides is kept per line: the line ending (LF, CRLF, or none for a last line
// without one), a byte order mark before the first line of the file, and whether the line's bytes
// are valid UTF-8. An invalid line is shown lossily (U+FFFD) and is read-only: `blocked` refuses
// any change that would touch its bytes or its line ending, so its bytes are never rewritten.
//
// `splices(changes)` turns editor changes (positions in the text before them, ascending and not
// overlapping, as CodeMirror's ChangeSet.iterChanges gives them) into byte splices of the view,
// last first, so each can be staged with `spliceBytes(a, b, bytes)` without shifting the others.
// Newlines typed into the text are written with the window's line ending (`eol`: the file's).

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** UTF-8 length of a string (counted, not encoded). */
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3; // BMP characters and lone surrogates (encoded as U+FFFD, 3 bytes)
  }
  return n;
}

export class ByteWindow {
  /**
   * @param {Uint8Array} bytes whole lines of the view, from view byte `start`
   * @param {number} start view byte offset of `bytes[0]`
   * @param {'\n' | '\r\n'} eol what a typed newline is written as
   */
  constructor(bytes, start, eol = '\n') {
    this.start = start;
    this.eol = eol;
    this.bom = start === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    /** @type {{ text: string, len: number, eolLen: number, bad: boolean }[]} */
    this.lines = [];
    let i = this.bom;
    while (i < bytes.length || this.lines.length === 0) {
      let j = bytes.indexOf(0x0a, i);
      const end = j < 0 ? bytes.length : j;
      let textEnd = end;
      let eolLen = j < 0 ? 0 : 1;
      if (j >= 0 && end > i && bytes[end - 1] === 0x0d) { textEnd--; eolLen = 2; }
      const raw = bytes.subarray(i, textEnd);
      let text;
      let bad = false;
      try { text = strict.decode(raw); } catch { text = lossy.decode(raw); bad = true; }
      this.lines.push({ text, len: raw.length, eolLen, bad });
      if (j < 0) break;
      i = j + 1;
      if (i === bytes.length) break; // the last line ended with its newline
    }
  }

  /** The text the editor shows: the lines joined by '\n'. */
  get text() {
    return this.lines.map((l) => l.text).join('\n');
  }

  /** Bytes of the window in the view now (BOM, lines and endings). */
  get size() {
    return this.lines.reduce((n, l) => n + l.len + l.eolLen, this.bom);
  }

  /** The line (0-based) and column (UTF-16) of text position `pos`. */
  #locate(pos) {
    let p = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const n = this.lines[i].text.length;
      if (pos <= p + n) return { i, col: pos - p, from: p };
      p += n + 1;
    }
    throw new RangeError(`position ${pos} is past the window's end`);
  }

  /** View byte offset of text position `pos`. */
  byteOf(pos) {
    const { i, col } = this.#locate(pos);
    let b = this.start + this.bom;
    for (let k = 0; k < i; k++) b += this.lines[k].len + this.lines[k].eolLen;
    const line = this.lines[i];
    if (line.bad) {
      if (col === 0) return b;
      if (col === line.text.length) return b + line.len;
      throw new RangeError(`position ${pos} is inside line ${i + 1}, which is not valid UTF-8`);
    }
    return b + utf8Length(line.text.slice(0, col));
  }

  /**
   * The text position of view byte `offset` (clamped to the window; inside a character or a
   * line that is not UTF-8: the start of that character or line).
   */
  posOf(offset) {
    let b = this.start + this.bom;
    let p = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i];
      if (offset < b + l.len + l.eolLen || i === this.lines.length - 1) {
        const within = Math.max(0, Math.min(offset - b, l.len));
        if (l.bad) return p + (within === l.len ? l.text.length : 0);
        let n = 0;
        let k = 0;
        while (k < l.text.length) {
          const c = l.text.codePointAt(k);
          const w = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
          if (n + w > within) break;
          n += w;
          k += c >= 0x10000 ? 2 : 1;
        }
        return p + k;
      }
      b += l.len + l.eolLen;
      p += l.text.length + 1;
    }
    return p;
  }

  /** Whether line `i` (0-based) of the window is not valid UTF-8 (shown lossily, read-only). */
  isBad(i) {
    return !!this.lines[i]?.bad;
  }

  /** Text ranges [from, to] of the read-only lines (their newlines on both sides included). */
  get readOnly() {
    const out = [];
    let p = 0;
    for (const l of this.lines) {
      if (l.bad) out.push([p, p + l.text.length]);
      p += l.text.length + 1;
    }
    return out;
  }

  /** Why a change [fromA, toA) is refused, or null: it touches a line that is not UTF-8. */
  blocked(fromA, toA) {
    for (const [s, e] of this.readOnly) {
      const hit = fromA === toA ? fromA >= s && fromA <= e : fromA < e + 1 && toA > s - 1;
      if (hit) return 'this line is not valid UTF-8: it is read-only so its bytes stay as they are';
    }
    return null;
  }

  /**
   * The byte splices `{ a, b, bytes }` for `changes` `[{ fromA, toA, text }]` (positions in this
   * window's text before the changes, ascending), last first. Throws for a change `blocked`.
   */
  splices(changes) {
    const out = [];
    for (const { fromA, toA, text } of changes) {
      const why = this.blocked(fromA, toA);
      if (why) throw new RangeError(why);
      const data = utf8.encode(this.eol === '\n' ? text : text.replaceAll('\n', this.eol));
      out.push({ a: this.byteOf(fromA), b: this.byteOf(toA), bytes: data });
    }
    return out.reverse();
  }

  /** Applies `changes` (as for `splices`) to the window's lines, so it maps the new text. */
  apply(changes) {
    for (const { fromA, toA, text } of [...changes].reverse()) {
      const a = this.#locate(fromA);
      const b = this.#locate(toA);
      const first = this.lines[a.i];
      const last = this.lines[b.i];
      const joined = first.text.slice(0, a.col) + text + last.text.slice(b.col);
      const parts = joined.split('\n');
      const eolLen = this.eol === '\n' ? 1 : 2;
      const fresh = parts.map((t, k) => ({
        text: t,
        len: utf8Length(t),
        eolLen: k === parts.length - 1 ? last.eolLen : eolLen,
        bad: false,
      }));
      this.lines.splice(a.i, b.i - a.i + 1, ...fresh);
    }
  }
}
