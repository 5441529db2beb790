/**
 * The one way the retrain and recurrent stores reach the search worker: a
 * fault never escapes as an exception, it becomes a line in the studio's
 * banner and the call answers null.
 */
import { asNamed } from './namedError';
import { useStudio, workerApi } from './studio';

export { asNamed };

export type WorkerApi = NonNullable<ReturnType<typeof workerApi>>;

/** One call on the worker's client, as the run controls pass them around. */
export type WorkerTask<T = unknown> = (api: WorkerApi) => Promise<T>;

export function pushError(error: { name: string; message: string }): void {
  useStudio.getState().pushError(error);
}

/** Runs a worker call; a rejection becomes a banner line instead of an exception. */
export async function callWorker<T>(task: WorkerTask<T>): Promise<T | null> {
  const api = workerApi();
  if (!api) {
    pushError({
      name: 'NotReady',
      message: 'The search worker has not started; reload the page',
    });
    return null;
  }
  try {
    return await task(api);
  } catch (error) {
    pushError(asNamed(error));
    return null;
  }
}
