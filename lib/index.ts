/** neuroblas: neural-network training for Node.js. The package's main export. */
export { NeuroblasError, type ErrorCode } from './errors.js';

// Backends: the kernel contract, the two implementations and how one is chosen.
export type {
  Backend,
  ActivationKind,
  SgdOptions,
  AdamOptions,
  RmspropOptions,
  AdagradOptions,
  AdadeltaOptions,
  AdamaxOptions,
  NadamOptions,
} from './backend/contract.js';
export { ACTIVATION_KINDS } from './backend/contract.js';
export {
  getBackend,
  activeBackend,
  backendInfo,
  nativeAvailable,
  setNumThreads,
  getNumThreads,
  type BackendInfo,
  type BackendName,
} from './backend/load.js';
export type { OpenblasInfo } from './backend/native.js';

// Tensors and the graph.
export { Tensor, tensor, scalar, zeros, ones, full, randn, rand, shapeSize, type Shape, type TensorOptions } from './tensor.js';
export { withBackend, useBackend, currentBackend } from './ops/current-backend.js';
export { noGrad, isGradEnabled } from './graph.js';
export * as ops from './ops/index.js';
export { Workspace } from './ops/workspace.js';
export { Random, manualSeed, defaultRandom } from './random.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';

// Layers, losses, initializers.
export * from './layers/index.js';
export {
  mseLoss,
  bceWithLogitsLoss,
  crossEntropyLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  klDivLoss,
  l2Penalty,
  getLoss,
  type BceWithLogitsOptions,
  type ClassWeights,
  type CrossEntropyOptions,
  type HuberOptions,
  type SmoothL1Options,
  type LossFn,
  type LossName,
  type LossOptions,
  type Target,
} from './losses.js';
export { initialize, computeFans, defaultInitializer, gainFor, type InitializerSpec, type InitializerName } from './init.js';

// Optimizers, schedules, early stopping; the training loop and its metrics.
export * from './optim/index.js';
// train/fit.ts and io/checkpoint.ts also attach model.fit/fitBlocking/evaluate/predict/predictProba and model.save/Sequential.load.
export {
  fit,
  fitBlocking,
  fitSync,
  evaluate,
  predict,
  predictProba,
  type FitOptions,
  type EvaluateOptions,
  type EvaluateResult,
  type Inputs,
  type PredictOptions,
  type Targets,
} from './train/fit.js';
export { closeTrainingWorkers, idleTrainingWorkers } from './train/worker/index.js';
export type { EpochLogs, BatchLogs, TrainContext, TrainingCallback, WeightsHolder } from './train/callbacks.js';
export {
  accuracy,
  argmax,
  classificationReport,
  confusionMatrix,
  FIT_METRIC_NAMES,
  formatConfusionMatrix,
  precisionRecall,
  rocAuc,
  topKAccuracy,
} from './train/metrics.js';
export type { AveragedScores, ClassificationReport, ClassScores, ConfusionMatrix } from './train/metrics.js';
export { regressionMetrics, RegressionAccumulator, type RegressionMetrics } from './train/regression-metrics.js';

// Data.
export { sharedFloat32, sharedInt32, type Dataset, type Split } from './data/dataset.js';
export { readIdx, parseIdx, type IdxArray } from './data/idx.js';
export { loadDigits, DIGITS_TRAIN_FRACTION } from './data/digits.js';
export { trainValidationSplit, type TrainValidationSplitOptions, type RowSplit } from './data/split.js';
export { fitNormalization, applyNormalization, type Normalization, type NormalizationKind } from './data/normalize.js';
export { loadFashionMnist, loadIdxPair, FASHION_MNIST_DIR, FASHION_CLASSES } from './data/fashion-mnist.js';

// Save and load.
export {
  registerLayer,
  layerFromConfig,
  registeredLayerTypes,
  checkConfigKeys,
  type LayerConfig,
  type LayerFactory,
} from './layers/registry.js';
export {
  saveModel,
  loadModel,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type SaveOptions,
  type LoadOptions,
  type Checkpoint,
} from './io/checkpoint.js';
export type { CallbackState, StatefulCallback } from './io/callback-io.js';
export type { EpochScheduleState, EpochScheduleType, ReduceLROnPlateauState } from './optim/schedules.js';
export type { EarlyStoppingState } from './optim/early-stopping.js';
export { encodeSafetensors, decodeSafetensors, type F32Tensor, type Safetensors } from './io/safetensors.js';
export { writeFileAtomic, type AtomicWriteOptions } from './io/atomic-write.js';
export { MAX_NESTING } from './io/checkpoint.js';
export type { StateShapes } from './layers/registry.js';
export {
  checkInputRange,
  inputRangeOf,
  INPUT_RANGE_FAR_SHARE,
  type InputRange,
  type InputRangeReport,
} from './data/input-range.js';
export { renderCurvesSvg, writeCurvesSvg, type CurvesOptions, type CurvesFileOptions } from './plot/svg-curves.js';
export type { RandomState } from './random.js';

// ONNX export and import (lib/io/onnx/).
export { exportOnnx, encodeOnnx, ONNX_OPSETS, type ExportOnnxOptions, type OnnxExportInfo } from './io/onnx/export.js';
export { importOnnx, readOnnx, decodeOnnx, type OnnxImport } from './io/onnx/import.js';
// Sequences: per-row lengths of a padded batch (Embedding with paddingIdx attaches them itself).
export { withLengths, lengthsOf } from './ops/sequence-lengths.js';
// Text and time series (issue 14): tokenizer, forecasting windows, and what checkpoints keep of them.
export {
  Tokenizer,
  TOKEN_LEVELS,
  PAD_ID,
  OOV_ID,
  PAD_TOKEN,
  OOV_TOKEN,
  type TokenLevel,
  type TokenizerOptions,
  type TokenizerJSON,
  type EncodedBatch,
} from './data/tokenizer.js';
export {
  seriesWindows,
  scaleWindow,
  unscaleTargets,
  checkSeriesScaling,
  SCALING_KINDS,
  type ScalingKind,
  type Series,
  type SeriesScaling,
  type WindowOptions,
  type WindowSet,
  type Windows,
} from './data/windows.js';
export { forecastInputShape } from './io/data-metadata.js';
// Data larger than memory: batch sources streamed from disk, for model.fit(source, options) / fitSource.
export { isBatchSource, type BatchDataset, type BatchSource, type SourceBatch } from './data/source.js';
export { csvBatches, type CsvStreamOptions } from './data/csv-stream.js';
export { idxBatches, type IdxStreamOptions } from './data/idx-stream.js';
export { fitSource, type SourceFitOptions } from './train/fit-source.js';
// Inputs kept as bytes (issue 15): a ByteTensor trains, evaluates and predicts as the floats it stands for, one batch
// converted at a time; the loaders' byte form never allocates the float copy.
export { ByteTensor, BYTE_SCALE } from './byte-tensor.js';
export { sharedUint8, type ByteDataset, type ByteSplit } from './data/dataset.js';
export { loadFashionMnistBytes, loadIdxPairBytes } from './data/fashion-mnist.js';
