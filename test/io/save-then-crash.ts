/**
 * Run in a child process by checkpoint-atomic.test.ts: starts saving a model (other weights than the file
 * at argv[2] holds) and is killed with SIGKILL at the worst moment, after the temporary file is fully
 * written and before the rename. Nothing of the save may reach the target.
 */
import { saveModel } from '../../lib/index.js';
import { makeModel } from './checkpoint-fixtures.js';

const target = process.argv[2];
saveModel(target, makeModel(99), {
  beforeRename: (temp) => {
    console.log(JSON.stringify({ temp }));
    process.kill(process.pid, 'SIGKILL');
  },
});
console.log(JSON.stringify({ error: 'the process survived SIGKILL' }));
