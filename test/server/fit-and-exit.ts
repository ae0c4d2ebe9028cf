/**
 * A script that trains with fit (in a worker, which the pool then keeps idle) and does nothing else: the process
 * must exit by itself. Run by worker-pool.test.ts as `node --import tsx test/server/fit-and-exit.ts`.
 */
import { SGD, fit, idleTrainingWorkers } from '../../lib/index.js';
import { blobs, makeModel } from './fixtures.js';

const { x, y } = blobs(200);
const model = makeModel(5);
const history = await fit(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), epochs: 2, batchSize: 32, worker: true });
process.stdout.write(JSON.stringify({ epochs: history.length, idle: idleTrainingWorkers() }));
