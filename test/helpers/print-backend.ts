/**
 * Run in a child process by 11-loader: prints, as one JSON line, the backend this process chose
 * (backendInfo()) or the error choosing it raised. The environment (NEUROBLAS_BACKEND) is the input.
 */
import { backendInfo, NeuroblasError } from '../../lib/index.js';

try {
  console.log(JSON.stringify({ info: backendInfo() }));
} catch (e) {
  const err = e as NeuroblasError;
  console.log(JSON.stringify({ error: { isNeuroblasError: e instanceof NeuroblasError, code: err.code, message: err.message } }));
}
