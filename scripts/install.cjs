#!/usr/bin/env node
// npm's install hook for neuroblas. It never fails the install, because the library works without the addon
// (the js backend) and a failed `npm install` helps nobody:
// - a prebuild that loads here (prebuilds/linux-x64/): node-gyp-build finds it and does nothing;
// - otherwise node-gyp-build builds from source (needs libopenblas-dev, g++, make, python3, node headers);
// - if that fails: one line saying the js backend will be used and how to get the native one, full log kept
//   in build/install.log, exit 0. The loader repeats the reason in one warning line when the library loads.
// npm hides the output of a dependency's install script that exits 0 (unless --foreground-scripts), so the
// loader's warning is the message users see; this line is for logs and `npm rebuild neuroblas`.
// npm ≥ 11 may leave this script unrun (allowScripts, --ignore-scripts): nothing breaks, node-gyp-build still
// finds the prebuild when the library loads, and without one the loader falls back to js with the same fix.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

// In a clone (not under node_modules) the developer builds on purpose (`npm run setup` / `npm run build`);
// building here too would compile the addon twice on every `npm install`.
if (!root.split(path.sep).includes('node_modules')) process.exit(0);

const built = path.join(root, 'build', 'Release', 'neuroblas.node');
const hadBuild = fs.existsSync(built);
const result = spawnSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, JOBS: process.env.JOBS ?? 'max' }, // node-gyp compiles on every core
});
if (result.status === 0) {
  if (!hadBuild && fs.existsSync(built))
    console.log(`neuroblas: no prebuild loads on ${process.platform}-${process.arch}; built the native addon from source (${built})`);
  process.exit(0);
}

const log = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
const logFile = path.join(root, 'build', 'install.log');
try {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, log);
} catch {
  // A read-only package folder: the one line below still says what to do.
}
// The missing piece, in one phrase: the compiler's or linker's first error (a missing cblas.h or libopenblas.a),
// else node-gyp's own error (no Python, no make, no headers), else its first error line.
const lines = log.split('\n').map((l) => l.trim());
const cause =
  lines.find((l) => !l.startsWith('gyp') && /fatal error|error:|cannot find/i.test(l)) ??
  lines.find((l) => l.startsWith('gyp ERR! stack Error:'))?.replace('gyp ERR! stack Error: ', '') ??
  lines.find((l) => l.includes('ERR!'));
const target = `${process.platform}-${process.arch}`;
console.log(
  `neuroblas: no prebuilt addon loads on ${target} and the source build failed` +
    `${cause ? ` (${cause.slice(0, 160)})` : ''}; the pure-TypeScript (js) backend will be used. ` +
    'For the native one: apt-get install libopenblas-dev g++ make python3 && npm rebuild neuroblas' +
    ` (log: ${logFile})`,
);
process.exit(0);
