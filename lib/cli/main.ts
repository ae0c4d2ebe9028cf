/** The `neuroblas` executable's entry (bin/neuroblas.js runs the built copy, dist/cli.js). */
import { runCli } from './program.js';

// `neuroblas predict … | head`: the reader has gone, so stop quietly, as Unix tools do, instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// No top-level await: tsup also builds this entry as CommonJS.
void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
