// Staged edits with undo, redo and per-edit removal, on top of the engine's overlay.
//
// The engine keeps the staged edits (doc.edits(), doc.undo() drops the last one). Redo and
// removing one edit from the middle need the edit itself again, so every edit the page stages goes
// through `apply(label, run, effect)`, which remembers `run` (a function that stages it on the
// document). Redo re-runs the last undone edit. Removing edit i undoes down to it and re-runs the
// later ones; later edits address lines and sections of the document as it was when they were
// made, so one that no longer applies is reported and dropped (with the ones after it kept on the
// redo stack).
//
// `effect` says which rows the edit changed (for the gutter marks, see marks.js): a function of
// `{ result, delta }` (delta = line count after - before) returning `{ lines, records }`, each a
// splice list, 'keep' or 'reset'. It is evaluated once, when the edit is first staged; a redo or
// re-application stages the same edit on the same document, so the effect is the same.
//
// One entry may stage several engine edits (`count`, e.g. the byte splices of one group of
// keystrokes in the editor window): undo then drops all of them, so undo goes group by group.

import { editedRanges } from './marks.js';

export class History {
  /** @param {import('../js/index.js').Document} doc */
  constructor(doc) {
    this.doc = doc;
    /** @type {{ label: string, run: () => Promise<unknown>, effect?: object, count: number }[]} applied, oldest first */
    this.done = [];
    /** @type {{ label: string, run: () => Promise<unknown>, effect?: object, count: number }[]} undone, most recent last */
    this.undone = [];
  }

  /**
   * Stages an edit (`run` stages it on the document) and remembers it. Clears redo. `count` is
   * the number of engine edits `run` stages (undo drops that many). `bytes`: the edit addresses
   * view bytes (typing), so it cannot be re-staged after an earlier edit is removed.
   */
  async apply(label, run, effect = null, count = 1, bytes = false) {
    const before = this.doc.lineCount;
    const result = await run();
    const delta = (this.doc.lineCount ?? 0) - (before ?? 0);
    const fx = typeof effect === 'function' ? effect({ result, delta }) : effect;
    this.done.push({ label, run, effect: fx ?? {}, count, bytes });
    this.undone = [];
    return result;
  }

  /**
   * Adds engine edits to the last entry (the next keystrokes of one typing group): `run` stages
   * them, `lines` (a splice list, see marks.js) says which rows they changed. Clears redo.
   */
  async extend(run, count, lines = []) {
    const last = this.done.at(-1);
    if (!last) throw new Error('no edit to extend');
    await run();
    const prev = last.run;
    last.run = async () => { await prev(); await run(); };
    last.count += count;
    if (Array.isArray(last.effect.lines)) last.effect.lines = [...last.effect.lines, ...lines];
    this.undone = [];
  }

  /** Drops the last edit; false when there is none. */
  async undo() {
    if (!this.done.length) return false;
    await this.#drop(this.done.at(-1));
    this.undone.push(this.done.pop());
    return true;
  }

  /** Re-stages the last undone edit; false when there is none. */
  async redo() {
    const edit = this.undone.at(-1);
    if (!edit) return false;
    await edit.run();
    this.done.push(this.undone.pop());
    return true;
  }

  /**
   * Removes edit `i` (0 = oldest) and keeps the later ones: undo down to it, re-stage the rest.
   * Throws (with the edits that could not be re-staged left on the redo stack) when a later edit
   * no longer applies to the document without edit i.
   */
  async remove(i) {
    if (i < 0 || i >= this.done.length) return;
    const typed = this.done.slice(i + 1).find((e) => e.bytes);
    if (typed) {
      throw new Error(`"${typed.label}" after it addresses bytes of the text as it was: undo back to the edit instead`);
    }
    const later = [];
    while (this.done.length > i + 1) {
      await this.#drop(this.done.at(-1));
      later.unshift(this.done.pop());
    }
    await this.#drop(this.done.at(-1));
    this.done.pop();
    this.undone = [];
    while (later.length) {
      const edit = later[0];
      try {
        await edit.run();
      } catch (e) {
        this.undone = later.reverse();
        throw new Error(`"${edit.label}" no longer applies without the removed edit: ${e.message}`);
      }
      this.done.push(later.shift());
    }
  }

  /** Drops the engine edits of `entry` from the document. */
  async #drop(entry) {
    for (let k = 0; k < (entry.count ?? 1); k++) await this.doc.undo();
  }

  /**
   * The rows the applied edits changed, as sorted ranges: `{ lines, records }`. Later edits are
   * re-staged with the same arguments after a removal, so folding the recorded effects of the
   * remaining edits is exact.
   */
  marks() {
    return {
      lines: editedRanges(this.done.map((e) => e.effect.lines)),
      records: editedRanges(this.done.map((e) => e.effect.records)),
    };
  }
}
