/**
 * `neuroblas/queue`: training jobs on a BullMQ queue over Redis, across processes and machines. A subpath of its
 * own, so that `import 'neuroblas'` never loads BullMQ or ioredis (optional peer dependencies, needed only here).
 */
export { redisConnection, type RedisConnection } from './connection.js';
export { runTrainingJob, type JobProgress, type JobResult, type RunOptions } from './run.js';
export { canonicalJson, checkTrainingJob, sha256File, trainingJobId, type TrainingJob } from './spec.js';
export { cancelTraining, JOB_OPTIONS, submitSweep, submitTraining } from './submit.js';
export { SWEEP_JOB, SWEEP_KEYS, sweepTrials, TRAIN_JOB, type Grid, type SweepSummary, type Trial } from './sweep.js';
export {
  threadBudgetWarning,
  trainingWorker,
  type TrainingJobData,
  type TrainingWorker,
  type TrainingWorkerOptions,
} from './worker.js';
