/**
 * What a checkpoint keeps about the data a text model or a forecaster reads, beside its weights: the tokenizer
 * (metadata `tokenizer`, so a loaded model takes raw strings) and a forecaster's window, horizon and scaling
 * (`series_scaling`, so its predictions come back in the series' units). Both are checked against the model when
 * saved and when loaded: a tokenizer with more tokens than the model's Embedding has rows, or a scaling whose window
 * the model cannot take, would fail (or mislead) only at the first prediction otherwise.
 */
import { fail, NeuroblasError, type ErrorCode } from '../errors.js';
import { Tokenizer } from '../data/tokenizer.js';
import { checkSeriesScaling, type SeriesScaling } from '../data/windows.js';
import { Dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';

/** The first layer that is not a container. */
function firstLayer(model: Sequential): Layer | undefined {
  const first = model.layers[0];
  return first instanceof Sequential ? firstLayer(first) : first;
}

/**
 * The per-sample input shape a forecaster takes for `scaling`'s windows: `[window, features]` (a recurrent or
 * convolutional model) or `[window × features]` (an MLP on flat rows); null when it takes neither, or does not give
 * `horizon × targets` outputs per row.
 */
export function forecastInputShape(model: Sequential, scaling: SeriesScaling): number[] | null {
  const outputs = scaling.horizon * scaling.targets.length;
  for (const shape of [[scaling.window, scaling.features], [scaling.window * scaling.features]]) {
    try {
      const out = model.outputShape(shape);
      if (out.length === 1 && out[0] === outputs) return shape;
    } catch (e) {
      if (!(e instanceof NeuroblasError)) throw e;
    }
  }
  return null;
}

/** Whether the model reads token ids (an Embedding first) rather than bags of tokens (a Dense first). */
export function readsTokenIds(model: Sequential): boolean {
  const first = firstLayer(model) as (Layer & { numEmbeddings?: unknown }) | undefined;
  return first !== undefined && typeof first.numEmbeddings === 'number';
}

/** The tokenizer and the scaling against the model (`where` and `code` say who refuses: saveModel, or the file). */
export function checkTextAndSeries(
  model: Sequential,
  tokenizer: Tokenizer | undefined,
  scaling: SeriesScaling | undefined,
  where: string,
  code: ErrorCode,
): void {
  if (tokenizer !== undefined && scaling !== undefined)
    fail(code, `${where}: a tokenizer and a series scaling together; a model reads text or a series, not both`);
  if (tokenizer !== undefined) {
    const first = firstLayer(model) as (Layer & { numEmbeddings?: unknown }) | undefined;
    if (first !== undefined && typeof first.numEmbeddings === 'number' && first.numEmbeddings < tokenizer.size)
      fail(code, `${where}: the tokenizer has ${tokenizer.size} tokens, the model's ${first.type} only ${first.numEmbeddings} rows`);
    if (first instanceof Dense && first.inFeatures !== tokenizer.size)
      fail(
        code,
        `${where}: the tokenizer has ${tokenizer.size} tokens, the model's first Dense takes ${first.inFeatures} ` +
          '(a bag-of-tokens model takes one frequency per token)',
      );
  }
  if (scaling !== undefined && forecastInputShape(model, scaling) === null)
    fail(
      code,
      `${where}: the model does not map windows of ${scaling.window} steps × ${scaling.features} features ` +
        `to ${scaling.horizon * scaling.targets.length} outputs (horizon ${scaling.horizon} × ${scaling.targets.length} targets)`,
    );
}

function parsed(metadata: Record<string, string>, key: string, file: string): unknown {
  try {
    return JSON.parse(metadata[key]);
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: metadata "${key}" is not valid JSON (${(e as Error).message}): corrupted`, { cause: e });
  }
}

/** Re-throws a check's ERR_INVALID_ARG as the file's ERR_IO. */
function asFileError<T>(file: string, key: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof NeuroblasError && e.code === 'ERR_INVALID_ARG')
      throw new NeuroblasError('ERR_IO', `${file}: metadata "${key}" is not valid: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The tokenizer saved in the file, or null; ERR_IO when malformed. */
export function savedTokenizer(metadata: Record<string, string>, file: string): Tokenizer | null {
  if (metadata.tokenizer === undefined) return null;
  return asFileError(file, 'tokenizer', () => Tokenizer.fromJSON(parsed(metadata, 'tokenizer', file), 'tokenizer'));
}

/** The series scaling saved in the file, or null; ERR_IO when malformed. */
export function savedSeriesScaling(metadata: Record<string, string>, file: string): SeriesScaling | null {
  if (metadata.series_scaling === undefined) return null;
  return asFileError(file, 'series_scaling', () => checkSeriesScaling('series_scaling', parsed(metadata, 'series_scaling', file)));
}
