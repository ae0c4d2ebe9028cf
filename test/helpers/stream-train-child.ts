/**
 * Run by test/data/bigger-than-memory.test.ts in a child process with a small V8 heap (--max-old-space-size):
 * trains one epoch on a CSV file through csvBatches (seeded shuffle buffer) and prints one JSON line with the rows
 * seen, the loss, and the resident set size after the first batches and at its peak. Arguments: the CSV file, its feature count.
 */
import { csvBatches, Dense, Sequential, SGD } from '../../lib/index.js';

const [file, featuresText] = process.argv.slice(2);
const features = Number(featuresText);
const model = new Sequential([new Dense(features, 32, { activation: 'relu' }), new Dense(32, 3)]);
const BATCH = 512;
let rows = 0;
let warmRss = 0;
let peakRss = 0;
const history = await model.fit(csvBatches(file, { classes: 3, batchSize: BATCH, shuffleBuffer: 4096, seed: 1 }), {
  optimizer: new SGD(model.parameters(), { lr: 0.05 }),
  epochs: 1,
  callbacks: {
    onBatchEnd: (l) => {
      rows += BATCH;
      // After the first batches (modules compiled, buffers allocated), then the most it reaches.
      if (l.batch === 16) warmRss = process.memoryUsage().rss;
      if (l.batch % 16 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  },
});
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const maxRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ rows, loss: history[0].loss, accuracy: history[0].accuracy, warmRss, peakRss, maxRss })}\n`);
