/** The library's version, from its package.json (written into checkpoints so a file says what made it). */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../backend/load.js';

let cached: string | undefined;

export function libraryVersion(): string {
  if (cached === undefined) {
    try {
      cached = String(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
    } catch {
      cached = 'unknown'; // a bundled copy without its package.json still saves; only this label is lost
    }
  }
  return cached;
}
