import { useEffect, useState } from 'react';
import { PRESETS, type PresetName, type SearchConfig } from '../core/config';
import {
  checkField,
  FIELDS,
  GROUP_TITLES,
  paperValue,
  presetOf,
  type FieldGroup,
  type FieldSpec,
} from '../store/configFields';
import { isLive, useStudio } from '../store/studio';

const GROUPS: FieldGroup[] = ['network', 'weights', 'arch', 'data'];

/** Preset picker and every SearchConfig field, grouped, with the paper's value beside each. */
export function Settings() {
  const config = useStudio((s) => s.config);
  const live = useStudio((s) => isLive(s.runState));
  const setPreset = useStudio((s) => s.setPreset);
  const preset = presetOf(config);

  return (
    <section className="panel settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <label className="preset">
        <span>Preset</span>
        <select
          data-testid="preset"
          value={preset}
          onChange={(event) => setPreset(event.target.value as PresetName)}
        >
          {(Object.keys(PRESETS) as PresetName[]).map((name) => (
            <option key={name} value={name}>
              {name}
              {name === 'Demo'
                ? ' (minutes on a laptop CPU)'
                : name === 'Paper'
                  ? ' (the paper’s search)'
                  : ''}
            </option>
          ))}
          {preset === 'Custom' && <option value="Custom">Custom</option>}
        </select>
      </label>
      {live && (
        <p className="settings-note">
          A run is live: network settings are locked; other changes apply to the
          next run.
        </p>
      )}
      {GROUPS.map((group) => (
        <fieldset key={group} className={`field-group group-${group}`}>
          <legend>{GROUP_TITLES[group]}</legend>
          {FIELDS.filter((field) => field.group === group).map((field) => (
            <Field
              key={field.key}
              field={field}
              value={config[field.key]}
              locked={live && field.shapesNetwork === true}
            />
          ))}
        </fieldset>
      ))}
    </section>
  );
}

interface FieldProps {
  field: FieldSpec;
  value: SearchConfig[keyof SearchConfig];
  locked: boolean;
}

/** One setting; the text as typed is kept locally so '0.' or '' can be edited on. */
function Field({ field, value, locked }: FieldProps) {
  const setField = useStudio((s) => s.setField);
  const [draft, setDraft] = useState(String(value));
  const id = `setting-${field.key}`;

  // A preset (or any outside change) replaces what was being typed.
  useEffect(() => {
    setDraft((current) =>
      Object.is(parse(field, current), value) ? current : String(value),
    );
  }, [field, value]);

  const parsed = parse(field, draft);
  const problem = checkField(field, parsed, draft);

  return (
    <div
      className={`field${problem ? ' invalid' : ''}${locked ? ' locked' : ''}`}
    >
      <label htmlFor={id}>{field.label}</label>
      {field.kind === 'order' ? (
        <select
          id={id}
          name={field.key}
          value={String(value)}
          disabled={locked}
          onChange={(event) =>
            setField('order', event.target.value as SearchConfig['order'])
          }
        >
          <option value="first">first</option>
          <option value="second">second</option>
        </select>
      ) : (
        <input
          id={id}
          name={field.key}
          type="text"
          inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
          value={draft}
          disabled={locked}
          aria-invalid={problem !== null}
          aria-describedby={`${id}-hint`}
          title={
            locked
              ? 'Locked while a run is live: it shapes the network'
              : undefined
          }
          onChange={(event) => {
            // Invalid values go to the store too: Start then names the setting.
            setDraft(event.target.value);
            setField(
              field.key,
              parse(field, event.target.value) as never,
              event.target.value,
            );
          }}
        />
      )}
      <p className="hint" id={`${id}-hint`}>
        {problem ?? field.hint}{' '}
        <span className="paper">paper: {paperValue(field.key)}</span>
      </p>
    </div>
  );
}

function parse(
  field: FieldSpec,
  text: string,
): SearchConfig[keyof SearchConfig] {
  if (field.kind === 'order') return text as SearchConfig['order'];
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}
