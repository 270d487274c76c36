// bigedit — Node entry: the same promise-based Document as the browser facade (js/index.js),
// over a file path. The engine (js/engine.js, the same `--target web` wasm build) runs in this
// thread; the file is read through `fs` callbacks: random reads with fs.readSync, full passes with
// fs.read into one reused buffer. Nothing reads the whole file.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as engine from './engine.js';
import { readSync as fetchSync } from './node-fetch-sync.js';
import { DocumentBase } from './facade.js';

let initialized = false;

/**
 * Loads the wasm synchronously (optional: `open` does it on first use). `input`: bytes
 * (`ArrayBuffer`/typed array), a `WebAssembly.Module`, or a path/file URL of the `.wasm` file;
 * default `wasm/bigedit_wasm_bg.wasm` beside this module.
 */
export function init(input) {
  if (initialized) throw new Error('bigedit: init() must come before the first open()');
  if (input === undefined) input = new URL('./wasm/bigedit_wasm_bg.wasm', import.meta.url);
  if (typeof input === 'string' || input instanceof URL) input = fs.readFileSync(input);
  engine.initSync(input);
  initialized = true;
}

function ensureInit() {
  if (!initialized) init();
}

/** Default buffer of full passes (the engine's default chunk is 64 KiB; larger reads cost fewer syscalls). */
const STREAM_CHUNK = 1 << 20;

/**
 * A reader over an open file descriptor, in the shape `openSource` takes. `stream` yields views of
 * ONE reused buffer: each is valid until the next is requested (the engine copies what it keeps).
 */
function fileSource(fd, size, chunkSize) {
  return {
    size,
    readAt(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < buf.length) {
        const n = fs.readSync(fd, buf, done, buf.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return done === buf.length ? buf : buf.subarray(0, done);
    },
    async *stream(start, end) {
      const buf = new Uint8Array(chunkSize);
      let pos = start;
      while (pos < end) {
        const want = Math.min(buf.length, end - pos);
        const n = await new Promise((resolve, reject) => {
          fs.read(fd, buf, 0, want, pos, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
        });
        if (n === 0) throw new RangeError(`bigedit: the file shrank while reading: ${end - pos} bytes missing at offset ${pos}`);
        pos += n;
        yield buf.subarray(0, n);
      }
    },
  };
}

/** Writes all of `bytes` at `at`. */
function writeFully(fd, bytes, at) {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
}

/** Same device and inode: `a` and `b` are one file (names, hard links or a symlink to it). */
function sameFile(a, b) {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens the file at `filePath` for reading and staged editing. `opts.onProgress(done, total)` is
 * the default progress callback of full passes; `opts.chunkSize` the buffer of full passes.
 * The file is held open (read-only) until `close()`.
 */
export async function open(filePath, opts = {}) {
  if (typeof filePath !== 'string' && !(filePath instanceof URL)) {
    throw new TypeError('bigedit: open() takes a file path in Node');
  }
  ensureInit();
  const { onProgress, ...engineOpts } = opts;
  let fd;
  try {
    fd = fs.openSync(filePath, 'r');
  } catch (err) {
    throw new Error(`bigedit: ${filePath}: ${err.message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new TypeError(`bigedit: ${filePath}: not a regular file`);
    const source = fileSource(fd, stat.size, engineOpts.chunkSize ?? STREAM_CHUNK);
    const doc = engine.openSource(source, { ...engineOpts, name: String(filePath) });
    return new Document(doc, fd, stat, String(filePath), onProgress, engineOpts);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Opens an http(s) URL (a presigned object URL, a file on a static server) for reading and
 * staged editing: every read is a `Range` GET pinned to the ETag first seen (a change on the
 * server fails the next read with "changed since it was opened"), random reads run in a helper
 * thread. `save(path)` writes the edited document to a file; the URL is never written.
 * @param {string | URL} url
 */
export async function openUrl(url, opts = {}) {
  ensureInit();
  const { onProgress, ...engineOpts } = opts;
  const doc = await engine.openUrl(url, { ...engineOpts, readSync: fetchSync });
  return new Document(doc, null, null, String(url), onProgress, engineOpts);
}

/**
 * A document over a file on disk (or a URL, with no descriptor): the same promise-based API as the browser facade. Edits are
 * staged until `save(path)`.
 */
export class Document extends DocumentBase {
  #doc;
  #fd;
  #stat;
  #path;
  #opts;

  /** @internal Use `open()`. */
  constructor(doc, fd, stat, filePath, onProgress, opts) {
    super(onProgress);
    this.#doc = doc;
    this.#fd = fd;
    this.#stat = stat;
    this.#path = filePath;
    this.#opts = opts;
  }

  /** Bytes of the edited view. */
  get size() { return this.#live().size; }
  /** Bytes of the source. */
  get sourceSize() { return this.#live().sourceSize; }
  /** Number of lines of the edited view, `null` until `index()` ran. */
  get lineCount() { return this.#live().lineCount; }
  /** The path (or URL) this document was opened from. */
  get path() { return this.#path; }

  #live() {
    if (!this.#doc) throw new Error('bigedit: the document is closed');
    return this.#doc;
  }

  /** @internal One call of the engine's document, in this thread. */
  async _invoke(method, args) {
    const doc = this.#live();
    if (typeof doc[method] !== 'function') {
      throw new TypeError(`bigedit: ${method}() is not available in this engine build`);
    }
    return doc[method](...args);
  }

  /**
   * Writes the edited document to `target` without ever leaving a torn file: it streams into a
   * temporary file in the target's directory (`.NAME.RANDOM.bigedit-tmp`), fsyncs it, renames it
   * over the target and fsyncs the directory. A symlink target is resolved (its file is replaced).
   * An existing target's mode is kept. On error the target is untouched and the temp file removed.
   *
   * Saving over the document's own file is allowed and safe: the document keeps reading the old
   * file through its open descriptor while the new one is written, then reopens on the new file
   * (staged edits become the content; `lineCount` is rebuilt if it was known). Resolves with
   * `{ path, size }`.
   *
   * `target` may also be a sink `{ write(bytes, at), flush?(), close?() }` (the engine's shape):
   * the edited document is streamed into it as is, with no atomicity beyond what the sink does.
   */
  async save(target, opts = {}) {
    const doc = this.#live();
    if (target && typeof target === 'object' && typeof target.write === 'function') {
      await doc.save(target, { onProgress: opts.onProgress ?? this.onProgress });
      return { size: doc.size };
    }
    if (typeof target !== 'string' && !(target instanceof URL)) {
      throw new TypeError('bigedit: save() takes a file path (or a sink with write(bytes, at)) in Node');
    }
    let real = String(target instanceof URL ? new URL(target).pathname : target);
    let existing = null;
    try {
      real = fs.realpathSync(real);
      existing = fs.statSync(real);
    } catch (err) {
      if (err.code !== 'ENOENT') throw new Error(`bigedit: ${target}: ${err.message}`);
    }
    if (existing && !existing.isFile()) throw new TypeError(`bigedit: ${target}: not a regular file`);
    const overSource = existing !== null && this.#stat !== null && sameFile(existing, this.#stat);
    const dir = path.dirname(path.resolve(real));
    const tmp = path.join(dir, `.${path.basename(real)}.${randomBytes(6).toString('hex')}.bigedit-tmp`);
    const onProgress = opts.onProgress ?? this.onProgress;
    let out;
    try {
      out = fs.openSync(tmp, 'wx', existing ? existing.mode & 0o7777 : 0o666);
      const fd = out;
      await doc.save(
        {
          write: (bytes, at) => writeFully(fd, bytes, at),
          flush: () => fs.fsyncSync(fd),
        },
        { onProgress },
      );
      fs.fsyncSync(out);
      if (existing) fs.fchmodSync(out, existing.mode & 0o7777);
      fs.closeSync(out);
      out = undefined;
      fs.renameSync(tmp, real);
    } catch (err) {
      if (out !== undefined) fs.closeSync(out);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    const size = fs.statSync(real).size;
    if (overSource) await this.#reopen(real, doc.lineCount !== null);
    return { path: real, size };
  }

  /** Swaps this document onto the file just saved over its source. */
  async #reopen(filePath, reindex) {
    const fresh = await open(filePath, { ...this.#opts, onProgress: this.onProgress });
    const old = { doc: this.#doc, fd: this.#fd };
    [this.#doc, this.#fd, this.#stat] = [fresh.#doc, fresh.#fd, fresh.#stat];
    fresh.#doc = null;
    old.doc.close();
    fs.closeSync(old.fd);
    if (reindex) await this.#doc.index({ onProgress: this.onProgress });
  }

  /** Closes the document and its file descriptor. */
  async close() {
    if (!this.#doc) return;
    this.#doc.close();
    this.#doc = null;
    if (this.#fd !== null) fs.closeSync(this.#fd);
  }
}

export { openSource } from './engine.js';
