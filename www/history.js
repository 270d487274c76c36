// Staged edits with undo, redo and per-edit removal, on top of the engine's overlay.
//
// The engine keeps the staged edits (doc.edits(), doc.undo() drops the last one). Redo and
// removing one edit from the middle need the edit itself again, so every edit the page stages goes
// through `apply(label, run)`, which remembers `run` (a function that stages it on the document).
// Redo re-runs the last undone edit. Removing edit i undoes down to it and re-runs the later ones;
// later edits address lines and sections of the document as it was when they were made, so one
// that no longer applies is reported and dropped (with the ones after it kept on the redo stack).

export class History {
  /** @param {import('../js/index.js').Document} doc */
  constructor(doc) {
    this.doc = doc;
    /** @type {{ label: string, run: () => Promise<unknown> }[]} applied, oldest first */
    this.done = [];
    /** @type {{ label: string, run: () => Promise<unknown> }[]} undone, most recent last */
    this.undone = [];
  }

  /** Stages an edit (`run` stages it on the document) and remembers it. Clears redo. */
  async apply(label, run) {
    const result = await run();
    this.done.push({ label, run });
    this.undone = [];
    return result;
  }

  /** Drops the last edit; false when there is none. */
  async undo() {
    if (!this.done.length) return false;
    await this.doc.undo();
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
    const later = [];
    while (this.done.length > i + 1) {
      await this.doc.undo();
      later.unshift(this.done.pop());
    }
    await this.doc.undo();
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
}
