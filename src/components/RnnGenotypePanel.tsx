import { useState } from 'react';
import { rnnGenotypeToPython, type RnnGenotype } from '../core/rnnGenotype';
import { RNN_OP_COLOURS } from '../core/rnnOpColours';
import { useRnn } from '../store/rnn';
import { useStudio } from '../store/studio';

/** The searched recurrent genotype as text, as JSON to download and as Python to copy. */
export function RnnGenotypePanel() {
  const latest = useRnn((s) => s.latest);
  const exportGenotype = useRnn((s) => s.exportGenotype);
  const [copied, setCopied] = useState(false);
  const genotype = latest?.genotype ?? null;

  const download = async () => {
    const json = await exportGenotype();
    if (json === null) return;
    const url = URL.createObjectURL(
      new Blob([json], { type: 'application/json' }),
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = 'rnn-genotype.json';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own reference by now; free ours a little later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const copy = async () => {
    if (!genotype) return;
    try {
      await navigator.clipboard.writeText(rnnGenotypeToPython(genotype));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      useStudio.getState().pushError({
        name: 'Clipboard',
        message:
          'Copy as Python: the browser refused clipboard access; select the Python line below and copy it',
      });
    }
  };

  return (
    <section
      className="panel genotype-panel rnn-genotype-panel"
      aria-labelledby="rnn-genotype-title"
    >
      <h2 id="rnn-genotype-title">Recurrent genotype</h2>
      {genotype && latest ? (
        <>
          <p className="genotype-source">derived at step {latest.step}</p>
          <RnnGenotypeText genotype={genotype} />
          <p className="python">
            <code data-testid="rnn-genotype-python">
              {rnnGenotypeToPython(genotype)}
            </code>
          </p>
        </>
      ) : (
        <p className="empty-state">
          The genotype appears with the first snapshot: per node, the
          predecessor and activation with the largest softmax weight.
        </p>
      )}
      <div className="genotype-actions">
        <button
          type="button"
          data-testid="rnn-download-genotype"
          disabled={!genotype}
          onClick={() => void download()}
        >
          Download JSON
        </button>
        <button type="button" disabled={!genotype} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy as Python'}
        </button>
      </div>
    </section>
  );
}

/** Node by node: "node 3 ← relu(node 1)", and the nodes averaged into h_t. */
export function RnnGenotypeText({ genotype }: { genotype: RnnGenotype }) {
  return (
    <div
      className="cell-text rnn-genotype-text"
      data-testid="rnn-genotype-text"
    >
      <ol>
        {genotype.recurrent.map(([op, pred], k) => (
          <li key={k}>
            <span className="node-name">node {k + 1}</span>
            <span className="genotype-edge">
              <span
                className="op-swatch"
                style={{ background: RNN_OP_COLOURS[op] }}
                aria-hidden
              />
              {op}(node {pred})
            </span>
          </li>
        ))}
      </ol>
      <p className="concat">
        h<sub>t</sub> = mean of nodes {genotype.concat.join(', ')}
      </p>
    </div>
  );
}
