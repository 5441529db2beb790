import { RNN_NAMED_GENOTYPES } from '../core/rnnGenotype';
import { RNN_RETRAIN_PRESETS } from '../core/rnnRetrain';
import type { RnnPresetName } from '../core/rnnConfig';
import { useRnn, type RnnGenotypeSource } from '../store/rnn';
import { RNN_RETRAIN_FIELDS, rnnPresetOf } from '../store/rnnFields';
import { isLive } from '../store/studio';
import { RNN_PRESET_NOTES, RnnFieldGroups } from './RnnFields';

/** Which recurrent genotype to retrain, the preset and every retrain setting. */
export function RnnRetrainSettings() {
  const config = useRnn((s) => s.retrainConfig);
  const live = useRnn((s) => isLive(s.retrainState));
  const { setRetrainPreset, setRetrainField } = useRnn.getState();
  const preset = rnnPresetOf(config, 'retrain');

  return (
    <>
      <RnnGenotypeSourcePanel />
      <section
        className="panel settings rnn-retrain-settings"
        aria-labelledby="rnn-retrain-settings-title"
      >
        <h2 id="rnn-retrain-settings-title">Recurrent retrain settings</h2>
        <label className="preset">
          <span>Preset</span>
          <select
            data-testid="rnn-retrain-preset"
            value={preset}
            onChange={(event) =>
              setRetrainPreset(event.target.value as RnnPresetName)
            }
          >
            {(Object.keys(RNN_RETRAIN_PRESETS) as RnnPresetName[]).map(
              (name) => (
                <option key={name} value={name}>
                  {name}
                  {RNN_PRESET_NOTES.retrain[name]}
                </option>
              ),
            )}
            {preset === 'Custom' && <option value="Custom">Custom</option>}
          </select>
        </label>
        {live && (
          <p className="settings-note">
            A retrain is live: changes apply to the next Start.
          </p>
        )}
        <RnnFieldGroups
          kind="retrain"
          fields={RNN_RETRAIN_FIELDS}
          config={config}
          live={false}
          onChange={setRetrainField}
        />
      </section>
    </>
  );
}

const SOURCE_LABELS: Record<RnnGenotypeSource, string> = {
  derived: 'The search’s genotype',
  imported: 'A genotype file',
  named: 'A named genotype',
};

/** The three places a recurrent genotype can come from, as radio buttons. */
function RnnGenotypeSourcePanel() {
  const source = useRnn((s) => s.retrainSource);
  const imported = useRnn((s) => s.retrainImported);
  const named = useRnn((s) => s.retrainNamed);
  const searchStep = useRnn((s) => s.latest?.step ?? null);
  const { setRetrainSource, setRetrainNamed, importRetrainGenotype } =
    useRnn.getState();

  const detail: Record<RnnGenotypeSource, string> = {
    derived:
      searchStep !== null
        ? `derived at search step ${searchStep}`
        : 'none yet: run a recurrent search first',
    imported: imported ? imported.file : 'none imported yet',
    named,
  };

  return (
    <section
      className="panel genotype-source-panel"
      aria-labelledby="rnn-source-title"
    >
      <h2 id="rnn-source-title">Recurrent genotype to retrain</h2>
      <div
        className="source-options"
        role="radiogroup"
        aria-labelledby="rnn-source-title"
      >
        {(Object.keys(SOURCE_LABELS) as RnnGenotypeSource[]).map((option) => (
          <label key={option} className="source-option">
            <input
              type="radio"
              name="rnn-retrain-source"
              value={option}
              data-testid={`rnn-source-${option}`}
              checked={source === option}
              onChange={() => setRetrainSource(option)}
            />
            <span>
              {SOURCE_LABELS[option]}
              <span className="muted source-detail"> · {detail[option]}</span>
            </span>
          </label>
        ))}
      </div>
      <div className="source-inputs">
        <label className="file-button">
          Import genotype…
          <input
            type="file"
            accept=".json,application/json,.py,.txt"
            data-testid="rnn-retrain-import"
            aria-label="Import a recurrent genotype JSON or Python Genotype(...) file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importRetrainGenotype(file);
              event.target.value = '';
            }}
          />
        </label>
        <select
          aria-label="Named recurrent genotype"
          data-testid="rnn-retrain-named"
          value={named}
          onChange={(event) => setRetrainNamed(event.target.value)}
        >
          {Object.keys(RNN_NAMED_GENOTYPES).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}
