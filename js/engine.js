// bigedit worker-level engine (see js/CONTRACT.md). Runs in a worker (browser) or in Node.
//
// Random reads (a line, a section) go through the wasm Document's source: FileReaderSync for a
// Blob, the source's readAt() otherwise. Every full pass (index, find, replace-all, Markdown
// outline, save) is ONE loop here, #run(): it streams the *edited view* in order (ranges copied
// from the source are streamed from the source, inserted bytes are pushed as they are) into a
// wasm Pass (pass.push(chunk) -> wants more?), then doc.finish(pass) returns the result.

import initWasm, { initSync as initWasmSync, openBlob as wasmOpenBlob, openReader } from './wasm/bigedit_wasm.js';
import { streamBlob, STREAM_CHUNK } from './blob-source.js';
import { urlSource } from './url-source.js';

/** Deleted bytes a full pass reads through rather than starting a new source stream. */
const GAP = 1 << 20;
/** Bytes a full pass streams between macrotask turns (see #run). */
const YIELD = 8 << 20;

let ready = false;
let exports = null; // the wasm instance's exports (memory included)

/**
 * Loads the wasm module. input: URL | string | Response | BufferSource | WebAssembly.Module;
 * default: ./wasm/bigedit_wasm_bg.wasm next to this file.
 */
export async function init(input) {
  if (ready) return;
  const module_or_path = input ?? new URL('./wasm/bigedit_wasm_bg.wasm', import.meta.url);
  exports = await initWasm({ module_or_path });
  ready = true;
}

/** Loads the wasm module synchronously from bytes or a compiled WebAssembly.Module. */
export function initSync(input) {
  if (ready) return;
  exports = initWasmSync({ module: input });
  ready = true;
}

/** Bytes of wasm linear memory (0 before init). */
export function memoryBytes() {
  return exports?.memory?.buffer.byteLength ?? 0;
}

function needInit() {
  if (!ready) throw new TypeError('bigedit: call init() (or initSync()) before opening a document');
}

/**
 * Opens a Blob or File. Workers only: random reads use FileReaderSync; full passes read
 * slices of up to 8 MiB with blob.slice(a, b).arrayBuffer(), one ahead (see blob-source.js).
 * @param {Blob} blob
 * @param {{ chunkSize?: number }} [opts]
 */
export function openBlob(blob, opts = {}) {
  needInit();
  const w = wasmOpenBlob(blob, undefined);
  const chunk = opts.chunkSize ?? STREAM_CHUNK;
  return new Document(w, (a, b) => streamBlob(blob, a, b, chunk), blob, opts.name ?? blob.name);
}

/**
 * Opens a host source { size, readAt(offset, length): Uint8Array, stream(start, end):
 * AsyncIterable<Uint8Array> }.
 */
export function openSource(source, opts = {}) {
  needInit();
  if (!source || typeof source.stream !== 'function') {
    throw new TypeError('source.stream must be a function');
  }
  const w = openReader(source, source.size, undefined);
  return new Document(w, (a, b) => source.stream(a, b), null, opts.name);
}

/**
 * Opens an http(s) URL (a presigned object URL, a static file server) read with Range GETs,
 * pinned to the version first seen (see url-source.js). Random reads are synchronous requests:
 * XMLHttpRequest in a worker, or `opts.readSync` (Node's entry passes one). Read-only at the
 * source: `save()` / `saveToOpfs()` write the edited document elsewhere.
 * @param {string | URL} url
 * @param {{ chunkSize?: number, name?: string, fetch?: typeof fetch, readSync?: Function }} [opts]
 */
export async function openUrl(url, opts = {}) {
  needInit();
  const source = await urlSource(url, opts);
  return openSource(source, { ...opts, name: opts.name ?? source.name });
}

function anchorOf(opts, what) {
  const before = opts?.before;
  const after = opts?.after;
  if ((before === undefined) === (after === undefined)) {
    throw new TypeError(`${what}: give exactly one of { before } and { after }`);
  }
  return before !== undefined ? [before, true] : [after, false];
}

export class Document {
  #w;
  #stream;
  #blob;
  #name;

  /** @internal `name`: the file name, if known (the default format of `chunks`). */
  constructor(w, stream, blob, name) {
    this.#w = w;
    this.#stream = stream;
    this.#blob = blob;
    this.#name = typeof name === 'string' && name ? name : undefined;
  }

  #doc() {
    if (!this.#w) throw new TypeError('bigedit: the document is closed');
    return this.#w;
  }

  /** Bytes of the edited view. */
  get size() { return this.#doc().size; }
  /** Bytes of the source. */
  get sourceSize() { return this.#doc().sourceSize; }
  /** Lines of the edited view; null until index() ran (kept up to date across edits). */
  get lineCount() { return this.#doc().lineCount ?? null; }

  // The one full-pass loop: streams view bytes [pass.start, pass.end) into the pass, in order.
  // Inserted bytes are pushed as they are; source ranges are streamed from the source, one
  // stream for a run of ranges whose gaps (deleted bytes) are under GAP, so a file with
  // thousands of small edits is still read in one sequential stream.
  async #run(pass, { onProgress, signal } = {}) {
    const w = this.#doc();
    try {
      const from = pass.start;
      const total = pass.end - from;
      let yielded = from;
      // Progress, and every YIELD bytes a macrotask turn, so an abort delivered by
      // postMessage (the facade's) is seen even when every read resolves as a microtask.
      const report = async () => {
        onProgress?.(pass.position - from, total);
        if (pass.position - yielded >= YIELD) {
          yielded = pass.position;
          await new Promise((resolve) => setTimeout(resolve, 0));
          signal?.throwIfAborted();
        }
      };
      const pieces = []; // Uint8Array (inserted) | { start, end } (source range)
      let view = 0;
      for (const p of w.viewPieces()) {
        const bytes = p instanceof Uint8Array;
        const len = bytes ? p.length : p.end - p.start;
        const skip = Math.max(0, from - view);
        view += len;
        if (skip >= len) continue;
        pieces.push(bytes ? p.subarray(skip) : { start: p.start + skip, end: p.end });
      }
      let more = true;
      let i = 0;
      while (more && i < pieces.length) {
        const first = pieces[i];
        signal?.throwIfAborted();
        if (first instanceof Uint8Array) {
          more = pass.push(first);
          await report();
          i++;
          continue;
        }
        let last = i; // pieces[i..=last] are read from one stream of source [first.start, end)
        let end = first.end;
        for (let k = i + 1; k < pieces.length; k++) {
          const q = pieces[k];
          if (q instanceof Uint8Array) continue;
          if (q.start - end > GAP) break;
          end = q.end;
          last = k;
        }
        let k = i;
        let pos = first.start;
        feed: for await (const chunk of this.#stream(first.start, end)) {
          signal?.throwIfAborted();
          const chunkEnd = pos + chunk.length;
          while (k <= last) {
            const q = pieces[k];
            if (q instanceof Uint8Array) {
              more = pass.push(q);
              k++;
              if (!more) break feed;
              continue;
            }
            const a = Math.max(q.start, pos);
            const b = Math.min(q.end, chunkEnd);
            if (a < b) {
              more = pass.push(chunk.subarray(a - pos, b - pos));
              if (!more) break feed;
            }
            if (q.end > chunkEnd) break;
            k++;
          }
          pos = chunkEnd;
          await report();
        }
        i = last + 1;
      }
      return w.finish(pass); // consumes the pass; refuses one that was not fed to its end
    } catch (e) {
      try { pass.free(); } catch { /* already consumed */ }
      throw e;
    }
  }

  async #ensureIndex() {
    if (this.#doc().lineCount === undefined) await this.index();
  }

  async #ensureOutline() {
    if (!this.#doc().hasOutline) await this.#run(this.#doc().beginOutline());
  }

  /** Builds the line index of the edited view. -> { lines, ending } */
  async index(opts = {}) {
    return this.#run(this.#doc().beginIndex(), opts);
  }

  /** Lines a..=b (1-based) without endings, lossy UTF-8. Indexes first if needed. */
  async lines(a, b) {
    await this.#ensureIndex();
    return this.#doc().lines(a, b);
  }

  /** The 1-based line holding view byte `offset` (the end of the view: the last line). */
  async lineOfByte(offset) {
    await this.#ensureIndex();
    return this.#doc().lineOfByte(offset);
  }

  /** The view byte range [start, end) of lines a..=b (1-based, the last line's ending included). Indexes first if needed. */
  async lineBytes(a, b) {
    await this.#ensureIndex();
    const [start, end] = this.#doc().lineBytes(a, b);
    return [start, end];
  }

  /** View bytes [a, b). */
  async bytes(a, b) {
    return this.#doc().bytes(a, b);
  }

  /**
   * Finds a literal or (line by line) a regex. `from` (a view offset) snaps back to the start
   * of its line. -> [{ line, column, offset, length }]
   */
  async find(pattern, { regex = false, max = 100, from = 0, onProgress, signal } = {}) {
    if (from > 0) await this.#ensureIndex();
    const pass = this.#doc().beginFind(String(pattern), !!regex, max ?? undefined, from);
    return this.#run(pass, { onProgress, signal });
  }

  async replaceLines(a, b, text) {
    await this.#ensureIndex();
    return this.#doc().replaceLines(a, b, String(text));
  }

  async insertLines(after, text) {
    await this.#ensureIndex();
    return this.#doc().insertLines(after, String(text));
  }

  async deleteLines(a, b) {
    await this.#ensureIndex();
    return this.#doc().deleteLines(a, b);
  }

  /** Stages replacing view bytes [a, b) with `bytes` (a Uint8Array or a string). */
  async spliceBytes(a, b, bytes) {
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    return this.#doc().spliceBytes(a, b, data);
  }

  /** Stages replacing every match. -> { replaced, edit } */
  async replaceAll(pattern, replacement, { regex = false, onProgress, signal } = {}) {
    const indexed = this.lineCount !== null;
    const pass = this.#doc().beginReplaceAll(String(pattern), String(replacement), !!regex);
    const result = await this.#run(pass, { onProgress, signal });
    // An edit with very many splices drops the line index (shifting it would cost a random
    // read per splice): rebuild it with one streaming pass.
    if (indexed && this.lineCount === null) await this.index({ signal });
    return result;
  }

  // Markdown
  async outline(opts = {}) {
    if (this.#doc().hasOutline) return this.#doc().outlineSections();
    return this.#run(this.#doc().beginOutline(), opts);
  }

  async readSection(path, { body = false } = {}) {
    await this.#ensureOutline();
    return this.#doc().readSection(path, !!body);
  }

  async replaceSection(path, text, { body = false } = {}) {
    await this.#ensureOutline();
    return this.#doc().replaceSection(path, String(text), !!body);
  }

  async deleteSection(path) {
    await this.#ensureOutline();
    return this.#doc().deleteSection(path);
  }

  async insertSection(text, opts) {
    const [anchor, before] = anchorOf(opts, 'insertSection');
    await this.#ensureOutline();
    return this.#doc().insertSection(String(text), anchor, before);
  }

  async renameSection(path, title) {
    await this.#ensureOutline();
    return this.#doc().renameSection(path, String(title));
  }

  async moveSection(path, opts) {
    const [anchor, before] = anchorOf(opts, 'moveSection');
    await this.#ensureOutline();
    return this.#doc().moveSection(path, anchor, before);
  }

  // CSV. `opts` of every call may override the detected dialect: { delimiter, quote, header }.
  async csvHeaders() {
    return this.#doc().csvHeaders();
  }

  /**
   * Builds the record index of the edited view (one full pass).
   * -> { records, header: string[] | null, delimiter, quote, newline, hasHeader }
   */
  async csvIndex(opts = {}) {
    return this.#run(this.#doc().beginCsvIndex(opts), opts);
  }

  /**
   * Data rows a..=b (1-based, header excluded) where every `where` condition holds; without
   * `where`, rows with the wrong number of fields are included. A short scan from the record
   * index's checkpoint when csvIndex() ran. -> [{ record, offset, fields }]
   */
  async csvRows(a, b, opts = {}) {
    return this.#run(this.#doc().beginCsvRows(a, b, opts ?? {}), opts ?? {});
  }

  /** Counts rows for a preview. -> { rows, matched, skipped } */
  async csvCount(opts = {}) {
    return this.#run(this.#doc().beginCsvCount(opts), opts);
  }

  /** Stages setting cells: { where: ['col=v'], set: ['col=new'], strict }. -> report */
  async csvSet(opts = {}) {
    return this.#csvEdit(this.#doc().beginCsvSet(opts), opts);
  }

  /** Stages deleting the rows { where }. -> report */
  async csvDelete(opts = {}) {
    return this.#csvEdit(this.#doc().beginCsvDelete(opts), opts);
  }

  /** Stages adding column `name` holding `value`, { after }. -> report */
  async csvAddColumn(name, value = '', opts = {}) {
    return this.#csvEdit(this.#doc().beginCsvAddColumn(String(name), String(value), opts ?? {}), opts ?? {});
  }

  /** Stages removing column `name`. -> report */
  async csvRemoveColumn(name, opts = {}) {
    return this.#csvEdit(this.#doc().beginCsvRemoveColumn(String(name), opts ?? {}), opts ?? {});
  }

  /** Stages setting one cell (a header name, or a 1-based number string). -> { edit } */
  async csvSetCell(record, column, value, opts = {}) {
    return this.#doc().csvSetCell(record, String(column), String(value), opts ?? {});
  }

  // A CSV edit pass; an edit with very many splices drops the line index: rebuild it.
  async #csvEdit(pass, opts) {
    const indexed = this.lineCount !== null;
    const result = await this.#run(pass, opts);
    if (indexed && this.lineCount === null) await this.index({ signal: opts.signal });
    return result;
  }

  /**
   * Semantic chunks of at most `maxBytes` (core's ChunkScanner). format: 'md' | 'csv' | 'text'
   * (default: from the file name when known, else 'text'). -> [{ bytes, lines, boundary,
   * headingPath?, records?, text? }]
   */
  async chunks(opts = {}) {
    const { maxBytes, format, withText = false } = opts;
    const pass = this.#doc().beginChunks(maxBytes, format ?? undefined, this.#name, !!withText, opts);
    return this.#run(pass, opts);
  }

  async csvAppend(rows) {
    const text = Array.isArray(rows) ? rows.join('\n') : String(rows);
    return this.#doc().csvAppend(text);
  }

  /** Staged edits, oldest first: [{ op, description }]. */
  edits() {
    return this.#doc().edits();
  }

  /** Drops the last staged edit; -> whether there was one. */
  undo() {
    return this.#doc().undo();
  }

  /**
   * The edited file as pieces, without copying: Blob slices of the source (Blob documents) or
   * { start, end } source ranges (other sources), and Uint8Arrays of inserted bytes.
   */
  pieces() {
    const out = [];
    for (const p of this.#doc().viewPieces()) {
      if (p instanceof Uint8Array) out.push(p);
      else out.push(this.#blob ? this.#blob.slice(p.start, p.end) : { start: p.start, end: p.end });
    }
    return out;
  }

  /** Streams the edited view into sink { write(bytes, at), flush?(), close?() }. -> { size } */
  async save(sink, { onProgress, signal } = {}) {
    return this.#run(this.#doc().beginSave(sink, false), { onProgress, signal });
  }

  /**
   * Saves the edited view to the OPFS file `name` (workers only): writes `name`.bigedit-tmp
   * through a sync access handle, then moves it over `name`, so `name` is never half written.
   * -> { name, size }
   */
  async saveToOpfs(name, { onProgress, signal } = {}) {
    const root = await navigator.storage.getDirectory();
    const tmp = `${name}.bigedit-tmp`;
    const file = await root.getFileHandle(tmp, { create: true });
    const handle = await file.createSyncAccessHandle();
    let size;
    try {
      handle.truncate(0);
      ({ size } = await this.#run(this.#doc().beginSave(handle, true), { onProgress, signal }));
    } catch (e) {
      try { handle.close(); } catch { /* closed by the pass */ }
      await root.removeEntry(tmp).catch(() => {});
      throw e;
    }
    try {
      await file.move(name);
    } catch {
      await root.removeEntry(name).catch(() => {});
      await file.move(name);
    }
    return { name, size };
  }

  /** Frees the document. */
  close() {
    this.#w?.free();
    this.#w = null;
  }
}
