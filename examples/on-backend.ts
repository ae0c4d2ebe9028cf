/**
 * For the examples' `backend` option: runs an async body with `backend` as the graph's backend (useBackend, since
 * withBackend is synchronous only), or as is when none is given. Optimizers take the backend separately.
 */
import { useBackend, type Backend } from '../lib/index.js';

export async function onBackend<T>(backend: Backend | undefined, body: () => Promise<T>): Promise<T> {
  if (backend === undefined) return body();
  const previous = useBackend(backend);
  try {
    return await body();
  } finally {
    useBackend(previous);
  }
}
