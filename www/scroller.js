// A virtual scroller over N rows of fixed height that stays exact for any N.
//
// Browsers stop laying out somewhere near 17-33 million pixels of scroll height, so the spacer is
// capped at MAX_SCROLL_PX and the scroll position is *scaled*: the fraction scrollTop / maxScroll
// maps to the first visible row. With few rows the scale is 1 and this is an ordinary scroller.
// The wheel and the keyboard move by rows (not pixels), so one notch is three rows even when one
// pixel of scrollbar stands for thousands of rows.
//
// The scroller owns only the geometry; `render(first, count)` (async, from the caller) fetches and
// draws rows first..first+count-1. Renders never overlap: a request made while one is in flight
// replaces any earlier pending one.

/** Height cap of the scroll area, well under every browser's layout limit. */
export const MAX_SCROLL_PX = 8_000_000;

export class Scroller {
  /**
   * @param {HTMLElement} viewport the scrolling element (holds `content` then `spacer`)
   * @param {HTMLElement} spacer an element whose height makes the scroll range
   * @param {number} rowHeight pixels per row
   * @param {(first: number, count: number) => Promise<void>} render draws rows [first, first+count)
   * @param {number} [reserved] rows of the viewport taken by something else (a pinned header)
   */
  constructor(viewport, spacer, rowHeight, render, reserved = 0) {
    this.reserved = reserved;
    this.viewport = viewport;
    this.spacer = spacer;
    this.rowHeight = rowHeight;
    this.renderRows = render;
    this.rows = 0;
    this.first = 1;
    this.busy = false;
    this.pending = false;
    this.expectedTop = 0; // the scrollTop this scroller set last (its scroll event is not the user's)
    viewport.addEventListener('scroll', () => this.#onScroll());
    viewport.addEventListener('wheel', (e) => this.#onWheel(e), { passive: false });
    // A resize changes the pixels-per-row mapping: keep the first row, move the scrollbar.
    new ResizeObserver(() => this.setRows(this.rows)).observe(viewport);
  }

  /** Rows that fit in the viewport. */
  get visible() {
    return Math.max(1, Math.floor(this.viewport.clientHeight / this.rowHeight) - this.reserved);
  }

  /** The highest first row (the last page starts there). */
  get maxFirst() {
    return Math.max(1, this.rows - this.visible + 1);
  }

  /** Sets the number of rows (after indexing or an edit), keeping the first row where possible. */
  setRows(rows) {
    this.rows = rows;
    const h = Math.min(rows * this.rowHeight, MAX_SCROLL_PX);
    // The viewport holds a sticky content layer one viewport high, then the spacer.
    this.spacer.style.height = `${Math.max(0, h - this.viewport.clientHeight)}px`;
    this.scrollTo(Math.min(this.first, this.maxFirst));
  }

  /**
   * Sets the number of rows without drawing (the rows are drawn by someone else, e.g. an editor
   * that scrolls itself and calls `follow`).
   */
  resize(rows) {
    this.rows = rows;
    const h = Math.min(rows * this.rowHeight, MAX_SCROLL_PX);
    this.spacer.style.height = `${Math.max(0, h - this.viewport.clientHeight)}px`;
    this.follow(this.first);
  }

  /** Moves the scrollbar to show `first` as the top row without drawing (see `resize`). */
  follow(first) {
    this.first = Math.min(Math.max(1, Math.round(first)), this.maxFirst);
    const max = this.viewport.scrollHeight - this.viewport.clientHeight;
    const span = this.maxFirst - 1;
    const top = span > 0 ? Math.round(((this.first - 1) / span) * max) : 0;
    this.expectedTop = top;
    if (Math.abs(this.viewport.scrollTop - top) >= 1) this.viewport.scrollTop = top;
  }

  /** Shows `first` as the top row and moves the scrollbar to match. */
  scrollTo(first) {
    this.follow(first);
    this.refresh();
  }

  /** Moves by `delta` rows. */
  scrollBy(delta) {
    this.scrollTo(this.first + delta);
  }

  /** Brings `row` into view (with a little context above it) if it is not visible. */
  reveal(row) {
    if (row < this.first || row >= this.first + this.visible) {
      this.scrollTo(row - Math.min(3, Math.floor(this.visible / 3)));
    } else {
      this.refresh();
    }
  }

  /** Redraws the current rows. */
  async refresh() {
    if (this.busy) {
      this.pending = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.pending = false;
        this.first = Math.max(1, Math.min(this.first, this.maxFirst)); // the viewport may have grown
        const count = Math.max(0, Math.min(this.visible + 1, this.rows - this.first + 1));
        await this.renderRows(this.first, count);
      } while (this.pending);
    } finally {
      this.busy = false;
    }
  }

  #onScroll() {
    const top = this.viewport.scrollTop;
    if (Math.abs(top - this.expectedTop) < 1) return;
    this.expectedTop = top;
    const max = this.viewport.scrollHeight - this.viewport.clientHeight;
    const frac = max > 0 ? top / max : 0;
    this.first = 1 + Math.round(frac * (this.maxFirst - 1));
    this.refresh();
  }

  #onWheel(e) {
    if (!this.rows) return;
    e.preventDefault();
    const px = e.deltaMode === 1 ? e.deltaY * this.rowHeight : e.deltaMode === 2 ? e.deltaY * this.viewport.clientHeight : e.deltaY;
    const rows = Math.trunc(px / this.rowHeight) || Math.sign(px);
    this.scrollBy(rows);
  }

  /** Keyboard navigation: arrows, Page Up/Down, Ctrl+Home/End. Returns whether it was handled. */
  key(e) {
    const page = Math.max(1, this.visible - 1);
    switch (e.key) {
      case 'ArrowDown': this.scrollBy(1); return true;
      case 'ArrowUp': this.scrollBy(-1); return true;
      case 'PageDown': case ' ': this.scrollBy(e.shiftKey ? -page : page); return true;
      case 'PageUp': this.scrollBy(-page); return true;
      case 'Home': this.scrollTo(1); return true;
      case 'End': this.scrollTo(this.maxFirst); return true;
      default: return false;
    }
  }
}
