// bigedit — Node entry (js/node.js): the same Document API over a file path.
import type { DocumentApi, PassOptions, ProgressCallback } from './types.js';
import type { Sink } from './engine.js';
export type * from './types.js';
export { openSource } from './engine.js';
export type { Source, Sink } from './engine.js';

/** Options of `open`. */
export interface OpenOptions {
  /** Default progress callback of full passes (index, find, replaceAll, save). */
  onProgress?: ProgressCallback;
  /** Buffer size of full passes, in bytes (default 1 MiB). */
  chunkSize?: number;
}

/** A document over a file on disk; edits are staged until `save`. */
export declare class Document {
  private constructor();
  /** The path (or URL) the document was opened from. */
  readonly path: string;
  /**
   * Writes the edited document to `target` atomically (temp file in its directory, fsync, rename,
   * directory fsync). Saving over the document's own file is safe and reopens the document on it.
   */
  save(target: string | URL, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ path: string; size: number }>;
  /** Streams the edited document into a sink (no atomicity beyond the sink's own). */
  save(target: Sink, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ size: number }>;
}
/** Every method of `DocumentApi` (declaration merging: one list for both facades). */
export interface Document extends DocumentApi {}

/** Loads the wasm synchronously (bytes, a Module, or a path/URL of the .wasm); optional. */
export declare function init(input?: string | URL | BufferSource | WebAssembly.Module): void;
/** Opens the file at `path`. */
export declare function open(path: string | URL, opts?: OpenOptions): Promise<Document>;
/**
 * Opens an http(s) URL read with Range GETs, pinned to the ETag first seen; `save(path)` writes
 * the edited document to a file (the URL is never written).
 */
export declare function openUrl(url: string | URL, opts?: OpenOptions): Promise<Document>;
