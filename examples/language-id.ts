/**
 * Language identification on real text: lines of Debian's fortunes in English, German, Spanish, Italian, Portuguese,
 * Czech, Polish and Esperanto (examples/fortunes.ts), split by FILE, so the test lines come from other collections than
 * the training ones. Two models read the same characters:
 *
 * - a character-level GRU: Embedding(vocabulary, 32, paddingIdx 0) → GRU(32 → 64, last step of each line) → Dense(64 →
 *   8), on each line's first 80 characters padded at the end (the GRU stops at each line's own length);
 * - the baseline, a bag-of-characters MLP: each line's character frequencies → Dense(128, relu) → Dense(8). It sees
 *   which characters occur, not in which order, so what the GRU gains over it is what the order of characters adds.
 *
 * Both train with Adam (lr 3e-3, batch 64) on at most 3,000 lines per language and are scored on at most 600 per
 * language: accuracy, per-language accuracy (recall) and the GRU's confusion matrix.
 *
 *   npm run example:language-id            # or: npx tsx examples/language-id.ts [epochs]
 */
import {
  Adam,
  Dense,
  Embedding,
  GRU,
  Sequential,
  Tensor,
  Tokenizer,
  classificationReport,
  confusionMatrix,
  currentBackend,
  formatConfusionMatrix,
  manualSeed,
  predict,
  argmax,
  type Backend,
  type ConfusionMatrix,
  type EpochLogs,
} from '../lib/index.js';
import { languageLines } from './fortunes.js';
import { onBackend } from './on-backend.js';

export interface LanguageIdOptions {
  epochs?: number; // 8
  /** Lines per language at most (training, test). */
  maxTrain?: number; // 3000
  maxTest?: number; // 600
  languages?: string[]; // all of examples/fortunes.ts's
  /** Characters per line the GRU reads. */
  maxLength?: number; // 80
  seed?: number; // 1
  backend?: Backend;
  log?: (line: string) => void;
}

export interface ModelScores {
  accuracy: number;
  /** Per language, in `languages` order: the share of its test lines classified as it (recall). */
  perLanguage: number[];
  matrix: ConfusionMatrix;
  history: EpochLogs[];
  seconds: number;
}

export interface LanguageIdResult {
  languages: string[];
  trainLines: number;
  testLines: number;
  vocabulary: number;
  gru: ModelScores;
  bag: ModelScores;
}

export function languageId(options: LanguageIdOptions = {}): Promise<LanguageIdResult> {
  return onBackend(options.backend, () => run(options));
}

async function trainAndScore(
  model: Sequential,
  x: Tensor,
  y: Int32Array,
  xTest: Tensor,
  yTest: Int32Array,
  o: { epochs: number; backend?: Backend; log: (line: string) => void; name: string },
): Promise<ModelScores> {
  const started = performance.now();
  const history = await model.fit(x, y, {
    optimizer: new Adam(model.parameters(), { lr: 3e-3, backend: o.backend }),
    epochs: o.epochs,
    batchSize: 64,
    validationData: [xTest, yTest],
    callbacks: {
      onEpochEnd: (l) =>
        o.log(
          `${o.name} epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${(100 * l.accuracy!).toFixed(1)}% · ` +
            `test acc ${(100 * l.valAccuracy!).toFixed(1)}% · ${l.seconds.toFixed(1)} s`,
        ),
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const classes = model.outputShape(xTest.shape.slice(1))[0];
  const pred = argmax(predict(model, xTest).data, yTest.length, classes);
  const matrix = confusionMatrix(pred, yTest, classes);
  const report = classificationReport(matrix);
  const accuracy = pred.reduce((n, p, i) => n + (p === yTest[i] ? 1 : 0), 0) / yTest.length;
  return { accuracy, perLanguage: Array.from(report.recall), matrix, history, seconds };
}

async function run(options: LanguageIdOptions): Promise<LanguageIdResult> {
  const { epochs = 8, maxTrain = 3000, maxTest = 600, maxLength = 80, seed = 1, backend, log = console.log } = options;
  const data = languageLines({ languages: options.languages, maxTrain, maxTest, seed });
  const L = data.languages.length;
  // The vocabulary comes from the training lines only; characters seen fewer than 3 times there are <unk>.
  const tokenizer = Tokenizer.fit(data.train.texts, { level: 'char', minCount: 3, length: maxLength });
  log(
    `backend: ${currentBackend().name}; ${data.train.texts.length} training lines from ${data.train.files.length} files, ` +
      `${data.test.texts.length} test lines from ${data.test.files.length} other files; ${L} languages ` +
      `(${data.languages.join(', ')}); ${tokenizer.size} characters`,
  );
  const ids = (texts: string[]) => new Tensor(tokenizer.encodeBatch(texts).ids, [texts.length, maxLength]);
  const bags = (texts: string[]) => new Tensor(tokenizer.bagOfTokens(texts), [texts.length, tokenizer.size]);

  manualSeed(seed);
  const gruModel = new Sequential([
    new Embedding(tokenizer.size, 32, { paddingIdx: 0 }),
    new GRU(32, 64, { returns: 'lastStep' }),
    new Dense(64, L),
  ]);
  const gru = await trainAndScore(gruModel, ids(data.train.texts), data.train.y, ids(data.test.texts), data.test.y, {
    epochs,
    backend,
    log,
    name: 'GRU',
  });
  manualSeed(seed);
  const bagModel = new Sequential([new Dense(tokenizer.size, 128, { activation: 'relu' }), new Dense(128, L)]);
  const bag = await trainAndScore(bagModel, bags(data.train.texts), data.train.y, bags(data.test.texts), data.test.y, {
    epochs,
    backend,
    log,
    name: 'bag-of-characters MLP',
  });
  return {
    languages: data.languages,
    trainLines: data.train.texts.length,
    testLines: data.test.texts.length,
    vocabulary: tokenizer.size,
    gru,
    bag,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number(process.argv[2] ?? 8);
  const r = await languageId({ epochs });
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(`\ntest accuracy (lines from files never trained on), ${epochs} epochs:`);
  console.log(`  character GRU            ${pct(r.gru.accuracy)}  (${r.gru.seconds.toFixed(0)} s)`);
  console.log(`  bag-of-characters MLP    ${pct(r.bag.accuracy)}  (${r.bag.seconds.toFixed(0)} s)`);
  console.log('\nper language     GRU     MLP');
  for (const [c, l] of r.languages.entries())
    console.log(`  ${l.padEnd(12)} ${pct(r.gru.perLanguage[c]).padStart(6)}  ${pct(r.bag.perLanguage[c]).padStart(6)}`);
  console.log('\nGRU confusion matrix (rows: true language):');
  console.log(formatConfusionMatrix(r.gru.matrix, r.languages));
  console.log('\nbag-of-characters MLP confusion matrix:');
  console.log(formatConfusionMatrix(r.bag.matrix, r.languages));
}
