import { useState } from 'react';
import { useStudio } from '../store/studio';

/** Rows shown before the rest fold into "and N more", so the studio stays in view. */
export const BANNER_ROWS = 3;

/**
 * Named errors, each dismissable; never a modal, never alert(). The newest
 * BANNER_ROWS show; older ones fold into "and N more" until opened.
 */
export function ErrorBanner() {
  const errors = useStudio((s) => s.errors);
  const dismiss = useStudio((s) => s.dismissError);
  const dismissAll = useStudio((s) => s.dismissAllErrors);
  const [expanded, setExpanded] = useState(false);

  if (errors.length === 0) return null;
  const hidden = expanded ? 0 : Math.max(0, errors.length - BANNER_ROWS);
  const shown = errors.slice(hidden);
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <ul>
        {shown.map((error) => (
          <li key={error.id} className="error" data-error-name={error.name}>
            <strong>{label(error.name)}</strong>
            <span className="error-message">{error.message}</span>
            <button
              type="button"
              className="dismiss"
              aria-label={`Dismiss: ${error.message}`}
              onClick={() => dismiss(error.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="banner-actions">
        {hidden > 0 && (
          <button
            type="button"
            className="link more-errors"
            data-testid="more-errors"
            onClick={() => setExpanded(true)}
          >
            and {hidden} more
          </button>
        )}
        {expanded && errors.length > BANNER_ROWS && (
          <button
            type="button"
            className="link more-errors"
            onClick={() => setExpanded(false)}
          >
            show fewer
          </button>
        )}
        {errors.length > 1 && (
          <button
            type="button"
            className="dismiss-all"
            onClick={() => {
              dismissAll();
              setExpanded(false);
            }}
          >
            Dismiss all
          </button>
        )}
      </div>
    </div>
  );
}

/** 'FileRejected' → 'File rejected'. */
function label(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
