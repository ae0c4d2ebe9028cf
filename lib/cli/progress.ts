/**
 * The live progress bar of `neuroblas train`: one bar per epoch on stderr (batch, running loss and accuracy,
 * samples/s, ETA), cleared when the epoch ends so the epoch's summary line takes its place.
 * Drawn only on a terminal; cli-progress redraws on its own timer, which runs because fit yields between batches.
 */
import cliProgress from 'cli-progress';
import type { BatchLogs, TrainingCallback } from '../train/callbacks.js';
import { pct } from './output.js';

export interface ProgressOptions {
  epochs: number;
  rows: number;
  batchSize: number;
  stream?: NodeJS.WriteStream;
}

/** The bar's callback, and `stop` for a training that ends without onTrainEnd (interrupted). */
export function progressBar(o: ProgressOptions): TrainingCallback & { stop(): void } {
  const stream = o.stream ?? process.stderr;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'epoch {epoch}/{epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {rate} samples/s | ETA {eta_formatted}',
      barsize: 24,
      clearOnComplete: true,
      hideCursor: true,
      etaBuffer: 40,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0,
    lossSum = 0,
    correct = 0,
    seen = 0,
    epoch = 0;

  return {
    onEpochBegin(e) {
      epoch = e;
      lossSum = correct = seen = 0;
      started = performance.now();
      bar.start(Math.ceil(o.rows / o.batchSize), 0, { epoch, epochs: o.epochs, loss: '—', acc: '—', rate: '—' });
    },
    onBatchEnd(l: BatchLogs) {
      // Running means over the epoch so far: steadier than the last batch's values.
      const n = Math.min(o.batchSize, o.rows - seen);
      seen += n;
      lossSum += l.loss * n;
      if (l.accuracy !== undefined) correct += l.accuracy * n;
      const seconds = (performance.now() - started) / 1000;
      bar.update(l.batch, {
        loss: (lossSum / seen).toFixed(4),
        acc: l.accuracy === undefined ? '—' : pct(correct / seen),
        rate: seconds > 0 ? Math.round(seen / seconds).toLocaleString('en-US') : '—',
      });
    },
    onEpochEnd() {
      bar.stop();
    },
    onTrainEnd() {
      bar.stop();
    },
    stop() {
      bar.stop();
    },
  };
}
