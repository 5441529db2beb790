import { useMemo } from 'react';
import { cellToSvg, type CellKind } from '../core/cellDrawing';
import {
  chosenGenotype,
  useRetrain,
  type ChosenGenotype,
} from '../store/retrain';
import { isLive, useStudio } from '../store/studio';

/**
 * The genotype the view is about: the one training while a retrain is live
 * (or after it, until another source is picked), else the one Start would train.
 */
export function useShownGenotype(): ChosenGenotype | null {
  const kind = useRetrain((s) => s.sourceKind);
  const imported = useRetrain((s) => s.imported);
  const named = useRetrain((s) => s.named);
  const run = useRetrain((s) => s.run);
  const live = useRetrain((s) => isLive(s.runState) || s.building);
  // Read so a new search genotype redraws the cells.
  const searchGenotype = useStudio((s) => s.genotype);

  return useMemo(() => {
    if (live && run) return run;
    return chosenGenotype({ sourceKind: kind, imported, named }) ?? run;
    // searchGenotype is read inside chosenGenotype, through the studio store.
  }, [kind, imported, named, run, live, searchGenotype]);
}

const CELLS: { kind: CellKind; title: string }[] = [
  { kind: 'normal', title: 'Normal cell' },
  { kind: 'reduce', title: 'Reduction cell' },
];

/** The two discrete cells of the shown genotype, as their SVG exports draw them. */
export function RetrainCells() {
  const shown = useShownGenotype();
  const svgs = useMemo(
    () =>
      shown ? CELLS.map(({ kind }) => cellToSvg(shown.genotype, kind)) : null,
    [shown],
  );

  return (
    <section
      className="panel retrain-cells"
      aria-labelledby="retrain-cells-title"
    >
      <h2 id="retrain-cells-title">
        Cells{' '}
        {shown && (
          <span className="muted" data-testid="retrain-genotype-name">
            · {shown.name}
          </span>
        )}
      </h2>
      {svgs ? (
        <div className="cells">
          {CELLS.map(({ kind, title }, i) => (
            <figure key={kind} className="cell discrete-cell">
              <figcaption>{title}</figcaption>
              <div
                className="cell-svg"
                data-testid={`retrain-cell-${kind}`}
                // cellToSvg writes the whole document and escapes every name in it.
                dangerouslySetInnerHTML={{ __html: svgs[i] }}
              />
            </figure>
          ))}
        </div>
      ) : (
        <p className="empty-state">
          No genotype to draw yet: run a search, import a genotype file, or pick
          a named genotype on the left.
        </p>
      )}
    </section>
  );
}
