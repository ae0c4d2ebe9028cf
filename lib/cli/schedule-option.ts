/**
 * `--lr-schedule` and `--early-stopping`: their syntax, checked when the flags are parsed (a usage error, exit 2,
 * before any data is read), and the callbacks they make (lib/optim's schedules and EarlyStopping).
 *
 *   step:<stepSize>[:<gamma>]     StepLR: lr × gamma (default 0.1) every stepSize epochs
 *   exponential:<gamma>           ExponentialLR: lr × gamma every epoch
 *   cosine:<tMax>[:<etaMin>]      CosineAnnealingLR: down to etaMin (default 0) over tMax epochs
 *   plateau:<patience>[:<factor>] ReduceLROnPlateau on the validation loss: lr × factor (default 0.1) after
 *                                 patience epochs without improvement
 *   warmup:<epochs>[:<start>]     LinearLR: from lr × start (default 1/3) up to lr over the first epochs
 *   restarts:<t0>[:<tMult>]       CosineAnnealingWarmRestarts: a cosine over t0 epochs, restarted, each period tMult
 *                                 (default 1) times the one before
 *   onecycle:<maxLr>              OneCycleLR: up to maxLr and down again over the whole run, stepped every batch
 */
import { InvalidArgumentError } from 'commander';
import type { StatefulCallback } from '../io/callback-io.js';
import {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  EarlyStopping,
  ExponentialLR,
  LinearLR,
  OneCycleLR,
  ReduceLROnPlateau,
  StepLR,
  type Optimizer,
} from '../optim/index.js';
import type { TrainingCallback } from '../train/callbacks.js';

export type LrSchedule =
  | { kind: 'step'; stepSize: number; gamma: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; tMax: number; etaMin: number }
  | { kind: 'plateau'; patience: number; factor: number }
  | { kind: 'warmup'; epochs: number; start: number }
  | { kind: 'restarts'; t0: number; tMult: number }
  | { kind: 'onecycle'; maxLr: number };

export const LR_SCHEDULE_SYNTAX =
  'step:<size>[:<gamma>] | exponential:<gamma> | cosine:<tMax>[:<etaMin>] | plateau:<patience>[:<factor>] | ' +
  'warmup:<epochs>[:<start>] | restarts:<t0>[:<tMult>] | onecycle:<maxLr>';

function bad(why: string): never {
  throw new InvalidArgumentError(`${why} Expected ${LR_SCHEDULE_SYNTAX}, e.g. step:10:0.5.`);
}

function count(text: string, what: string, min: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < min) bad(`${what} must be an integer >= ${min}, got "${text}".`);
  return v;
}

function real(text: string, what: string, ok: (v: number) => boolean, rule: string): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || !ok(v)) bad(`${what} must be ${rule}, got "${text}".`);
  return v;
}

const gammaOf = (text: string) => real(text, 'gamma', (v) => v > 0, 'a number > 0');

export function parseLrSchedule(text: string): LrSchedule {
  const [kind, ...args] = text.trim().split(':');
  const arity = (min: number, max: number) => {
    if (args.length < min || args.length > max)
      bad(`"${kind}" takes ${min === max ? min : `${min} or ${max}`} value${max === 1 ? '' : 's'}, got ${args.length}.`);
  };
  switch (kind) {
    case 'step':
      arity(1, 2);
      return { kind, stepSize: count(args[0], 'the step size', 1), gamma: args[1] === undefined ? 0.1 : gammaOf(args[1]) };
    case 'exponential':
      arity(1, 1);
      return { kind, gamma: gammaOf(args[0]) };
    case 'cosine':
      arity(1, 2);
      return {
        kind,
        tMax: count(args[0], 'tMax', 1),
        etaMin: args[1] === undefined ? 0 : real(args[1], 'etaMin', (v) => v >= 0, 'a number >= 0'),
      };
    case 'plateau':
      arity(1, 2);
      return {
        kind,
        patience: count(args[0], 'the patience', 0),
        factor: args[1] === undefined ? 0.1 : real(args[1], 'the factor', (v) => v > 0 && v < 1, 'between 0 and 1'),
      };
    case 'warmup':
      arity(1, 2);
      return {
        kind,
        epochs: count(args[0], 'the warm-up epochs', 1),
        start: args[1] === undefined ? 1 / 3 : real(args[1], 'the start factor', (v) => v > 0 && v <= 1, 'in (0, 1]'),
      };
    case 'restarts':
      arity(1, 2);
      return { kind, t0: count(args[0], 't0', 1), tMult: args[1] === undefined ? 1 : count(args[1], 'tMult', 1) };
    case 'onecycle':
      arity(1, 1);
      return { kind, maxLr: real(args[0], 'maxLr', (v) => v > 0, 'a number > 0') };
    default:
      return bad(`Unknown schedule "${kind}".`);
  }
}

/** The flag's value as a user would write it, for messages. */
export function formatLrSchedule(s: LrSchedule): string {
  switch (s.kind) {
    case 'step':
      return `step:${s.stepSize}:${s.gamma}`;
    case 'exponential':
      return `exponential:${s.gamma}`;
    case 'cosine':
      return `cosine:${s.tMax}:${s.etaMin}`;
    case 'plateau':
      return `plateau:${s.patience}:${s.factor}`;
    case 'warmup':
      return `warmup:${s.epochs}:${s.start}`;
    case 'restarts':
      return `restarts:${s.t0}:${s.tMult}`;
    case 'onecycle':
      return `onecycle:${s.maxLr}`;
  }
}

/** The run a schedule spans: OneCycleLR steps every batch over all of it. */
export interface ScheduleRun {
  epochs: number;
  stepsPerEpoch: number;
}

export function buildSchedule(s: LrSchedule, optimizer: Optimizer, run: ScheduleRun): TrainingCallback & StatefulCallback {
  switch (s.kind) {
    case 'step':
      return new StepLR(optimizer, { stepSize: s.stepSize, gamma: s.gamma });
    case 'exponential':
      return new ExponentialLR(optimizer, { gamma: s.gamma });
    case 'cosine':
      return new CosineAnnealingLR(optimizer, { tMax: s.tMax, etaMin: s.etaMin });
    case 'plateau':
      return new ReduceLROnPlateau(optimizer, { patience: s.patience, factor: s.factor, monitor: 'valLoss' });
    case 'warmup':
      return new LinearLR(optimizer, { startFactor: s.start, totalIters: s.epochs });
    case 'restarts':
      return new CosineAnnealingWarmRestarts(optimizer, { t0: s.t0, tMult: s.tMult });
    case 'onecycle':
      return new OneCycleLR(optimizer, { maxLr: s.maxLr, epochs: run.epochs, stepsPerEpoch: run.stepsPerEpoch });
  }
}

/** `--early-stopping <patience>`: a whole number of epochs, 0 or more. */
export function parsePatience(text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v)) throw new InvalidArgumentError('Expected a whole number of epochs >= 0.');
  return v;
}

/** Stops when the validation loss has not improved for `patience` epochs, and puts the best epoch's weights back. */
export function buildEarlyStopping(patience: number): EarlyStopping {
  return new EarlyStopping({ monitor: 'valLoss', patience, restoreBestWeights: true });
}
