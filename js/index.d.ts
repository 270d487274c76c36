// bigedit — main-thread facade for browsers (js/index.js).
import type { DocumentApi, PassOptions, ProgressCallback } from './types.js';
export type * from './types.js';

/** Options of `open`. */
export interface OpenOptions {
  /** Default progress callback of full passes (index, find, replaceAll, save). */
  onProgress?: ProgressCallback;
  /** Size of the pieces full passes are fed, in bytes (default 1 MiB). */
  chunkSize?: number;
}

/** A document open in the worker. */
export declare class Document {
  private constructor();
  /** The edited document as pieces: Blob slices of the source (not copies) and new bytes. */
  pieces(): Promise<Array<Blob | Uint8Array<ArrayBuffer>>>;
  /** The edited document as one Blob, built from `pieces()` without copying untouched ranges. */
  blob(type?: string): Promise<Blob>;
  /** Saves to the OPFS file `name` (created or replaced). */
  save(name: string, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ name: string; size: number }>;
  /** Same as `save`. */
  saveToOpfs(name: string, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ name: string; size: number }>;
}
/** Every method of `DocumentApi` (declaration merging: one list for both facades). */
export interface Document extends DocumentApi {}

/** Where the worker loads the wasm from (before the first `open`; optional). */
export declare function init(input?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** Opens a File or Blob in the shared worker. */
export declare function open(source: Blob, opts?: OpenOptions): Promise<Document>;
/**
 * Opens an http(s) URL in the shared worker, read with Range GETs pinned to the ETag first seen
 * (cross-origin: the server must allow the origin and should expose Content-Range and ETag).
 * `save(name)` writes the edited document to OPFS; `blob()` is refused (no Blob source).
 */
export declare function openUrl(url: string | URL, opts?: OpenOptions): Promise<Document>;
/** Figures from the worker: the wasm memory size (null if unknown) and open documents. */
export declare function stats(): Promise<{ wasmMemoryBytes: number | null; documents: number }>;
/** Ends the shared worker. */
export declare function terminate(): void;
