/**
 * The `neuroblas` command: commander parses the arguments and dispatches to one file per command. Every failure
 * ends as one line on stderr, "neuroblas: <what is wrong>", and an exit code — 2 for a usage error (unknown flag,
 * bad value, missing argument), 1 for anything else (a missing file, bad data) — never a stack trace, unless
 * NEUROBLAS_DEBUG=1 asks for one.
 */
import { Command, CommanderError } from 'commander';
import { NeuroblasError } from '../errors.js';
import { libraryVersion } from '../io/version.js';
import { useBackend } from '../ops/current-backend.js';
import { registerEvaluate } from './evaluate.js';
import { registerInfo } from './info.js';
import { CliExit } from './interrupt.js';
import { registerPredict } from './predict.js';
import { registerQueue } from './queue.js';
import { registerTrain } from './train.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Commander's multi-line messages ("unknown option '--lrr'\n(Did you mean --lr?)") as one line. */
function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(' ');
}

export function buildProgram(): Command {
  const program = new Command('neuroblas');
  // Set before the subcommands are added: commander copies these settings into each of them.
  program
    .description('train, evaluate and run neural networks (native OpenBLAS kernels, pure-JS fallback)')
    .version(libraryVersion(), '-V, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (message, write) => write(`neuroblas: ${oneLine(message)}\n`) });
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerInfo(program);
  registerQueue(program);
  return program;
}

/** Runs the command line `argv` (process.argv form) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // --backend sets the graph's backend (useBackend) for this command only: runCli may run again in one process.
  const backendBefore = useBackend(null);
  useBackend(backendBefore);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CliExit) return e.exitCode;
    if (e instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0; commander has already printed the message.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (process.env.NEUROBLAS_DEBUG === '1') console.error(e);
    if (e instanceof NeuroblasError) {
      process.stderr.write(`neuroblas: ${oneLine(e.message)}\n`);
    } else {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`neuroblas: unexpected error: ${oneLine(message)} (NEUROBLAS_DEBUG=1 shows the stack; please report it)\n`);
    }
    return EXIT_FAILURE;
  } finally {
    useBackend(backendBefore);
  }
}
