import { RNN_NAMED_GENOTYPES } from '../core/rnnGenotype';
import { RNN_RETRAIN_PRESETS } from '../core/rnnRetrain';
import type { RnnPresetName } from '../core/rnnConfig';
import { useRnn } from '../store/rnn';
import { RNN_RETRAIN_FIELDS, rnnPresetOf } from '../store/rnnFields';
import { isLive } from '../store/studio';
import { GenotypeSourcePanel } from './GenotypeSourcePanel';
import { RNN_PRESET_NOTES, RnnFieldGroups } from './RnnFields';
import { SettingsPanel } from './SettingsPanel';

/** Which recurrent genotype to retrain, the preset and every retrain setting. */
export function RnnRetrainSettings() {
  const config = useRnn((s) => s.retrainConfig);
  const live = useRnn((s) => isLive(s.retrainState));
  const { setRetrainPreset, setRetrainField } = useRnn.getState();

  return (
    <>
      <RnnGenotypeSource />
      <SettingsPanel
        className="panel settings rnn-retrain-settings"
        titleId="rnn-retrain-settings-title"
        title="Recurrent retrain settings"
        presetTestId="rnn-retrain-preset"
        presets={Object.keys(RNN_RETRAIN_PRESETS) as RnnPresetName[]}
        presetNotes={RNN_PRESET_NOTES.retrain}
        preset={rnnPresetOf(config, 'retrain')}
        onPreset={setRetrainPreset}
        liveNote={
          live ? 'A retrain is live: changes apply to the next Start.' : null
        }
      >
        {/* Nothing is locked: a retrain's settings all wait for its next Start. */}
        <RnnFieldGroups
          kind="retrain"
          fields={RNN_RETRAIN_FIELDS}
          config={config}
          live={false}
          onChange={setRetrainField}
        />
      </SettingsPanel>
    </>
  );
}

/** The source picker, reading and writing the recurrent retrain's store. */
function RnnGenotypeSource() {
  const source = useRnn((s) => s.retrainSource);
  const imported = useRnn((s) => s.retrainImported);
  const named = useRnn((s) => s.retrainNamed);
  const searchStep = useRnn((s) => s.latest?.step ?? null);
  const { setRetrainSource, setRetrainNamed, importRetrainGenotype } =
    useRnn.getState();

  return (
    <GenotypeSourcePanel
      titleId="rnn-source-title"
      title="Recurrent genotype to retrain"
      radioName="rnn-retrain-source"
      radioTestIdPrefix="rnn-source-"
      source={source}
      detail={{
        derived:
          searchStep !== null
            ? `derived at search step ${searchStep}`
            : 'none yet: run a recurrent search first',
        imported: imported ? imported.file : 'none imported yet',
        named,
      }}
      onSource={setRetrainSource}
      importTestId="rnn-retrain-import"
      importLabel="Import a recurrent genotype JSON or Python Genotype(...) file"
      onImport={(file) => void importRetrainGenotype(file)}
      namedTestId="rnn-retrain-named"
      namedLabel="Named recurrent genotype"
      named={named}
      namedOptions={Object.keys(RNN_NAMED_GENOTYPES)}
      onNamed={setRetrainNamed}
    />
  );
}
