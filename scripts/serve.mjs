#!/usr/bin/env node
// A tiny static file server for the browser tests, the benchmark and `npm start`:
//   node scripts/serve.mjs [DIR] [--port N]     (default: the current directory, a free port)
// Serves DIR on 127.0.0.1 only, with the MIME types browsers insist on (application/wasm for
// WebAssembly.instantiateStreaming, text/javascript for module workers), and prints one line:
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
 * Serves `dir` on 127.0.0.1. Resolves with `{ url, port, server, close }` once listening.
 * Paths are confined to `dir` (no `..` escapes); directories serve their index.html.
 */
export function serve(dir, { port = 0, quiet = false } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const log = (status) => { if (!quiet) console.log(`${status} ${req.method} ${req.url}`); };
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
      res.writeHead(200, {
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
        // Cross-origin isolation: lets pages use SharedArrayBuffer and precise memory measurement.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      if (req.method === 'HEAD') { res.end(); return log(200); }
      fs.createReadStream(file).pipe(res);
      log(200);
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
