// Typed usage of the Node entry, checked with `tsc --noEmit -p tests/js/types/tsconfig.node.json`.
import { open, init, openSource, type Document } from 'bigedit';

export async function edit(path: string): Promise<{ path: string; size: number }> {
  init();
  const doc: Document = await open(path, { onProgress: (done: number, total: number) => void [done, total] });
  await doc.index();
  const count: number | null = doc.lineCount;
  const first: string[] = await doc.lines(1, 1);
  await doc.replaceLines(1, 1, `${first[0]} (${count} lines)`);
  const out = await doc.save(path + '.new');
  await doc.close();
  const src = openSource({ size: 0, readAt: () => new Uint8Array(0), async *stream() {} });
  src.close();
  return out;
}

// @ts-expect-error save takes a path, not options only
export const bad = (d: Document) => d.save({ onProgress() {} });
