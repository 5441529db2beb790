import { useEffect, useRef } from 'react';
import type { RnnGenotype } from '../core/rnnGenotype';
import { RNN_OP_COLOURS } from '../core/rnnOpColours';
import { RNN_NUM_EDGES, RNN_NUM_OPS } from '../core/rnnSpace';
import { RNN_STRAND_OPS, RnnCellView } from '../views/rnnCellView';

export interface RnnCellPanelProps {
  /** softmax(alphas) [36, 5] row-major; null: every op equally weighted. */
  opWeights: Float32Array | null;
  /** The derived genotype whose edges are drawn solid; null: none marked. */
  genotype: RnnGenotype | null;
  /** The heading; 'Recurrent cell' unless told. */
  title?: string;
  /** The <svg>'s test id; 'cell-recurrent' unless told. */
  testId?: string;
  /** The search step the weights are from, for the caption; null: none yet. */
  step?: number | null;
}

/** The recurrent search cell and its legend. */
export function RnnCellPanel({
  opWeights,
  genotype,
  title = 'Recurrent cell',
  testId = 'cell-recurrent',
  step,
}: RnnCellPanelProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const viewRef = useRef<RnnCellView | null>(null);
  const drawn = useRef(false);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const view = new RnnCellView(svg);
    view.draw();
    viewRef.current = view;
    drawn.current = false;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // Props restyle the view outside React; only the first paint is not eased.
  useEffect(() => {
    viewRef.current?.update(
      opWeights ?? uniformWeights(),
      genotype,
      drawn.current,
    );
    drawn.current = true;
  }, [opWeights, genotype]);

  return (
    <section
      className="panel rnn-cell-panel"
      aria-labelledby={`${testId}-title`}
    >
      <div className="panel-head">
        <h2 id={`${testId}-title`}>{title}</h2>
        {step != null && (
          <span
            className="muted"
            data-testid={`${testId}-step`}
            data-step={step}
          >
            softmax(alphas) at step {step}
          </span>
        )}
      </div>
      <figure className="cell" data-cell="recurrent">
        <svg ref={svgRef} data-testid={testId} />
      </figure>
      <Legend />
    </section>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Activation colours">
      {RNN_STRAND_OPS.map((op) => (
        <li key={op}>
          <svg width="22" height="10" aria-hidden>
            <line
              x1="1"
              x2="21"
              y1="5"
              y2="5"
              stroke={RNN_OP_COLOURS[op]}
              strokeWidth="4"
              strokeLinecap="round"
            />
          </svg>
          {op}
        </li>
      ))}
      <li className="legend-note">
        Strand width and opacity: the activation’s softmax weight. Faded edge:
        weight of <em>none</em>. Labelled edge: kept by the genotype. Dashed:
        the nodes averaged into h<sub>t</sub>. Hover an edge for its 5 weights.
      </li>
    </ul>
  );
}

function uniformWeights(): Float32Array {
  return new Float32Array(RNN_NUM_EDGES * RNN_NUM_OPS).fill(1 / RNN_NUM_OPS);
}
