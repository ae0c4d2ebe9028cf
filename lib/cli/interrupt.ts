/**
 * Ctrl-C during `neuroblas train`: the first SIGINT stops training (an AbortSignal into fit, which stops before its
 * next batch), the command says where the last epoch's checkpoint is and exits 130 (128 + SIGINT, as shells
 * report an interrupted command). A second Ctrl-C is the default one: the process ends at once (checkpoints are
 * written atomically, so the file is still the last whole one).
 */

/** Ends a command with this exit code; its message has been printed already. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CliExit';
  }
}

export const EXIT_INTERRUPTED = 130;

export interface InterruptWatch {
  signal: AbortSignal;
  /** Stops watching (the next Ctrl-C is the default one again). */
  dispose(): void;
}

export function watchInterrupt(): InterruptWatch {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
