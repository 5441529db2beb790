import { RetrainCells } from './RetrainCells';
import { RetrainCharts } from './RetrainCharts';
import { RetrainClassify } from './RetrainClassify';
import { RetrainControls } from './RetrainControls';
import { RetrainExports } from './RetrainExports';
import { RetrainResults, RetrainRuns } from './RetrainResults';

/**
 * The retrain view's main column: train the chosen genotype from scratch,
 * watch it learn, read its test results, compare runs, take the model away
 * and classify images with it.
 */
export function RetrainPanel() {
  return (
    <>
      <RetrainControls />
      <RetrainCells />
      <RetrainCharts />
      <RetrainResults />
      <RetrainRuns />
      <RetrainExports />
      <RetrainClassify />
    </>
  );
}
