/**
 * `import 'neuroblas'` never loads BullMQ or ioredis: only the `neuroblas/queue` subpath does. A child process
 * registers a module-resolution hook that refuses both packages, then imports the library's entry (from source,
 * through tsx); the same hook makes importing lib/queue fail, which shows the hook works.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.js';

const HOOK = `export async function resolve(specifier, context, next) {
  if (/^(bullmq|ioredis)(\\/|$)/.test(specifier)) throw new Error('refused to load ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

function importIn(child: string): Promise<{ code: number; out: string }> {
  const script = `${REGISTER} await import(${JSON.stringify(path.join(ROOT, child))}); console.log('imported');`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
    );
  });
}

describe('the core does not load the queue', () => {
  it('imports lib/index.ts with bullmq and ioredis refused; lib/queue needs them', async () => {
    const core = await importIn('lib/index.ts');
    expect(core.out).toContain('imported');
    expect(core.code).toBe(0);
    const queue = await importIn('lib/queue/index.ts');
    expect(queue.code).toBe(1);
    expect(queue.out).toMatch(/refused to load (bullmq|ioredis)/);
  }, 60_000);
});
