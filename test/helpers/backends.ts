/**
 * The backends every kernel suite runs on: `[js, native]` by default. The native addon is built before
 * the tests run, so when it cannot load its suites must FAIL with the loader's reason rather than vanish:
 * it is replaced by a stand-in whose every kernel throws that reason. Only an explicit
 * NEUROBLAS_TEST_BACKENDS=js (a comma-separated list) leaves native out.
 */
import { getBackend, type Backend, type BackendName } from '../../lib/index.js';

function requested(): BackendName[] {
  const raw = process.env.NEUROBLAS_TEST_BACKENDS;
  if (raw === undefined || raw.trim() === '') return ['js', 'native'];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names) {
    if (n !== 'js' && n !== 'native') throw new Error(`NEUROBLAS_TEST_BACKENDS: unknown backend ${JSON.stringify(n)} (use js, native)`);
  }
  return names as BackendName[];
}

/** A Backend whose every method throws `reason`, so each test that uses it fails saying why. */
function unavailable(name: BackendName, reason: unknown): Backend {
  const methods = Object.keys(getBackend('js')).filter((k) => k !== 'name');
  const stub: Record<string, unknown> = { name };
  for (const m of methods)
    stub[m] = () => {
      throw reason;
    };
  return stub as unknown as Backend;
}

function load(name: BackendName): Backend {
  try {
    return getBackend(name);
  } catch (e) {
    return unavailable(name, e);
  }
}

export const backendNames: readonly BackendName[] = requested();
export const backends: readonly Backend[] = backendNames.map(load);

/** True when both backends were requested (the cross-checks in 09 need both). */
export const bothBackends = backendNames.includes('js') && backendNames.includes('native');

/** The native backend (or its failing stand-in), for the native-only tests. */
export const nativeOrStub = (): Backend => load('native');
