/** Shared by the ONNX tests: running a file in ONNX Runtime, differences, and the official checker (python3-onnx). */
import { spawnSync } from 'node:child_process';
import ort from 'onnxruntime-node';
import { expect } from 'vitest';

export const PYTHON = '/usr/bin/python3';

/** The outputs ONNX Runtime gives for `x` fed as the graph's input `[rows, ...sample]`. */
export async function ortRun(file: string, x: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(file);
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d; // NaN wins, so a NaN on one side fails the caller's bound
  }
  return max;
}

/**
 * Runs onnx.checker.check_model(full_check=True) on every file (one python process); returns "ok" lines or the
 * failures. Fails the test saying what to install when python3-onnx is missing.
 */
export function checkWithOnnxChecker(files: string[]): void {
  const script = [
    'import sys, onnx',
    'bad = []',
    'for f in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(f), full_check=True)',
    '    except Exception as e:',
    '        bad.append(f + ": " + str(e).splitlines()[0])',
    'print("\\n".join(bad) if bad else "all ok")',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  expect(run.stderr, 'python3-onnx must be installed (sudo apt-get install python3-onnx; npm run setup does this)').not.toMatch(
    /No module named/,
  );
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout.trim()).toBe('all ok');
}
