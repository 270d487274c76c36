// bigedit — main-thread facade for browsers (js/index.js).
import type { DocumentApi, PassOptions, ProgressCallback } from './types.js';
export type * from './types.js';

/** Options of `open`. */
export interface OpenOptions {
  /** Default progress callback of full passes (index, find, replaceAll, save). */
  onProgress?: ProgressCallback;
  /** Buffer size of full passes, in bytes. */
  chunkSize?: number;
}

/** A document open in the worker. */
export declare class Document implements DocumentApi {
  private constructor();
  readonly size: number;
  readonly sourceSize: number;
  readonly lineCount: number | null;
  index: DocumentApi['index'];
  lines: DocumentApi['lines'];
  bytes: DocumentApi['bytes'];
  find: DocumentApi['find'];
  replaceLines: DocumentApi['replaceLines'];
  insertLines: DocumentApi['insertLines'];
  deleteLines: DocumentApi['deleteLines'];
  replaceAll: DocumentApi['replaceAll'];
  outline: DocumentApi['outline'];
  readSection: DocumentApi['readSection'];
  replaceSection: DocumentApi['replaceSection'];
  deleteSection: DocumentApi['deleteSection'];
  insertSection: DocumentApi['insertSection'];
  renameSection: DocumentApi['renameSection'];
  moveSection: DocumentApi['moveSection'];
  csvHeaders: DocumentApi['csvHeaders'];
  csvRows: DocumentApi['csvRows'];
  csvSet: DocumentApi['csvSet'];
  csvDelete: DocumentApi['csvDelete'];
  csvAppend: DocumentApi['csvAppend'];
  csvAddColumn: DocumentApi['csvAddColumn'];
  csvRemoveColumn: DocumentApi['csvRemoveColumn'];
  chunks: DocumentApi['chunks'];
  edits: DocumentApi['edits'];
  undo: DocumentApi['undo'];
  close: DocumentApi['close'];
  /** The edited document as pieces: Blob slices of the source (not copies) and new bytes. */
  pieces(): Promise<Array<Blob | Uint8Array<ArrayBuffer>>>;
  /** The edited document as one Blob, built from `pieces()` without copying untouched ranges. */
  blob(type?: string): Promise<Blob>;
  /** Saves to the OPFS file `name` (created or replaced). */
  save(name: string, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ name: string; size: number }>;
  /** Same as `save`. */
  saveToOpfs(name: string, opts?: Pick<PassOptions, 'onProgress'>): Promise<{ name: string; size: number }>;
}

/** Where the worker loads the wasm from (before the first `open`; optional). */
export declare function init(input?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** Opens a File or Blob in the shared worker. */
export declare function open(source: Blob, opts?: OpenOptions): Promise<Document>;
/** Figures from the worker: the wasm memory size (null if unknown) and open documents. */
export declare function stats(): Promise<{ wasmMemoryBytes: number | null; documents: number }>;
/** Ends the shared worker. */
export declare function terminate(): void;
