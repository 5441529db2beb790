/**
 * The page's handle on the search worker: creates the module worker, wraps
 * it with comlink and hands it the page's event callbacks. The only place
 * on the page side that knows comlink.
 */
import * as Comlink from 'comlink';
import type { SearchEvents, SearchWorkerApi } from './api';

export type SearchWorkerRemote = Comlink.Remote<SearchWorkerApi>;

export interface SearchClient {
  api: SearchWorkerRemote;
  /** Ends the worker and every tensor in it. */
  terminate(): void;
}

/** Starts a search worker; call `api.init(…)` next (createSearchClient does it). */
export function createSearchClient(events: SearchEvents): {
  client: SearchClient;
  ready: ReturnType<SearchWorkerApi['init']>;
} {
  const worker = new Worker(new URL('./search.worker.ts', import.meta.url), {
    type: 'module',
  });
  // A worker that fails to load never answers init(): say so instead of waiting.
  worker.addEventListener('error', (event) => {
    events.onError({
      name: 'WorkerError',
      message: `search worker: ${event.message || 'failed to load'}; reload the page`,
    });
  });
  const api = Comlink.wrap<SearchWorkerApi>(worker);
  const ready = api.init(Comlink.proxy(events));

  const client: SearchClient = {
    api,
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
  return { client, ready };
}
