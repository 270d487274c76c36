// Saving: stream the edited document into OPFS (after checking the storage estimate) with a
// progress bar and Cancel, then offer Download, and Save back to the user's file where the File
// System Access API gave a handle. The original file is never written until Save back.

import { $, ui } from './state.js';
import { fmtBytes } from './format.js';
import { say, fail, isAbort, withProgress } from './status.js';
import { openFile } from './app.js';

/** The OPFS name of the edited copy of `name`. */
function opfsName(name) {
  return `edited-${name.replace(/[\\/:*?"<>|]/g, '_')}`;
}

/** Hides the result of an earlier save (its download link, save back). */
export function clearSaved() {
  const status = $('save-status');
  status.textContent = '';
  delete status.dataset.name;
  const a = $('download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.removeAttribute('href');
  a.hidden = true;
  $('save-back').hidden = true;
}

$('save').addEventListener('click', async () => {
  const doc = ui.doc;
  if (!doc) return;
  const name = opfsName(ui.file.name);
  clearSaved();
  try {
    const { quota = Infinity, usage = 0 } = (await navigator.storage.estimate?.()) ?? {};
    const free = quota - usage;
    if (doc.size > free) {
      $('save-status').textContent = `not saved: the edited file needs ${fmtBytes(doc.size)} but the browser grants only ${fmtBytes(free)} of storage here`;
      say('not enough browser storage to save (free some space or use Download without saving)', true);
      return;
    }
    const started = performance.now();
    // The engine writes NAME.bigedit-tmp and moves it over NAME at the end: a cancelled or
    // failed save removes the temporary file and leaves NAME as it was.
    const res = await withProgress(`Saving ${name}`, (onProgress, signal) => doc.saveToOpfs(name, { onProgress, signal }));
    if (doc !== ui.doc) return;
    const secs = (performance.now() - started) / 1000;
    $('save-status').textContent = `saved ${res.name} (${fmtBytes(res.size)} in ${secs.toFixed(1)} s)`;
    $('save-status').dataset.name = res.name;
    const root = await navigator.storage.getDirectory();
    const saved = await (await root.getFileHandle(res.name)).getFile();
    const a = $('download');
    a.href = URL.createObjectURL(saved);
    a.download = ui.file.name;
    a.hidden = false;
    $('save-back').hidden = !ui.handle;
    say('saved to browser storage; the original file is unchanged until you download or save back');
  } catch (e) {
    $('save-status').textContent = isAbort(e) ? 'not saved (cancelled)' : 'not saved';
    fail(e);
  }
});

$('save-back').addEventListener('click', async () => {
  const handle = ui.handle;
  const name = $('save-status').dataset.name;
  if (!handle || !name) return;
  try {
    if ((await handle.requestPermission?.({ mode: 'readwrite' })) === 'denied') {
      return say('permission to write the file was denied', true);
    }
    const root = await navigator.storage.getDirectory();
    const saved = await (await root.getFileHandle(name)).getFile();
    await withProgress(`Writing ${handle.name}`, async (onProgress) => {
      const out = await handle.createWritable();
      let done = 0;
      const counter = new TransformStream({
        transform(chunk, ctl) { done += chunk.byteLength; onProgress(done, saved.size); ctl.enqueue(chunk); },
      });
      await saved.stream().pipeThrough(counter).pipeTo(out);
    });
    say(`wrote ${handle.name}; reopening it`);
    await openFile(await handle.getFile(), handle);
  } catch (e) {
    fail(e);
  }
});
