#!/usr/bin/env node
// Bundles the CodeMirror 6 packages the page imports into www/dist/ (git-ignored), one ES module
// per package with the shared code split into chunks, so `@codemirror/state` exists once and the
// page's import map (www/index.html) points each bare specifier at its file. No CDN, no network:
// esbuild (a dev dependency) reads node_modules.
//
// Idempotent: does nothing when every output is newer than package-lock.json and this script.
//   node scripts/build-web.mjs [--force]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'www/dist');

/** The packages the page imports, by output name (the import map in www/index.html lists the same). */
export const PACKAGES = {
  state: '@codemirror/state',
  view: '@codemirror/view',
  commands: '@codemirror/commands',
  language: '@codemirror/language',
  'lang-markdown': '@codemirror/lang-markdown',
  search: '@codemirror/search',
  'lezer-highlight': '@lezer/highlight',
};

function fresh() {
  const inputs = [path.join(ROOT, 'package-lock.json'), fileURLToPath(import.meta.url)];
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  return Object.keys(PACKAGES).every((name) => {
    const out = path.join(OUT, `${name}.js`);
    return fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest;
  });
}

if (!process.argv.includes('--force') && fresh()) process.exit(0);
const { build } = await import('esbuild');
fs.rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: Object.entries(PACKAGES).map(([out, pkg]) => ({ in: pkg, out })),
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  outdir: OUT,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
console.log(`bundled CodeMirror 6 into ${path.relative(ROOT, OUT)}/`);
