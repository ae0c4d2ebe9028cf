/**
 * `npm run setup` prints only what a person needs (issue 12, item 17): one line per step, and a step's own output
 * (npm's warnings, tsup's file list, node-gyp's `gyp info` lines) only when that step fails, with its exit status.
 * scripts/setup.sh runs on a copy of itself with `npm` and `dpkg-query` stood in for on PATH (the real run, a clean
 * clone's setup leaving `git status` clean, takes minutes: .ci/run does it). And npm 11's "install scripts not yet
 * covered by allowScripts" warning has nothing to say: package.json approves every dependency that has one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/addon.js';

const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-setup-'));
afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

fs.mkdirSync(path.join(tree, 'scripts'));
fs.copyFileSync(path.join(repoRoot, 'scripts/setup.sh'), path.join(tree, 'scripts/setup.sh'));
const bin = path.join(tree, 'bin');
fs.mkdirSync(bin);
// Every system package is installed; npm prints what the real one does, and fails on the step named in FAIL.
fs.writeFileSync(path.join(bin, 'dpkg-query'), "#!/bin/sh\nprintf 'install ok installed'\n", { mode: 0o755 });
fs.writeFileSync(
  path.join(bin, 'npm'),
  `#!/bin/sh
echo "npm warn install-scripts 2 packages have install scripts not yet covered by allowScripts:"
echo "gyp info it worked if it ends with ok"
echo "CLI Building entry: lib/index.ts"
case "$*" in *"$FAIL"*) echo "npm error the step broke" >&2; exit 3;; esac
exit 0
`,
  { mode: 0o755 },
);

function setup(fail = 'nothing fails') {
  return spawnSync('bash', [path.join(tree, 'scripts/setup.sh')], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAIL: fail, NEUROBLAS_EXTRA_PACKAGES: '' },
    timeout: 30_000,
  });
}

describe('npm run setup', () => {
  it('prints one short line per step and nothing of the tools', () => {
    const r = setup();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(/^setup: .{1,120}$/);
    expect(r.stdout).not.toMatch(/gyp info|npm warn|CLI Building/);
  });

  it('fails loudly: the failing step, its status and its output', () => {
    const r = setup('build:addon');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/setup: native addon .* FAILED/);
    expect(r.stderr).toMatch(/npm run --silent build:addon' exited with status 3/);
    expect(r.stderr).toMatch(/gyp info it worked/);
    expect(r.stderr).toMatch(/npm error the step broke/);
  });

  it('package.json approves the install scripts of every dependency that has one, and quiets node-gyp and tsup', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([where, p]) => where !== '' && p.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts?.[name], name).toBe(true);
    expect(pkg.scripts['build:addon']).toMatch(/--loglevel=warn/);
    expect(pkg.scripts['build:ts']).toMatch(/--silent/);
  });
});
