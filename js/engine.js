// bigedit worker-level engine (see js/CONTRACT.md). Runs in a worker (browser) or in Node.
//
// Random reads (a line, a section) go through the wasm Document's source: FileReaderSync for a
// Blob, the source's readAt() otherwise. Every full pass (index, find, replace-all, Markdown
// outline, save) is ONE loop here, #run(): it streams the *edited view* in order (ranges copied
// from the source are streamed from the source, inserted bytes are pushed as they are) into a
// wasm Pass (pass.push(chunk) -> wants more?), then doc.finish(pass) returns the result.

import initWasm, { initSync as initWasmSync, openBlob as wasmOpenBlob, openReader } from './wasm/bigedit_wasm.js';
import { streamBlob, STREAM_CHUNK } from './blob-source.js';

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
 * Opens a Blob or File. Workers only: random reads use FileReaderSync; full passes stream
 * blob.slice(a, b).stream() through a BYOB reader into one reused buffer.
 * @param {Blob} blob
 * @param {{ chunkSize?: number }} [opts]
 */
export function openBlob(blob, opts = {}) {
  needInit();
  const w = wasmOpenBlob(blob, undefined);
  const chunk = opts.chunkSize ?? STREAM_CHUNK;
  return new Document(w, (a, b) => streamBlob(blob, a, b, chunk), blob);
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
  void opts;
  return new Document(w, (a, b) => source.stream(a, b), null);
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

  /** @internal */
  constructor(w, stream, blob) {
    this.#w = w;
    this.#stream = stream;
    this.#blob = blob;
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

  // The one full-pass loop: streams view bytes [pass.start, pass.end) into the pass.
  async #run(pass, { onProgress, signal } = {}) {
    const w = this.#doc();
    try {
      const from = pass.start;
      const total = pass.end - from;
      let view = 0; // view offset of the current piece
      let more = true;
      const report = () => onProgress?.(pass.position - from, total);
      for (const piece of w.viewPieces()) {
        if (!more) break;
        const len = piece instanceof Uint8Array ? piece.length : piece.end - piece.start;
        const skip = Math.max(0, from - view);
        view += len;
        if (skip >= len) continue;
        signal?.throwIfAborted();
        if (piece instanceof Uint8Array) {
          more = pass.push(piece.subarray(skip));
          report();
          continue;
        }
        for await (const chunk of this.#stream(piece.start + skip, piece.end)) {
          signal?.throwIfAborted();
          more = pass.push(chunk);
          report();
          if (!more) break;
        }
      }
      return w.finish(pass); // consumes the pass
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
    const pass = this.#doc().beginReplaceAll(String(pattern), String(replacement), !!regex);
    return this.#run(pass, { onProgress, signal });
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

  // CSV (only what needs no full pass so far; see CONTRACT.md)
  async csvHeaders() {
    return this.#doc().csvHeaders();
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
