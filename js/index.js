// bigedit — main-thread facade for browsers.
//
// `open(file)` starts one module worker (js/worker.js, shared by every document of the page) that
// runs the wasm engine (js/engine.js), and returns a Document whose every method is a promise
// proxied to it: the UI thread never scans a byte. Byte results are transferred, not copied.

import { Client } from './rpc.js';
import { DocumentBase } from './facade.js';

let client = null;
let worker = null;
let ready = null;

/** The shared worker's client, started on first use (with `init`'s input, if any). */
function start(initArgs) {
  if (!client) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'bigedit' });
    client = new Client(worker);
    ready = initArgs ? client.call(null, 'init', initArgs) : Promise.resolve();
  }
  return client;
}

/**
 * Chooses where the worker loads the wasm from (call before the first `open`, optional):
 * a URL or string, a `Response` (read here), bytes (`ArrayBuffer`/typed array) or a compiled
 * `WebAssembly.Module`. The default is `wasm/bigedit_wasm_bg.wasm` beside this module.
 */
export async function init(input) {
  if (client) throw new Error('bigedit: init() must come before the first open()');
  if (typeof Response === 'function' && input instanceof Response) input = await input.arrayBuffer();
  if (input instanceof URL) input = input.href;
  start([input]);
  await ready;
}

/**
 * Opens a `File` or `Blob` in the worker. `opts.onProgress(doneBytes, totalBytes)` is the default
 * progress callback of full passes (index, find, replaceAll, save); `opts.chunkSize` sets the
 * size of the pieces full passes are fed.
 */
export async function open(source, opts = {}) {
  if (typeof Blob !== 'function' || !(source instanceof Blob)) {
    throw new TypeError('bigedit: open() takes a File or Blob in the browser (use bigedit/node for paths)');
  }
  const { onProgress, ...engineOpts } = opts;
  const c = start(null);
  await ready;
  const { value: id, state } = await c.call(null, 'open', [source, engineOpts]);
  return new Document(c, id, state, onProgress);
}

/**
 * Opens an http(s) URL in the worker (a presigned object URL, a file on a static server): every
 * read is a `Range` GET, pinned to the ETag first seen, so a 100 GB object is indexed, searched
 * and read without being downloaded. A cross-origin server must allow the origin (CORS) and
 * should expose `Content-Range` and `ETag` (Access-Control-Expose-Headers). Edits are staged
 * as for files; `save(name)` writes the edited document to OPFS (the URL is never written).
 * @param {string | URL} url
 */
export async function openUrl(url, opts = {}) {
  const { onProgress, ...engineOpts } = opts;
  const c = start(null);
  await ready;
  const { value: id, state } = await c.call(null, 'openUrl', [String(url), engineOpts]);
  return new Document(c, id, state, onProgress);
}

/**
 * Figures from the worker: `{ wasmMemoryBytes, documents }` (wasmMemoryBytes is the size of the
 * wasm linear memory, or null if the engine does not tell). Answered between chunks of a pass.
 */
export async function stats() {
  const c = start(null);
  await ready;
  return (await c.call(null, 'stats', [])).value;
}

/** Ends the shared worker (every open document becomes unusable). The next `open` starts a new one. */
export function terminate() {
  worker?.terminate();
  worker = null;
  client = null;
  ready = null;
}

/**
 * A document open in the worker: the worker-level Document of js/engine.js, with every method
 * returning a promise. `size`, `sourceSize` and `lineCount` are kept current after each call.
 */
export class Document extends DocumentBase {
  #client;
  #id;
  #state;
  #closed = false;

  /** @internal Use `open()`. */
  constructor(client, id, state, onProgress) {
    super(onProgress);
    this.#client = client;
    this.#id = id;
    this.#state = state;
  }

  /** Bytes of the edited view. */
  get size() { return this.#state.size; }
  /** Bytes of the source. */
  get sourceSize() { return this.#state.sourceSize; }
  /** Number of lines of the edited view, `null` until `index()` ran. */
  get lineCount() { return this.#state.lineCount; }

  /** @internal One call of the worker's document, whose state (size, lines) comes back with it. */
  async _invoke(method, args) {
    if (this.#closed) throw new Error('bigedit: the document is closed');
    const { value, state } = await this.#client.call(this.#id, method, args);
    if (state) this.#state = state;
    return value;
  }

  /** The edited document as pieces: Blob slices of the source and new bytes. */
  pieces() { return this._call('pieces', []); }

  /** The edited document as a Blob built from `pieces()`: untouched ranges are slices of the source, not copies. */
  async blob(type = '') {
    const pieces = await this._call('pieces', []);
    if (pieces.some((p) => !(p instanceof Blob) && !(p instanceof Uint8Array))) {
      throw new TypeError('bigedit: blob() needs a File or Blob source: save() the document opened from a URL instead');
    }
    return new Blob(pieces, { type });
  }

  /**
   * Saves the edited document to the OPFS file `name` (created or replaced), streaming through
   * the worker's sync access handle: `{ name, size }`. To write elsewhere, use `blob()`.
   */
  save(name, opts) {
    if (typeof name !== 'string') {
      return Promise.reject(new TypeError('bigedit: save() takes an OPFS file name in the browser'));
    }
    return this._call('saveToOpfs', [name, opts]);
  }

  /** Same as `save(name, opts)`. */
  saveToOpfs(name, opts) { return this.save(name, opts); }

  /** Closes the document in the worker; later calls reject. */
  async close() {
    if (this.#closed) return;
    await this._call('close', []);
    this.#closed = true;
  }
}
