import { RNN_PRESETS, type RnnPresetName } from '../core/rnnConfig';
import { useRnn } from '../store/rnn';
import { RNN_SEARCH_FIELDS, rnnPresetOf } from '../store/rnnFields';
import { isLive } from '../store/studio';
import { RNN_PRESET_NOTES, RnnFieldGroups } from './RnnFields';

/** Preset picker and every RnnSearchConfig field, grouped. */
export function RnnSettings() {
  const config = useRnn((s) => s.config);
  const live = useRnn((s) => isLive(s.searchState));
  const { setPreset, setField } = useRnn.getState();
  const preset = rnnPresetOf(config, 'search');

  return (
    <section
      className="panel settings rnn-settings"
      aria-labelledby="rnn-settings-title"
    >
      <h2 id="rnn-settings-title">Recurrent search settings</h2>
      <label className="preset">
        <span>Preset</span>
        <select
          data-testid="rnn-preset"
          value={preset}
          onChange={(event) => setPreset(event.target.value as RnnPresetName)}
        >
          {(Object.keys(RNN_PRESETS) as RnnPresetName[]).map((name) => (
            <option key={name} value={name}>
              {name}
              {RNN_PRESET_NOTES.search[name]}
            </option>
          ))}
          {preset === 'Custom' && <option value="Custom">Custom</option>}
        </select>
      </label>
      {live && (
        <p className="settings-note">
          A search is live: the hidden size and batch size are locked; other
          changes apply to the next run.
        </p>
      )}
      <RnnFieldGroups
        kind="search"
        fields={RNN_SEARCH_FIELDS}
        config={config}
        live={live}
        onChange={setField}
      />
    </section>
  );
}
