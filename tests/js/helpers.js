// Shared helpers of the Node tests: the native CLI, input generators, temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The native CLI: $BIGEDIT_BIN, else $CARGO_TARGET_DIR/release/bigedit, else target/release/bigedit. */
export function cliPath() {
  const candidates = [
    process.env.BIGEDIT_BIN,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'release/bigedit'),
    path.join(ROOT, 'target/release/bigedit'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`native CLI not found (tried ${candidates.join(', ')}): run cargo build --release -p bigedit`);
  return found;
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'bigedit-js-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the CLI with its own index cache; returns stdout as bytes, throws with stderr on failure. */
export function runCli(args, { cacheDir } = {}) {
  const res = spawnSync(cliPath(), ['--lock-timeout', '5', ...args], {
    env: { ...process.env, BIGEDIT_CACHE_DIR: cacheDir ?? path.join(os.tmpdir(), 'bigedit-js-cli-cache') },
    maxBuffer: 1 << 28,
  });
  if (res.error) throw res.error;
  // `find` exits 1 when nothing matched, as grep does (its output is still the answer).
  const nothingFound = res.status === 1 && args.includes('find') && res.stderr.length === 0;
  if (res.status !== 0 && !nothingFound) {
    throw new Error(`bigedit ${args.join(' ')}: exit ${res.status}: ${res.stderr.toString().trim()}`);
  }
  return res.stdout;
}

const LEVELS = ['INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO'];

/** Line `n` of the generated log (the format of scripts/start.sh). */
export function logLine(n) {
  const p2 = (x) => String(x).padStart(2, '0');
  return `2026-11-25T12:${p2(Math.floor(n / 60) % 60)}:${p2(n % 60)}.${String(n % 1000).padStart(3, '0')}Z ` +
    `${LEVELS[n % 6].padEnd(5)} worker-${p2(n % 16)} request ${n} handled in ${(n * 7) % 997} ms\n`;
}

/** Writes log lines to `fd` until `done(lineNumber, bytesWritten)`; returns the line count. */
function writeLogUntil(fd, done) {
  let n = 0;
  let written = 0;
  for (;;) {
    const parts = [];
    let len = 0;
    while (len < 1 << 22 && !done(n, written + len)) {
      const line = logLine(++n);
      parts.push(line);
      len += line.length;
    }
    if (parts.length === 0) return n;
    written += fs.writeSync(fd, parts.join(''));
  }
}

/** Writes `lines` log lines to `file`. */
export function writeLog(file, lines) {
  const fd = fs.openSync(file, 'w');
  try {
    writeLogUntil(fd, (n) => n >= lines);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes at least `bytes` bytes of log lines to `file`; returns the line count. */
export function writeLogOfSize(file, bytes) {
  const fd = fs.openSync(file, 'w');
  try {
    return writeLogUntil(fd, (_, written) => written >= bytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** `writeLogOfSize` in a child process, so the caller's heap (and RSS) stays as it was. */
export function writeLogOfSizeInChild(file, bytes) {
  const helpers = new URL(import.meta.url).href;
  const code = `import(${JSON.stringify(helpers)}).then((h) => console.log(h.writeLogOfSize(${JSON.stringify(file)}, ${bytes})))`;
  const res = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`generating ${file}: ${res.stderr.trim()}`);
  return Number(res.stdout.trim());
}

/** The bytes of a case input (see tests/cases/edits.json). */
export function inputBytes(input) {
  if ('text' in input) return Buffer.from(input.text, 'utf8');
  if ('parts' in input) {
    return Buffer.concat(input.parts.map((p) => (typeof p === 'string'
      ? Buffer.from(p, 'utf8')
      : Buffer.from(p.hex.replace(/\s+/g, ''), 'hex'))));
  }
  if ('fixture' in input) return fs.readFileSync(path.join(ROOT, input.fixture));
  if (input.generate === 'log') {
    let s = '';
    for (let n = 1; n <= input.lines; n++) s += logLine(n);
    return Buffer.from(s);
  }
  throw new Error(`unknown input ${JSON.stringify(input)}`);
}

/** Lines of `bytes` without their endings (LF or CRLF), decoded lossily like the engine. */
export function splitLines(bytes) {
  const text = new TextDecoder().decode(bytes);
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Samples this process's RSS every 20 ms while `fn` runs: the peak growth over the start, in bytes. */
export async function peakRssGrowth(fn) {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, growth: peak - base, base, peak };
  } finally {
    clearInterval(timer);
  }
}
