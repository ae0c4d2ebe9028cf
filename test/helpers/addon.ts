/**
 * The compiled addon file, for the tests that bypass lib/ (direct calls, worker threads). It is built
 * before the tests run (`npm run build:addon`); a missing file is a failure, reported with how to build it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeuroblasError } from '../../lib/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** build/Release's, or NEUROBLAS_ADDON_PATH's as the loader honors it (the sanitizer run: scripts/sanitize.sh). */
export const addonFile = process.env.NEUROBLAS_ADDON_PATH
  ? path.resolve(process.env.NEUROBLAS_ADDON_PATH)
  : path.join(repoRoot, 'build', 'Release', 'neuroblas.node');

export type RawAddon = Record<string, (...args: unknown[]) => unknown>;

/** The addon's exports, loaded with require as node-gyp-build would, with the library's error class set. */
export function loadAddon(): RawAddon {
  if (!fs.existsSync(addonFile)) throw new Error(`${path.relative(repoRoot, addonFile)} is missing: build it with \`npm run build:addon\``);
  const addon = createRequire(import.meta.url)(addonFile) as RawAddon;
  addon.setErrorClass(NeuroblasError);
  return addon;
}
