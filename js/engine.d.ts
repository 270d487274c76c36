// bigedit/worker — the worker-level engine (js/engine.js): run it in a Worker (openBlob) or any
// host that can read synchronously (openSource).
import type { DocumentApi, PassOptions, StagedEdit } from './types.js';
export type * from './types.js';

/** A byte source given by callbacks (Node and other hosts). */
export interface Source {
  /** Size in bytes. */
  size: number;
  /** Synchronous random read of up to `length` bytes at `offset`. */
  readAt(offset: number, length: number): Uint8Array;
  /** Sequential read of [start, end); each chunk is valid until the next one is requested. */
  stream(start: number, end: number): AsyncIterable<Uint8Array>;
}

/** A sink the edited document is streamed into. */
export interface Sink {
  /** Writes `bytes` at offset `at`. */
  write(bytes: Uint8Array, at: number): void;
  /** Makes the writes durable (called once at the end). */
  flush?(): void;
  /** Releases the sink. */
  close?(): void;
}

/** Options of `openBlob`/`openSource`. */
export interface EngineOpenOptions {
  /** Size of the pieces full passes are fed, in bytes (default 1 MiB). */
  chunkSize?: number;
}

/**
 * The worker-level document: reads are async, staged edits are kept in an overlay. It has every
 * member of the facade's `DocumentApi`, except that `edits`, `undo` and `close` are synchronous
 * here, plus `pieces`, `save(sink)` and `saveToOpfs`.
 */
export declare class Document {
  private constructor();
  /** Staged edits, oldest first. */
  edits(): StagedEdit[];
  /** Drops the last staged edit. */
  undo(): boolean;
  /** The edited document as Blob slices and new bytes: `new Blob(doc.pieces())`. */
  pieces(): Array<Blob | Uint8Array<ArrayBuffer>>;
  /** Streams the edited document into `sink`. */
  save(sink: Sink, opts?: Pick<PassOptions, 'onProgress'>): Promise<void>;
  /** Streams the edited document into an OPFS file (workers only). */
  saveToOpfs(name: string, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ name: string; size: number }>;
  close(): void;
}
// The asynchronous members, merged in from the facade's list (one list for both levels).
export interface Document extends Omit<DocumentApi, 'edits' | 'undo' | 'close'> {}

/** Loads the wasm (default: wasm/bigedit_wasm_bg.wasm beside engine.js). */
export declare function init(input?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
/** Loads the wasm synchronously. */
export declare function initSync(input: BufferSource | WebAssembly.Module): unknown;
/** Opens a Blob or File (workers only: random reads use FileReaderSync). */
export declare function openBlob(blob: Blob, opts?: EngineOpenOptions): Document;
/** Opens a callback source. */
export declare function openSource(source: Source, opts?: EngineOpenOptions): Document;
/** One answer of a synchronous ranged GET (the shape `UrlOpenOptions.readSync` returns). */
export interface SyncAnswer {
  status: number;
  header(name: string): string | null;
  body: Uint8Array;
}

/** Options of `openUrl`. */
export interface UrlOpenOptions extends EngineOpenOptions {
  /** The file name (default: the URL's last path segment). */
  name?: string;
  /** Replaces the global fetch of full passes. */
  fetch?: typeof fetch;
  /** Synchronous GET of random reads (default: XMLHttpRequest, workers only). */
  readSync?(url: string, start: number, end: number, headers: Record<string, string>): SyncAnswer;
}

/**
 * Opens an http(s) URL read with Range GETs, pinned to the ETag first seen (a later change
 * fails the read with "changed since it was opened").
 */
export declare function openUrl(url: string | URL, opts?: UrlOpenOptions): Promise<Document>;
