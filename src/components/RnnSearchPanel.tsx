import { useRnn } from '../store/rnn';
import { RnnCellPanel } from './RnnCellPanel';
import { RnnCharts } from './RnnCharts';
import { RnnControls } from './RnnControls';
import { RnnGenotypePanel } from './RnnGenotypePanel';

/** The recurrent search's main column: controls, the cell, curves, genotype. */
export function RnnSearchPanel() {
  const latest = useRnn((s) => s.latest);
  return (
    <>
      <RnnControls />
      <RnnCellPanel
        opWeights={latest?.opWeights ?? null}
        genotype={latest?.genotype ?? null}
        step={latest?.step ?? null}
      />
      <RnnCharts />
      <RnnGenotypePanel />
    </>
  );
}
