import { useEffect, useState } from 'react';
import { NAMED_GENOTYPES } from '../core/namedGenotypes';
import {
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../core/retrainConfig';
import { useRetrain, type GenotypeSourceKind } from '../store/retrain';
import {
  checkRetrainField,
  paperRetrainValue,
  RETRAIN_FIELDS,
  RETRAIN_GROUP_TITLES,
  retrainPresetOf,
  type RetrainFieldGroup,
  type RetrainFieldSpec,
} from '../store/retrainFields';
import { isLive, useStudio } from '../store/studio';

const GROUPS: RetrainFieldGroup[] = [
  'network',
  'training',
  'regularisation',
  'data',
];

const PRESET_NOTES: Record<RetrainPresetName, string> = {
  Demo: ' (minutes on a laptop CPU)',
  Quick: ' (an evening on CIFAR-10)',
  Paper: ' (train.py: 600 epochs)',
};

/** Which genotype to retrain, the preset and every retrain setting. */
export function RetrainSettings() {
  const config = useRetrain((s) => s.config);
  const live = useRetrain((s) => isLive(s.runState));
  const setPreset = useRetrain((s) => s.setPreset);
  const preset = retrainPresetOf(config);

  return (
    <>
      <GenotypeSource />
      <section
        className="panel settings retrain-settings"
        aria-labelledby="retrain-settings-title"
      >
        <h2 id="retrain-settings-title">Retrain settings</h2>
        <label className="preset">
          <span>Preset</span>
          <select
            data-testid="retrain-preset"
            value={preset}
            onChange={(event) =>
              setPreset(event.target.value as RetrainPresetName)
            }
          >
            {(Object.keys(RETRAIN_PRESETS) as RetrainPresetName[]).map(
              (name) => (
                <option key={name} value={name}>
                  {name}
                  {PRESET_NOTES[name]}
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
        {GROUPS.map((group) => (
          <fieldset key={group} className={`field-group group-${group}`}>
            <legend>{RETRAIN_GROUP_TITLES[group]}</legend>
            {RETRAIN_FIELDS.filter((field) => field.group === group).map(
              (field) => (
                <RetrainField
                  key={field.key}
                  field={field}
                  value={config[field.key]}
                />
              ),
            )}
          </fieldset>
        ))}
      </section>
    </>
  );
}

const SOURCE_LABELS: Record<GenotypeSourceKind, string> = {
  derived: 'The search’s genotype',
  imported: 'A genotype file',
  named: 'A named genotype',
};

/** The three places a genotype can come from, as radio buttons. */
function GenotypeSource() {
  const kind = useRetrain((s) => s.sourceKind);
  const imported = useRetrain((s) => s.imported);
  const named = useRetrain((s) => s.named);
  const searchStep = useStudio((s) => (s.genotype ? s.latest?.step : null));
  const { setSourceKind, setNamed, importGenotype } = useRetrain.getState();

  const detail: Record<GenotypeSourceKind, string> = {
    derived:
      searchStep != null
        ? `derived at search step ${searchStep}`
        : 'none yet: run a search first',
    imported: imported ? imported.file : 'none imported yet',
    named: named,
  };

  return (
    <section
      className="panel genotype-source-panel"
      aria-labelledby="retrain-source-title"
    >
      <h2 id="retrain-source-title">Genotype to retrain</h2>
      <div
        className="source-options"
        role="radiogroup"
        aria-labelledby="retrain-source-title"
      >
        {(Object.keys(SOURCE_LABELS) as GenotypeSourceKind[]).map((option) => (
          <label key={option} className="source-option">
            <input
              type="radio"
              name="retrain-source"
              value={option}
              data-testid={`source-${option}`}
              checked={kind === option}
              onChange={() => setSourceKind(option)}
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
            data-testid="retrain-import"
            aria-label="Import a genotype JSON or Python Genotype(...) file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importGenotype(file);
              event.target.value = '';
            }}
          />
        </label>
        <select
          aria-label="Named genotype"
          data-testid="retrain-named"
          value={named}
          onChange={(event) => setNamed(event.target.value)}
        >
          {Object.keys(NAMED_GENOTYPES).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

/** One retrain setting; the text as typed is kept locally, as in Settings. */
function RetrainField({
  field,
  value,
}: {
  field: RetrainFieldSpec;
  value: RetrainConfig[keyof RetrainConfig];
}) {
  const setField = useRetrain((s) => s.setField);
  const [draft, setDraft] = useState(String(value));
  const id = `retrain-${field.key}`;

  // A preset (or any outside change) replaces what was being typed.
  useEffect(() => {
    setDraft((current) =>
      Object.is(parseNumber(current), value) ? current : String(value),
    );
  }, [value]);

  const problem =
    field.kind === 'bool'
      ? null
      : checkRetrainField(field, parseNumber(draft), draft);
  const hint = (
    <p className="hint" id={`${id}-hint`}>
      {problem ?? field.hint}{' '}
      <span className="paper">paper: {paperRetrainValue(field.key)}</span>
    </p>
  );

  if (field.kind === 'bool') {
    return (
      <div className="field field-bool">
        <label htmlFor={id}>
          <input
            id={id}
            name={id}
            type="checkbox"
            checked={value === true}
            aria-describedby={`${id}-hint`}
            onChange={(event) => setField(field.key, event.target.checked)}
          />{' '}
          {field.label}
        </label>
        {hint}
      </div>
    );
  }
  return (
    <div className={`field${problem ? ' invalid' : ''}`}>
      <label htmlFor={id}>{field.label}</label>
      <input
        id={id}
        name={id}
        type="text"
        inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
        value={draft}
        aria-invalid={problem !== null}
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          // Invalid values go to the store too: Start then names the setting.
          setDraft(event.target.value);
          setField(
            field.key,
            parseNumber(event.target.value) as never,
            event.target.value,
          );
        }}
      />
      {hint}
    </div>
  );
}

function parseNumber(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}
