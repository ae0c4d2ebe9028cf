/**
 * `npm pack` ships the prebuild the README promises (issue 12, item 16). The prepack script builds dist/ and checks
 * that prebuilds/linux-x64/neuroblas.glibc.node exists and is newer than every native source; otherwise the pack
 * fails, saying to run `npm run build:prebuild` (a tarball without it would compile from source at every install).
 * The check runs on a copy of the tree's native sources in a temporary folder, with a stand-in prebuild.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/addon.js';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-prepack-'));
afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

const prebuild = path.join(tree, 'prebuilds/linux-x64/neuroblas.glibc.node');

function check(): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync('bash', [path.join(tree, 'scripts/prebuild.sh'), '--check'], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function touch(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
}

describe('npm pack (prepack)', () => {
  it('builds dist/ and checks the prebuild', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build:ts/);
    expect(pkg.scripts.prepack).toMatch(/scripts\/prebuild\.sh --check/);
  });

  it('fails without a prebuild, or with one older than the native sources, saying what to run', () => {
    fs.mkdirSync(path.join(tree, 'scripts'));
    fs.copyFileSync(path.join(repoRoot, 'scripts/prebuild.sh'), path.join(tree, 'scripts/prebuild.sh'));
    fs.cpSync(path.join(repoRoot, 'native'), path.join(tree, 'native'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'binding.gyp'), path.join(tree, 'binding.gyp'));
    for (const f of [path.join(tree, 'binding.gyp'), ...fs.readdirSync(path.join(tree, 'native')).map((f) => path.join(tree, 'native', f))])
      touch(f, 100);

    const missing = check();
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/prebuilds\/linux-x64\/neuroblas\.glibc\.node is missing.*npm run build:prebuild/);

    fs.mkdirSync(path.dirname(prebuild), { recursive: true });
    fs.writeFileSync(prebuild, 'stand-in');
    touch(prebuild, 50);
    expect(check().status, 'a prebuild newer than every source').toBe(0);

    touch(path.join(tree, 'native/gemm.cc'), 10);
    const stale = check();
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/older than native\/gemm\.cc.*npm run build:prebuild/);
  });
});
