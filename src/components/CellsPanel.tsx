import { NUM_EDGES, NUM_OPS } from '../core/primitives';
import { CellView, type CellKind } from '../views/cellView';
import { OP_COLOURS, STRAND_OPS } from '../views/palette';
import { useStudio, type StudioState } from '../store/studio';
import { useView } from './useView';

/** The normal and reduction cells side by side, their legend, and the history scrubber. */
export function CellsPanel() {
  const demo = useStudio(
    (s) => s.dataset?.source === 'demo' && s.dataset.trainImages > 0,
  );
  const hasSnapshot = useStudio((s) => s.latest !== null);
  const imported = useStudio((s) => s.imported);
  const runState = useStudio((s) => s.runState);
  const hasData = useStudio((s) => (s.dataset?.trainImages ?? 0) > 0);

  return (
    <section className="panel cells-panel" aria-labelledby="cells-title">
      <div className="panel-head">
        <h2 id="cells-title">Cells</h2>
        {demo && (
          <span className="demo-note" data-testid="demo-note">
            Labelled as demo data: Fashion-MNIST images, not CIFAR-10
          </span>
        )}
      </div>
      {!hasSnapshot && (
        <p className="empty-state cells-empty">
          {imported
            ? `Showing the imported genotype from ${imported.file}. Start a search to see live weights.`
            : runState === 'running'
              ? 'The first snapshot is on its way…'
              : hasData
                ? 'Every op starts equally weighted. Press Start to watch the cells take shape.'
                : 'Every op starts equally weighted. Load data, then press Start to watch the cells take shape.'}
        </p>
      )}
      <div className="cells">
        <Cell kind="normal" title="Normal cell" />
        <Cell kind="reduce" title="Reduction cell" />
      </div>
      <Legend />
      <HistoryScrubber />
    </section>
  );
}

function Cell({ kind, title }: { kind: CellKind; title: string }) {
  const ref = useView(
    (svg) => new CellView(svg, kind),
    (view, state) => {
      const shown = shownSnapshot(state);
      if (shown) {
        const weights =
          kind === 'normal' ? shown.opWeightsNormal : shown.opWeightsReduce;
        view.update(weights, shown.genotype[kind]);
      } else {
        const edges = state.imported?.genotype[kind] ?? null;
        view.update(
          new Float32Array(NUM_EDGES * NUM_OPS).fill(1 / NUM_OPS),
          edges,
          false,
        );
      }
    },
    (s, p) =>
      s.latest !== p.latest ||
      s.viewIndex !== p.viewIndex ||
      s.imported !== p.imported,
  );

  return (
    <figure className="cell" data-cell={kind}>
      <figcaption>{title}</figcaption>
      <svg ref={ref} data-testid={`cell-${kind}`} />
    </figure>
  );
}

/** The snapshot the cells show: the one picked on the scrubber, else the latest. */
function shownSnapshot(state: StudioState) {
  if (state.viewIndex !== null)
    return state.snapshots[state.viewIndex] ?? state.latest;
  return state.latest;
}

function Legend() {
  return (
    <ul className="legend" aria-label="Op colours">
      {STRAND_OPS.map((op) => (
        <li key={op}>
          <svg width="22" height="10" aria-hidden>
            <line
              x1="1"
              x2="21"
              y1="5"
              y2="5"
              stroke={OP_COLOURS[op]}
              strokeWidth="4"
              strokeLinecap="round"
            />
          </svg>
          {op}
        </li>
      ))}
      <li className="legend-note">
        Strand width and opacity: the op’s softmax weight. Faded edge: weight of{' '}
        <em>none</em>. Labelled edge: kept by the genotype. Hover an edge for
        its 8 weights.
      </li>
    </ul>
  );
}

function HistoryScrubber() {
  const count = useStudio((s) => s.snapshots.length);
  const viewIndex = useStudio((s) => s.viewIndex);
  const shownStep = useStudio((s) => shownSnapshot(s)?.step ?? null);
  const setViewIndex = useStudio((s) => s.setViewIndex);

  if (count < 2) return null;
  const last = count - 1;
  return (
    <div className="scrubber">
      <label htmlFor="history">History</label>
      <input
        id="history"
        type="range"
        min={0}
        max={last}
        value={viewIndex ?? last}
        onChange={(event) => {
          const i = Number(event.target.value);
          setViewIndex(i >= last ? null : i);
        }}
      />
      <span className="scrubber-step">step {shownStep}</span>
      <button
        type="button"
        disabled={viewIndex === null}
        onClick={() => setViewIndex(null)}
      >
        Follow live
      </button>
    </div>
  );
}
