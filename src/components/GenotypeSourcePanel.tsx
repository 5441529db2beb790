import type { GenotypeSource } from '../store/genotypeSource';

const SOURCE_LABELS: Record<GenotypeSource, string> = {
  derived: 'The search’s genotype',
  imported: 'A genotype file',
  named: 'A named genotype',
};

export interface GenotypeSourcePanelProps {
  /** The heading's id; the section and the radio group are labelled by it. */
  titleId: string;
  title: string;
  /** The radio buttons' name. */
  radioName: string;
  /** Each radio button's test id is this followed by its source. */
  radioTestIdPrefix: string;
  source: GenotypeSource;
  /** What each source would give now, after its label. */
  detail: Record<GenotypeSource, string>;
  onSource(source: GenotypeSource): void;
  importTestId: string;
  importLabel: string;
  onImport(file: File): void;
  namedTestId: string;
  namedLabel: string;
  named: string;
  /** The named genotypes, in the order the list shows them. */
  namedOptions: string[];
  onNamed(name: string): void;
}

/** The three places a genotype to retrain can come from, as radio buttons. */
export function GenotypeSourcePanel(props: GenotypeSourcePanelProps) {
  const { titleId, source, detail } = props;
  return (
    <section className="panel genotype-source-panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{props.title}</h2>
      <div
        className="source-options"
        role="radiogroup"
        aria-labelledby={titleId}
      >
        {(Object.keys(SOURCE_LABELS) as GenotypeSource[]).map((option) => (
          <label key={option} className="source-option">
            <input
              type="radio"
              name={props.radioName}
              value={option}
              data-testid={`${props.radioTestIdPrefix}${option}`}
              checked={source === option}
              onChange={() => props.onSource(option)}
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
            data-testid={props.importTestId}
            aria-label={props.importLabel}
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) props.onImport(file);
              // The same file chosen again is read again.
              event.target.value = '';
            }}
          />
        </label>
        <select
          aria-label={props.namedLabel}
          data-testid={props.namedTestId}
          value={props.named}
          onChange={(event) => props.onNamed(event.target.value)}
        >
          {props.namedOptions.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}
