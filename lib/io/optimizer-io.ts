/**
 * An optimizer in a checkpoint: its state() split into JSON (type, hyper-parameters, step counts, and which
 * model parameter each of its parameters is) and tensors ("optimizer.<index>.<buffer>", e.g.
 * "optimizer.0.m"), and back: the class chosen by `type`, built on the model's parameters by name, then
 * loadState() (which checks every buffer against its parameter).
 *
 * Parameters are recorded by their model names ("0.weight") rather than by position, so an optimizer over
 * a subset of the model, or in another order, comes back over the same tensors.
 */
import type { Backend } from '../backend/contract.js';
import { NeuroblasError, fail } from '../errors.js';
import type { Sequential } from '../layers/sequential.js';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RMSprop, SGD, type Optimizer, type Parameter } from '../optim/index.js';
import { nonFiniteIndex, nonFiniteNumber } from './non-finite.js';
import type { F32Tensor } from './safetensors.js';

export const OPTIMIZER_TENSOR_PREFIX = 'optimizer.';

/** The JSON half; the buffers travel as tensors. */
export interface OptimizerRecord {
  type: string;
  hyper: Record<string, number | boolean>;
  step: number;
  paramSteps: number[];
  /** The model parameter each optimizer parameter is, by state_dict name. */
  params: string[];
}

/** How to make each optimizer before loadState() sets its real hyper-parameters (lr 0 is valid everywhere). */
const CONSTRUCTORS: Record<string, (params: Parameter[], backend: Backend) => Optimizer> = {
  sgd: (params, backend) => new SGD(params, { lr: 0, backend }),
  adam: (params, backend) => new Adam(params, { lr: 0, backend }),
  adamw: (params, backend) => new AdamW(params, { lr: 0, backend }),
  rmsprop: (params, backend) => new RMSprop(params, { lr: 0, backend }),
  adagrad: (params, backend) => new Adagrad(params, { lr: 0, backend }),
  adadelta: (params, backend) => new Adadelta(params, { lr: 0, backend }),
  adamax: (params, backend) => new Adamax(params, { lr: 0, backend }),
  nadam: (params, backend) => new NAdam(params, { lr: 0, backend }),
};

/** Splits an optimizer over `model`'s parameters into its JSON record and its buffers as tensors. */
export function optimizerToCheckpoint(
  optimizer: Optimizer,
  model: Sequential,
  where: string,
): { record: OptimizerRecord; tensors: Record<string, F32Tensor> } {
  if (typeof optimizer?.state !== 'function' || !Array.isArray(optimizer.params))
    fail('ERR_INVALID_ARG', `${where}: options.optimizer must be an optimizer (SGD, Adam, …)`);
  if (!Object.hasOwn(CONSTRUCTORS, optimizer.type))
    fail(
      'ERR_INVALID_ARG',
      `${where}: cannot save an optimizer of type "${optimizer.type}" (known: ${Object.keys(CONSTRUCTORS).join(', ')})`,
    );
  const byData = new Map(model.namedParameters().map(([, t]) => [t.data, t] as const));
  const names = new Map(model.namedParameters().map(([name, t]) => [t.data, name] as const));
  const params = optimizer.params.map((p, i) => {
    const name = names.get(p.data);
    if (name === undefined)
      fail(
        'ERR_INVALID_ARG',
        `${where}: the optimizer's parameter ${i} is not a parameter of ${model.name}; save the optimizer with the model it trains`,
      );
    return name;
  });
  const state = optimizer.state();
  const tensors: Record<string, F32Tensor> = {};
  for (const [key, data] of Object.entries(state.buffers)) {
    const param = byData.get(optimizer.params[Number(key.slice(0, key.indexOf('.')))].data)!;
    // A NaN would make a file that loadModel refuses (and a resumed run that diverges); say so while the old file is there.
    const bad = nonFiniteIndex(data);
    if (bad >= 0)
      fail(
        'ERR_BAD_DATA',
        `${where}: optimizer state ${OPTIMIZER_TENSOR_PREFIX}${key} holds ${data[bad]} at index ${bad}; not saving (training diverged?)`,
      );
    tensors[`${OPTIMIZER_TENSOR_PREFIX}${key}`] = { dtype: 'F32', shape: [...param.shape], data };
  }
  const record: OptimizerRecord = { type: state.type, hyper: state.hyper, step: state.step, paramSteps: state.paramSteps ?? [], params };
  return { record, tensors };
}

/**
 * Rebuilds the optimizer of `record` over `model`'s parameters, with its buffers from `tensors` (keys
 * without the "optimizer." prefix). Every problem is an ERR_IO naming `file`.
 */
export function optimizerFromCheckpoint(
  record: unknown,
  buffers: Record<string, Float32Array>,
  model: Sequential,
  backend: Backend,
  file: string,
): Optimizer {
  const bad: (what: string) => never = (what) => fail('ERR_IO', `${file}: the saved optimizer ${what}`);
  if (typeof record !== 'object' || record === null || Array.isArray(record)) bad('must be a JSON object');
  const r = record as Partial<OptimizerRecord>;
  const overflow = nonFiniteNumber(r);
  if (overflow !== null) fail('ERR_IO', `${file}: the saved optimizer: ${overflow.path} is ${overflow.value}: corrupted`);
  // A NaN in a moment estimate would load silently and poison every later step of the resumed run.
  for (const [key, data] of Object.entries(buffers)) {
    const at = nonFiniteIndex(data);
    if (at >= 0) fail('ERR_IO', `${file}: optimizer state "${OPTIMIZER_TENSOR_PREFIX}${key}" holds ${data[at]} at index ${at}: corrupted`);
  }
  if (typeof r.type !== 'string' || !Object.hasOwn(CONSTRUCTORS, r.type))
    bad(`has type ${JSON.stringify(r.type)}; known: ${Object.keys(CONSTRUCTORS).join(', ')}`);
  if (!Array.isArray(r.params) || r.params.length === 0) bad('lists no parameters');
  const byName = new Map(model.namedParameters());
  const params = r.params!.map(
    (name) => byName.get(name as string) ?? bad(`updates parameter ${JSON.stringify(name)}, which the model does not have`),
  );
  try {
    const optimizer = CONSTRUCTORS[r.type!](params, backend);
    optimizer.loadState({
      type: r.type!,
      hyper: r.hyper as Record<string, number | boolean>,
      step: r.step as number,
      paramSteps: r.paramSteps,
      buffers,
    });
    return optimizer;
  } catch (e) {
    if (!(e instanceof NeuroblasError)) throw e;
    throw new NeuroblasError('ERR_IO', `${file}: the saved optimizer state cannot be restored (${e.message})`, { cause: e });
  }
}
