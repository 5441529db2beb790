import { useEffect, useState } from 'react';
import {
  checkRnnField,
  paperRnnValue,
  readRnnField,
  RETRAIN_PREFIX,
  RNN_GROUP_TITLES,
  SEARCH_PREFIX,
  type RnnFieldGroup,
  type RnnFieldKey,
  type RnnFieldSpec,
} from '../store/rnnFields';
import type { RnnSearchConfig } from '../core/rnnConfig';
import type { RnnRetrainConfig } from '../core/rnnRetrain';

const GROUPS: RnnFieldGroup[] = [
  'network',
  'weights',
  'arch',
  'regularisation',
  'data',
];

export interface RnnFieldGroupsProps {
  kind: 'search' | 'retrain';
  fields: RnnFieldSpec[];
  config: RnnSearchConfig | RnnRetrainConfig;
  /** True while a run is live: fields that shape the network are locked. */
  live: boolean;
  onChange(key: RnnFieldKey, value: number | string, typed?: string): void;
}

/** Every recurrent setting of one config, grouped, with the paper's value beside each. */
export function RnnFieldGroups({
  kind,
  fields,
  config,
  live,
  onChange,
}: RnnFieldGroupsProps) {
  return (
    <>
      {GROUPS.map((group) => {
        const inGroup = fields.filter((field) => field.group === group);
        if (inGroup.length === 0) return null;
        return (
          <fieldset key={group} className={`field-group group-${group}`}>
            <legend>{RNN_GROUP_TITLES[group]}</legend>
            {inGroup.map((field) => (
              <RnnField
                key={field.key}
                kind={kind}
                field={field}
                value={readRnnField(config, field.key)}
                locked={live && field.shapesNetwork === true}
                onChange={onChange}
              />
            ))}
          </fieldset>
        );
      })}
    </>
  );
}

interface RnnFieldProps {
  kind: 'search' | 'retrain';
  field: RnnFieldSpec;
  value: number | string;
  locked: boolean;
  onChange: RnnFieldGroupsProps['onChange'];
}

/** One setting; the text as typed is kept locally so '0.' or '' can be edited on. */
function RnnField({ kind, field, value, locked, onChange }: RnnFieldProps) {
  const [draft, setDraft] = useState(String(value));
  const id = `rnn-${kind}-${field.key.replace('.', '-')}`;
  // Names the e2e specs and autofill see: rnn-hidden, rnn-retrain-hidden, …
  const name = `${kind === 'search' ? 'rnn' : 'rnn-retrain'}-${field.key}`;

  // A preset (or any outside change) replaces what was being typed.
  useEffect(() => {
    setDraft((current) =>
      Object.is(parse(field, current), value) ? current : String(value),
    );
  }, [field, value]);

  const prefix = kind === 'search' ? SEARCH_PREFIX : RETRAIN_PREFIX;
  const problem = checkRnnField(field, parse(field, draft), prefix, draft);
  const hint = (
    <p className="hint" id={`${id}-hint`}>
      {problem ?? field.hint}{' '}
      <span className="paper">paper: {paperRnnValue(field.key, kind)}</span>
    </p>
  );

  return (
    <div
      className={`field${problem ? ' invalid' : ''}${locked ? ' locked' : ''}`}
    >
      <label htmlFor={id}>{field.label}</label>
      {field.kind === 'order' ? (
        <select
          id={id}
          name={name}
          value={String(value)}
          disabled={locked}
          onChange={(event) => onChange(field.key, event.target.value)}
        >
          <option value="first">first</option>
          <option value="second">second</option>
        </select>
      ) : (
        <input
          id={id}
          name={name}
          type="text"
          inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
          value={draft}
          disabled={locked}
          aria-invalid={problem !== null}
          aria-describedby={`${id}-hint`}
          title={
            locked
              ? 'Locked while a search is live: it shapes the network'
              : undefined
          }
          onChange={(event) => {
            // Invalid values go to the store too: Start then names the setting.
            setDraft(event.target.value);
            onChange(
              field.key,
              parse(field, event.target.value),
              event.target.value,
            );
          }}
        />
      )}
      {hint}
    </div>
  );
}

function parse(field: RnnFieldSpec, text: string): number | string {
  if (field.kind === 'order') return text;
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

/** Preset notes beside the names in both preset pickers. */
export const RNN_PRESET_NOTES = {
  search: {
    Demo: ' (minutes on a laptop CPU)',
    Quick: ' (a slice of PTB, first order)',
    Paper: ' (train_search.py, second order)',
  },
  retrain: {
    Demo: ' (minutes on a laptop CPU)',
    Quick: ' (a slice of PTB at 200 units)',
    Paper: ' (train.py: 850 units)',
  },
} as const;
