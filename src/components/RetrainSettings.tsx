import { useEffect, useState } from 'react';
import { NAMED_GENOTYPES } from '../core/namedGenotypes';
import {
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../core/retrainConfig';
import { useRetrain } from '../store/retrain';
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
import { GenotypeSourcePanel } from './GenotypeSourcePanel';
import { SettingsPanel } from './SettingsPanel';

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

  return (
    <>
      <GenotypeSource />
      <SettingsPanel
        className="panel settings retrain-settings"
        titleId="retrain-settings-title"
        title="Retrain settings"
        presetTestId="retrain-preset"
        presets={Object.keys(RETRAIN_PRESETS) as RetrainPresetName[]}
        presetNotes={PRESET_NOTES}
        preset={retrainPresetOf(config)}
        onPreset={setPreset}
        liveNote={
          live ? 'A retrain is live: changes apply to the next Start.' : null
        }
      >
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
      </SettingsPanel>
    </>
  );
}

/** The source picker, reading and writing the CNN retrain's store. */
function GenotypeSource() {
  const kind = useRetrain((s) => s.sourceKind);
  const imported = useRetrain((s) => s.imported);
  const named = useRetrain((s) => s.named);
  const searchStep = useStudio((s) => (s.genotype ? s.latest?.step : null));
  const { setSourceKind, setNamed, importGenotype } = useRetrain.getState();

  return (
    <GenotypeSourcePanel
      titleId="retrain-source-title"
      title="Genotype to retrain"
      radioName="retrain-source"
      radioTestIdPrefix="source-"
      source={kind}
      detail={{
        derived:
          searchStep != null
            ? `derived at search step ${searchStep}`
            : 'none yet: run a search first',
        imported: imported ? imported.file : 'none imported yet',
        named,
      }}
      onSource={setSourceKind}
      importTestId="retrain-import"
      importLabel="Import a genotype JSON or Python Genotype(...) file"
      onImport={(file) => void importGenotype(file)}
      namedTestId="retrain-named"
      namedLabel="Named genotype"
      named={named}
      namedOptions={Object.keys(NAMED_GENOTYPES)}
      onNamed={setNamed}
    />
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
