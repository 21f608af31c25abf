#!/usr/bin/env node
/**
 * Compiles src/**\/*.ts to dist/**\/*.js (CommonJS, ES2022) with @swc/core, the transpiler the
 * tests use, so that bin/vvtvctl runs plain JavaScript. Type-checking stays with `tsc --noEmit`.
 *
 * Quick when nothing changed: dist/.build-stamp holds a SHA256 of every source file (path and
 * bytes), this script and the compiler's version; an equal hash only refreshes the stamp's mtime.
 * Files are written in place, each atomically, so a vvtvctl already running keeps working.
 *
 *   node scripts/build.js [--force] [--quiet]
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');

const args = new Set(process.argv.slice(2));
const say = (msg) => args.has('--quiet') || process.stderr.write(`[build] ${msg}\n`);

function sources(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sources(path.join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

function hashOf(files, swcVersion) {
  const h = createHash('sha256').update(`swc ${swcVersion}\n`).update(fs.readFileSync(__filename));
  for (const f of files) h.update(`\0${path.relative(ROOT, f)}\0`).update(fs.readFileSync(f));
  return h.digest('hex');
}

function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Removes compiled files whose source is gone (and empty folders), never the stamp. */
function prune(dir, keep) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      prune(p, keep);
      if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
    } else if (p !== STAMP && !keep.has(p)) fs.rmSync(p, { force: true });
  }
}

function main() {
  const files = sources(SRC);
  // The compiler's version from its package file: loading @swc/core is needed only to compile.
  const hash = hashOf(files, require('@swc/core/package.json').version);
  const built = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
  if (built === hash && !args.has('--force')) {
    const now = new Date();
    fs.utimesSync(STAMP, now, now);
    return;
  }
  const swc = require('@swc/core');
  const started = Date.now();
  say(`${built ? 'sources changed' : 'no build yet'}: compiling ${files.length} files from src/ into dist/ …`);
  const outputs = new Set();
  for (const f of files) {
    const out = path.join(DIST, path.relative(SRC, f)).replace(/\.ts$/, '.js');
    const { code } = swc.transformFileSync(f, {
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    writeAtomic(out, code);
    outputs.add(out);
  }
  prune(DIST, outputs);
  writeAtomic(STAMP, `${hash}\n`);
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`[build] failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
}
