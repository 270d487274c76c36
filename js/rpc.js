// The message protocol between the main-thread facade (js/index.js) and the worker (js/worker.js).
//
// One worker serves any number of documents. The client sends
//   { type: 'call', id, doc, method, args }   doc = a document id, or null for `init`/`open`/`openUrl`
//   { type: 'abort', id }                     the caller's AbortSignal fired
// and the worker answers
//   { type: 'callback', id, key, args }       an option callback (onProgress) fired in the worker
//   { type: 'result', id, value, state }      state = { size, sourceSize, lineCount } of the document
//   { type: 'error', id, name, message }      re-thrown on the main thread with the same type
//
// Functions and AbortSignals cannot cross a postMessage: the client replaces them in option
// objects by markers ({ $fn: key }, { $signal: true }) and the worker puts stand-ins back.
// Byte results (Uint8Array, and the Uint8Array pieces of `pieces()`) are transferred, not copied.

/** Methods of the worker-level Document that the facade proxies (every one returns a promise). */
export const DOCUMENT_METHODS = [
  'index', 'lines', 'bytes', 'lineOfByte', 'lineBytes', 'find', 'replaceLines', 'insertLines', 'deleteLines', 'replaceAll',
  'outline', 'readSection', 'replaceSection', 'deleteSection', 'insertSection', 'renameSection',
  'moveSection', 'csvHeaders', 'csvIndex', 'csvRows', 'csvCount', 'csvSet', 'csvDelete',
  'csvAppend', 'csvAddColumn', 'csvRemoveColumn', 'csvSetCell', 'chunks', 'spliceBytes', 'edits', 'undo',
  'pieces', 'saveToOpfs',
];

/** Progress callbacks are forwarded at most this often (ms), plus the final call. */
const PROGRESS_INTERVAL_MS = 50;

/** The observable state of a document, sent with every result so the facade's getters stay current. */
export function stateOf(doc) {
  return { size: doc.size, sourceSize: doc.sourceSize, lineCount: doc.lineCount };
}

/** Whether `value` is a plain options object (not bytes, a Blob, an array or a class instance). */
function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An error as it crosses the boundary: its constructor name and message. */
function serializeError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    return { name: err.name || 'Error', message: String(err.message) };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an error of the same type (RangeError, TypeError, AbortError, ...) on this side. */
export function deserializeError({ name, message }) {
  switch (name) {
    case 'RangeError': return new RangeError(message);
    case 'TypeError': return new TypeError(message);
    case 'SyntaxError': return new SyntaxError(message);
    case 'AbortError':
    case 'NotFoundError':
    case 'NotAllowedError':
    case 'InvalidStateError':
    case 'NoModificationAllowedError':
    case 'QuotaExceededError':
      if (typeof DOMException === 'function') return new DOMException(message, name);
    // falls through
    default: {
      const err = new Error(message);
      if (name && name !== 'Error') err.name = name;
      return err;
    }
  }
}

/** A Uint8Array that owns its whole (non-shared) buffer can be transferred; others are copied first. */
function transferable(bytes) {
  const buf = bytes.buffer;
  const owned = buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength;
  return owned ? bytes : bytes.slice();
}

/** Replaces byte arrays in a result by transferable ones and collects their buffers. */
function prepareResult(value, transfer) {
  if (value instanceof Uint8Array) {
    const bytes = transferable(value);
    transfer.push(bytes.buffer);
    return bytes;
  }
  if (Array.isArray(value) && value.some((v) => v instanceof Uint8Array)) {
    return value.map((v) => prepareResult(v, transfer));
  }
  return value;
}

/**
 * Serves `engine` (the js/engine.js module shape) over `port` (a worker's `self`, a MessagePort).
 *
 * Documents live here and are named by numeric ids; calls on one document run one at a time, in
 * order. The engine is initialised on the first call (with the input of an `init` call, if one
 * came first).
 */
export function serve(engine, port) {
  const docs = new Map();
  const aborts = new Map();
  let nextDoc = 1;
  let ready = null;
  let initResult = null;

  const ensureInit = (input) => {
    if (!ready) ready = Promise.resolve(engine.init(input)).then((r) => { initResult = r; });
    return ready;
  };

  /** Bytes of the wasm linear memory, if the engine tells (memoryBytes()) or init returned the exports. */
  const wasmMemoryBytes = () => {
    if (typeof engine.memoryBytes === 'function') return engine.memoryBytes();
    const memory = initResult?.memory;
    return memory instanceof WebAssembly.Memory ? memory.buffer.byteLength : null;
  };

  const reviveArgs = (id, args) => args.map((arg) => {
    if (!isPlainObject(arg)) return arg;
    const out = {};
    for (const [key, v] of Object.entries(arg)) {
      if (isPlainObject(v) && '$fn' in v) {
        let last = 0;
        out[key] = (...cbArgs) => {
          const now = Date.now();
          const final = key === 'onProgress' && cbArgs.length >= 2 && cbArgs[0] >= cbArgs[1];
          if (key === 'onProgress' && !final && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          port.postMessage({ type: 'callback', id, key, args: cbArgs });
        };
      } else if (isPlainObject(v) && '$signal' in v) {
        const controller = new AbortController();
        aborts.set(id, controller);
        out[key] = controller.signal;
      } else {
        out[key] = v;
      }
    }
    return out;
  });

  const handle = async ({ id, doc: docId, method, args }) => {
    args = reviveArgs(id, args);
    if (method === 'init') {
      if (ready) throw new Error('bigedit: init() must come before the first open()');
      await ensureInit(args[0]);
      return { value: undefined };
    }
    await ensureInit(undefined);
    if (method === 'stats') {
      return { value: { wasmMemoryBytes: wasmMemoryBytes(), documents: docs.size } };
    }
    if (method === 'open' || method === 'openUrl') {
      const [source, opts] = args;
      const doc = method === 'open' ? engine.openBlob(source, opts ?? {}) : await engine.openUrl(source, opts ?? {});
      const newId = nextDoc++;
      docs.set(newId, { doc, queue: Promise.resolve() });
      return { value: newId, state: stateOf(doc) };
    }
    const entry = docs.get(docId);
    if (!entry) throw new Error(`bigedit: document ${docId} is closed`);
    // One call at a time per document: the engine's methods borrow the document across awaits.
    const run = entry.queue.then(async () => {
      const { doc } = entry;
      if (method === 'close') {
        docs.delete(docId);
        await doc.close();
        return { value: undefined };
      }
      if (!docs.has(docId)) throw new Error(`bigedit: document ${docId} is closed`);
      if (!DOCUMENT_METHODS.includes(method) || typeof doc[method] !== 'function') {
        throw new TypeError(DOCUMENT_METHODS.includes(method)
          ? `bigedit: ${method}() is not available in this engine build`
          : `bigedit: unknown method ${method}`);
      }
      const value = await doc[method](...args);
      return { value, state: stateOf(doc) };
    });
    entry.queue = run.catch(() => {});
    return run;
  };

  const onMessage = async (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'abort') {
      aborts.get(msg.id)?.abort(new DOMException('the operation was aborted', 'AbortError'));
      return;
    }
    if (msg.type !== 'call') return;
    try {
      const { value, state } = await handle(msg);
      const transfer = [];
      const prepared = prepareResult(value, transfer);
      port.postMessage({ type: 'result', id: msg.id, value: prepared, state }, transfer);
    } catch (err) {
      port.postMessage({ type: 'error', id: msg.id, ...serializeError(err) });
    } finally {
      aborts.delete(msg.id);
    }
  };

  if (typeof port.addEventListener === 'function') {
    port.addEventListener('message', onMessage);
    port.start?.();
  } else {
    port.onmessage = onMessage;
  }
}

/**
 * The main-thread end of the protocol: `call(doc, method, args)` returns a promise of
 * `{ value, state }`; option callbacks and AbortSignals in `args` are proxied.
 */
export class Client {
  #port;
  #pending = new Map();
  #nextId = 1;
  #broken = null;

  /** `port`: a Worker or MessagePort. */
  constructor(port) {
    this.#port = port;
    const onMessage = (event) => this.#onMessage(event.data);
    if (typeof port.addEventListener === 'function') {
      port.addEventListener('message', onMessage);
      port.start?.();
      port.addEventListener('error', (event) => this.#fail(event));
      port.addEventListener('messageerror', (event) => this.#fail(event));
    } else {
      port.onmessage = onMessage;
    }
  }

  /** Rejects every pending call and all later ones (the worker failed to load or crashed). */
  #fail(event) {
    event?.preventDefault?.();
    const detail = event?.message || (event?.error && event.error.message) || 'the worker failed';
    this.#broken = new Error(`bigedit: worker error: ${detail}`);
    for (const { reject } of this.#pending.values()) reject(this.#broken);
    this.#pending.clear();
  }

  #onMessage(msg) {
    const pending = this.#pending.get(msg?.id);
    if (!pending) return;
    if (msg.type === 'callback') {
      pending.callbacks[msg.key]?.(...msg.args);
      return;
    }
    this.#pending.delete(msg.id);
    pending.cleanup();
    if (msg.type === 'result') pending.resolve({ value: msg.value, state: msg.state });
    else pending.reject(deserializeError(msg));
  }

  /** Sends one call; resolves with `{ value, state }` or rejects with the worker's error. */
  call(doc, method, args = [], transfer = []) {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    const callbacks = {};
    let cleanup = () => {};
    const wire = args.map((arg) => {
      if (!isPlainObject(arg)) return arg;
      const out = {};
      for (const [key, v] of Object.entries(arg)) {
        if (typeof v === 'function') {
          callbacks[key] = v;
          out[key] = { $fn: key };
        } else if (typeof AbortSignal === 'function' && v instanceof AbortSignal) {
          if (v.aborted) {
            out[key] = { $signal: true };
            queueMicrotask(() => this.#port.postMessage({ type: 'abort', id }));
          } else {
            const onAbort = () => this.#port.postMessage({ type: 'abort', id });
            v.addEventListener('abort', onAbort, { once: true });
            cleanup = () => v.removeEventListener('abort', onAbort);
            out[key] = { $signal: true };
          }
        } else if (v !== undefined) {
          out[key] = v;
        }
      }
      return out;
    });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, callbacks, cleanup });
      try {
        this.#port.postMessage({ type: 'call', id, doc, method, args: wire }, transfer);
      } catch (err) {
        this.#pending.delete(id);
        cleanup();
        reject(err);
      }
    });
  }
}
