/**
 * Recurrent-cell page for screenshots of src/views/rnnCellView.ts: the
 * panel twice, early in a search (near-uniform weights) and late (peaked
 * towards DARTS_V2, 'none' growing on the dropped edges), each with the
 * genotype derived from its weights. "Swap" exchanges the two weight sets,
 * so the eased transitions can be watched; #status reads "ready" once drawn.
 */
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RnnCellPanel } from '../../src/components/RnnCellPanel';
import { deriveRnnGenotype, RNN_DARTS_V2 } from '../../src/core/rnnGenotype';
import {
  RNN_NUM_OPS,
  RNN_PRIMITIVES,
  RNN_STEPS,
  rnnEdgeIndex,
} from '../../src/core/rnnSpace';
import '../../src/styles.css';

/** A small LCG, so both weight sets are the same on every load. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
}

/** softmax of logits [36, 5], row by row. */
function softmaxRows(logits: number[]): Float32Array {
  const out = new Float32Array(logits.length);
  for (let row = 0; row < logits.length; row += RNN_NUM_OPS) {
    const slice = logits.slice(row, row + RNN_NUM_OPS);
    const max = Math.max(...slice);
    const exps = slice.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, k) => (out[row + k] = e / sum));
  }
  return out;
}

function earlyWeights(): Float32Array {
  const rand = random(7);
  const logits = Array.from(
    { length: 36 * RNN_NUM_OPS },
    () => (rand() - 0.5) * 0.3,
  );
  return softmaxRows(logits);
}

function lateWeights(): Float32Array {
  const rand = random(11);
  const logits = new Array<number>(36 * RNN_NUM_OPS).fill(0);
  for (let node = 1; node <= RNN_STEPS; node++) {
    const [op, pred] = RNN_DARTS_V2.recurrent[node - 1];
    for (let from = 0; from < node; from++) {
      const row = rnnEdgeIndex(node, from) * RNN_NUM_OPS;
      for (let k = 0; k < RNN_NUM_OPS; k++) logits[row + k] = rand() * 0.8;
      if (from === pred) logits[row + RNN_PRIMITIVES.indexOf(op)] += 2.2;
      else logits[row] += 0.6 + rand() * 1.4;
    }
  }
  return softmaxRows(logits);
}

const SETS = [earlyWeights(), lateWeights()].map((opWeights) => ({
  opWeights,
  genotype: deriveRnnGenotype(opWeights),
}));

function Harness() {
  const [swapped, setSwapped] = useState(false);
  const [a, b] = swapped ? [SETS[1], SETS[0]] : SETS;

  return (
    <main style={{ maxWidth: 1000, margin: '0 auto', padding: 12 }}>
      <button type="button" onClick={() => setSwapped(!swapped)}>
        Swap
      </button>
      <div data-testid="rnn-early">
        <RnnCellPanel {...a} />
      </div>
      <div data-testid="rnn-late" style={{ marginTop: 12 }}>
        <RnnCellPanel {...b} />
      </div>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Harness />
  </StrictMode>,
);
requestAnimationFrame(() => {
  document.getElementById('status')!.textContent = 'ready';
});
