/**
 * The recurrent side of the studio: the Penn Treebank corpus the worker
 * holds, the recurrent search and the recurrent retrain, as the worker
 * reports them.
 */
import { create } from 'zustand';
import type { RnnRetrainSnapshot } from '../core/rnnRetrain';
import type { RnnSnapshot } from '../core/rnnSearch';
import type { PtbSummary, RunState } from '../../workers/api';

export interface RnnState {
  corpus: PtbSummary | null;
  searchState: RunState;
  snapshots: RnnSnapshot[];
  latest: RnnSnapshot | null;
  retrainState: RunState;
  retrainSnapshots: RnnRetrainSnapshot[];
  retrainLatest: RnnRetrainSnapshot | null;

  receiveCorpus(corpus: PtbSummary): void;
  receiveSnapshot(snapshot: RnnSnapshot): void;
  receiveState(state: RunState): void;
  receiveRetrainSnapshot(snapshot: RnnRetrainSnapshot): void;
  receiveRetrainState(state: RunState): void;
}

export const useRnn = create<RnnState>()((set) => ({
  corpus: null,
  searchState: 'idle',
  snapshots: [],
  latest: null,
  retrainState: 'idle',
  retrainSnapshots: [],
  retrainLatest: null,

  receiveCorpus: (corpus) => set({ corpus }),
  receiveSnapshot: (snapshot) =>
    set((s) => ({ snapshots: [...s.snapshots, snapshot], latest: snapshot })),
  receiveState: (searchState) => set({ searchState }),
  receiveRetrainSnapshot: (snapshot) =>
    set((s) => ({
      retrainSnapshots: [...s.retrainSnapshots, snapshot],
      retrainLatest: snapshot,
    })),
  receiveRetrainState: (retrainState) => set({ retrainState }),
}));
