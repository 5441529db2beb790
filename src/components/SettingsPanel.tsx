import type { ReactNode } from 'react';

export interface SettingsPanelProps<P extends string> {
  /** The section's whole class list. */
  className: string;
  /** The heading's id; the section is labelled by it. */
  titleId: string;
  title: string;
  presetTestId: string;
  /** The presets in the order the picker lists them. */
  presets: readonly P[];
  /** Text after each preset's name, saying what it costs. */
  presetNotes: Record<P, string>;
  /** 'Custom' when the settings match no preset. */
  preset: P | 'Custom';
  onPreset(name: P): void;
  /** The note under the picker while a run is live; null when none is. */
  liveNote: string | null;
  /** The field groups. */
  children: ReactNode;
}

/** A settings section: its title, the preset picker, the live note, the fields. */
export function SettingsPanel<P extends string>({
  className,
  titleId,
  title,
  presetTestId,
  presets,
  presetNotes,
  preset,
  onPreset,
  liveNote,
  children,
}: SettingsPanelProps<P>) {
  return (
    <section className={className} aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <label className="preset">
        <span>Preset</span>
        <select
          data-testid={presetTestId}
          value={preset}
          // 'Custom' is listed only while selected, so it is never a change.
          onChange={(event) => onPreset(event.target.value as P)}
        >
          {presets.map((name) => (
            <option key={name} value={name}>
              {name}
              {presetNotes[name]}
            </option>
          ))}
          {preset === 'Custom' && <option value="Custom">Custom</option>}
        </select>
      </label>
      {liveNote !== null && <p className="settings-note">{liveNote}</p>}
      {children}
    </section>
  );
}
