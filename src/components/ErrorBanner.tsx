import { useStudio } from '../store/studio';

/** Named errors, newest last, each dismissable; never a modal, never alert(). */
export function ErrorBanner() {
  const errors = useStudio((s) => s.errors);
  const dismiss = useStudio((s) => s.dismissError);

  if (errors.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <ul>
        {errors.map((error) => (
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
      {errors.length > 1 && (
        <button
          type="button"
          className="dismiss-all"
          onClick={() => errors.forEach((e) => dismiss(e.id))}
        >
          Dismiss all
        </button>
      )}
    </div>
  );
}

/** 'FileRejected' → 'File rejected'. */
function label(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
