/**
 * Starts the training worker. From the built package (dist/) the worker is dist/fit-worker.js, a tsup entry next
 * to the bundle that spawns it. From TypeScript source (tests, `npx tsx …`) it is lib/train/fit-worker.ts, which
 * plain Node cannot load: a worker does not inherit the parent's module hooks and ignores `--import tsx` in its
 * execArgv on Node 20, so a two-line bootstrap registers tsx's loader inside the worker before importing it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** tsx's ESM register API, found from this file (require.resolve would give its CommonJS build, which cannot register). */
function tsxEsmApi(here: string): string {
  const pkgFile = createRequire(here).resolve('tsx/package.json');
  const exported = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).exports['./esm/api'].import.default as string;
  return pathToFileURL(path.join(path.dirname(pkgFile), exported)).href;
}

/** A new training worker; it waits for a StartMessage (worker-protocol.ts). */
export function spawnFitWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./fit-worker.js', here));
  const tsxApi = tsxEsmApi(here);
  const entry = new URL('./fit-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}
