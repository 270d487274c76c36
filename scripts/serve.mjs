#!/usr/bin/env node
// A tiny static file server for the browser tests, the benchmark and `npm start`:
//   node scripts/serve.mjs [DIR] [--port N]     (default: the current directory, a free port)
// Serves DIR on 127.0.0.1 only, with the MIME types browsers insist on (application/wasm for
// WebAssembly.instantiateStreaming, text/javascript for module workers), single `Range` requests
// (206, with an ETag: the web editor opens URLs through them), and prints one line:
//   serving DIR at http://127.0.0.1:PORT/
// Also usable as a module: `const { url, close } = await serve(dir, { port })`.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Content types by extension. */
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * The byte range [start, end) a `Range` header asks of a file of `size` bytes: null for no
 * header (or one this server does not serve: several ranges, other units, which get the whole
 * file as HTTP allows), 'unsatisfiable' for a range past the end.
 */
export function byteRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || start >= end) return 'unsatisfiable';
  return [start, end];
}

/**
 * Serves `dir` on 127.0.0.1. Resolves with `{ url, port, server, close }` once listening.
 * Paths are confined to `dir` (no `..` escapes); directories serve their index.html.
 * `onRequest(req)` sees every request first (tests count the ranged reads).
 */
export function serve(dir, { port = 0, quiet = false, onRequest } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    onRequest?.(req);
    const log = (status) => { if (!quiet) console.log(`${status} ${req.method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ''}`); };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return log(405);
    }
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return log(400);
    }
    let file = path.join(root, path.normalize(rel));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('outside the served directory');
      return log(403);
    }
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        file = path.join(file, 'index.html');
        try { st = fs.statSync(file); } catch (e) { err = e; }
      }
      if (err || !st.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return log(404);
      }
      const headers = {
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'accept-ranges': 'bytes',
        etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs * 1000).toString(16)}"`,
        // Cross-origin isolation: lets pages use SharedArrayBuffer and precise memory measurement.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      };
      const range = byteRange(req.headers.range, st.size);
      if (range === 'unsatisfiable') {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${st.size}` }).end();
        return log(416);
      }
      const [start, end] = range ?? [0, st.size];
      const status = range ? 206 : 200;
      res.writeHead(status, {
        ...headers,
        'content-length': end - start,
        ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${st.size}` } : {}),
      });
      if (req.method === 'HEAD' || start === end) { res.end(); return log(status); }
      fs.createReadStream(file, { start, end: end - 1 }).pipe(res);
      log(status);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        port: actual,
        server,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  const args = process.argv.slice(2);
  let dir = '.';
  let port = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '-h' || args[i] === '--help') {
      console.log('usage: node scripts/serve.mjs [DIR] [--port N]');
      process.exit(0);
    } else dir = args[i];
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    console.error(`serve.mjs: ${dir}: not a directory`);
    process.exit(2);
  }
  const { url } = await serve(dir, { port, quiet: !process.env.SERVE_LOG });
  console.log(`serving ${path.resolve(dir)} at ${url}`);
}
