/** neuroblas: neural-network training for Node.js. The package's main export. */
export { NeuroblasError, type ErrorCode } from './errors.js';
export type { Backend, ActivationKind, SgdOptions, AdamOptions, RmspropOptions, AdagradOptions } from './backend/contract.js';
export { ACTIVATION_KINDS } from './backend/contract.js';
export { getBackend, activeBackend, backendInfo, nativeAvailable, setNumThreads, getNumThreads, type BackendInfo, type BackendName } from './backend/load.js';
export type { OpenblasInfo } from './backend/native.js';
