/**
 * `neuroblas` with wrong flags, bad values and missing files: exit 2 (usage) or 1, one clear line, no stack trace.
 * Two cases run as real processes (the exit code as a shell sees it); the rest in-process, which is much faster.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../../lib/ops/current-backend.js';
import { expectOneLineError, runCli, runInProcess, type CliResult } from './run-cli.js';

/** In-process runs one at a time: they share this process's stdout and stderr. */
async function each(...argLists: string[][]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const args of argLists) results.push(await runInProcess(args));
  return results;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-cli-errors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('usage errors exit 2', () => {
  it('an unknown flag, with a suggestion on the same line', async () => {
    expectOneLineError(await runCli(['train', '--data', 'digits', '--lrr', '0.1']), 2, /unknown option '--lrr' \(Did you mean --lr\?\)/);
  });

  it('bad values: --lr abc, --layers 784-x, --epochs 0, --activation nope, --validation-split 1', async () => {
    const [lr, layers, epochs, activation, split] = await each(
      ['train', '--data', 'digits', '--lr', 'abc'],
      ['train', '--data', 'digits', '--layers', '784-x'],
      ['train', '--data', 'digits', '--epochs', '0'],
      ['train', '--data', 'digits', '--activation', 'nope'],
      ['train', '--data', 'digits', '--validation-split', '1'],
    );
    expectOneLineError(lr, 2, /option '--lr <rate>' argument 'abc' is invalid\. Expected a number\./);
    expectOneLineError(layers, 2, /option '--layers <widths>' argument '784-x' is invalid\. "x" is not a positive integer/);
    expectOneLineError(epochs, 2, /'--epochs <n>' argument '0' is invalid\. Expected a positive integer/);
    expectOneLineError(activation, 2, /'--activation <name>' argument 'nope' is invalid\. Allowed choices are sigmoid, tanh, relu/);
    expectOneLineError(split, 2, /'--validation-split <fraction>' argument '1' is invalid/);
  });

  it('a missing required option, a missing argument, an unknown command', async () => {
    const [noData, noModel, unknown] = await each(['train'], ['evaluate', '--data', 'digits'], ['trian']);
    expectOneLineError(noData, 2, /required option '--data <source>' not specified/);
    expectOneLineError(noModel, 2, /missing required argument 'model'/);
    expectOneLineError(unknown, 2, /unknown command 'trian' \(Did you mean train\?\)/);
  });
});

describe('missing files and bad data exit 1', () => {
  it('a --data path, IDX directory or model file that does not exist', async () => {
    const empty = path.join(dir, 'empty-idx-dir');
    fs.mkdirSync(empty);
    const missingCsv = path.join(dir, 'missing.csv');
    const data = await runCli(['train', '--data', missingCsv]);
    const [idxDir, model] = await each(['train', '--data', empty], ['evaluate', path.join(dir, 'none.safetensors'), '--data', 'digits']);
    expectOneLineError(data, 1, new RegExp(`--data ${missingCsv}: no such file or directory`));
    expectOneLineError(idxDir, 1, /no train-images-idx3-ubyte\[\.gz\] there/);
    expectOneLineError(model, 1, /none\.safetensors: cannot read the checkpoint: no such file/);
  });

  it(
    'bad CSV data points at file:line:column; --layers that do not fit the data name the flag; ' + '--save into a missing directory',
    async () => {
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, 'a,b,y\n1,2,0\n3,oops,1\n');
      const good = path.join(dir, 'good.csv');
      fs.writeFileSync(good, `a,b,y\n${Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2}`).join('\n')}\n`);
      const [csv, layers, save] = await each(
        ['train', '--data', bad],
        ['train', '--data', good, '--layers', '784-10-2'],
        ['train', '--data', good, '--save', path.join(dir, 'no/such/dir/m.safetensors')],
      );
      expectOneLineError(csv, 1, /bad\.csv:3:3: "oops" in column 2 \(b\) is not a number/);
      expectOneLineError(layers, 1, /--layers starts with 784 inputs, but .*good\.csv has 2 features per row \(use --layers 2-10-2\)/);
      expectOneLineError(save, 1, /--save .*m\.safetensors: directory .*no\/such\/dir does not exist/);
    },
  );
});

describe('--backend goes through the library, and a backend that cannot run is an error', () => {
  // An addon path that does not exist: native cannot load in the child process.
  const noAddon = { NEUROBLAS_ADDON_PATH: path.join(dir, 'missing.node') };

  it('--backend native without a loadable addon fails saying why (exit 1), before any work', async () => {
    const r = await runCli(['train', '--data', 'digits', '--epochs', '1', '--backend', 'native'], noAddon);
    expectOneLineError(
      r,
      1,
      /^neuroblas: --backend native cannot be used: native backend unavailable: NEUROBLAS_ADDON_PATH=.*missing\.node does not exist/,
    );
  });

  it('--backend js wins over NEUROBLAS_BACKEND, and info still reports why native is unavailable', async () => {
    const r = await runCli(['info', '--json', '--backend', 'js'], { ...noAddon, NEUROBLAS_BACKEND: 'native' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const info = JSON.parse(r.stdout.trim().split('\n')[0]);
    expect(info).toMatchObject({ backend: 'js', reason: '--backend js', openblas: null });
    expect(info.nativeError).toMatch(/missing\.node does not exist/);
  });

  it("in one process, a command's --backend does not outlive the command", async () => {
    const before = currentBackend();
    const other = before.name === 'js' ? 'native' : 'js';
    const [r] = await each(['info', '--json', '--backend', other]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n')[0])).toMatchObject({ backend: other, reason: `--backend ${other}` });
    expect(currentBackend()).toBe(before);
  });
});
