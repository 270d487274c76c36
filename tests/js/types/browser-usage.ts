// Typed usage of the browser facade, checked with `tsc --noEmit -p tests/js/types/tsconfig.browser.json`.
import {
  init, open, terminate, type Chunk, type CsvCount, type CsvIndexInfo, type CsvReport, type CsvRow,
  type Document, type Match,
} from 'bigedit';

export async function edit(file: File): Promise<number | null> {
  await init(new URL('/wasm/bigedit_wasm_bg.wasm', location.href));
  const doc: Document = await open(file, { onProgress: (done, total) => console.log(done / total) });
  const info = await doc.index({ signal: AbortSignal.timeout(60_000) });
  const ending: 'LF' | 'CRLF' | 'mixed' | 'none' = info.ending;
  const lines: string[] = await doc.lines(1, Math.min(10, info.lines));
  const hits: Match[] = await doc.find('ERROR', { regex: false, max: 10 });
  await doc.replaceLines(hits[0]?.line ?? 1, hits[0]?.line ?? 1, 'fixed');
  const bytes: Uint8Array = await doc.bytes(0, 16);
  const saved: { name: string; size: number } = await doc.save('out.log');
  const blob: Blob = await doc.blob('text/plain');
  const info2: CsvIndexInfo = await doc.csvIndex({ onProgress: (d, t) => console.log(d, t), delimiter: ';' });
  const newline: 'LF' | 'CRLF' | 'CR' = info2.newline;
  const rows: CsvRow[] = await doc.csvRows(1, Math.min(5, info2.records), { where: ['city=Paris'] });
  const fields: string[] = rows[0]?.fields ?? [];
  const count: CsvCount = await doc.csvCount({ where: ['city=Paris'], signal: AbortSignal.timeout(1000) });
  const report: CsvReport = await doc.csvSet({ where: ['city=Paris'], set: ['status=done'], strict: true });
  const skipped: number = report.skippedCount + report.skipped.length + count.skipped;
  await doc.csvDelete({ where: ['status=old'] });
  await doc.csvAddColumn('zip', '', { after: 'city' });
  await doc.csvRemoveColumn('zip');
  await doc.csvSetCell(1, 'city', 'Lyon');
  const chunks: Chunk[] = await doc.chunks({ maxBytes: 4096, format: 'md', withText: true });
  const heading: string[] | undefined = chunks[0]?.headingPath;
  console.log(newline, fields, skipped, heading);
  // @ts-expect-error csvSet needs `set`
  await doc.csvSet({ where: [] });
  await doc.moveSection('Install', { before: 'Usage' });
  const undone: boolean = await doc.undo();
  console.log(ending, lines, bytes, saved, blob, rows, undone);
  const n = doc.lineCount;
  await doc.close();
  terminate();
  return n;
}

// @ts-expect-error the browser facade opens Blobs, not paths
open('/tmp/x.log');
