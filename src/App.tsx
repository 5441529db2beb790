import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { CellsPanel } from './components/CellsPanel';
import { Charts } from './components/Charts';
import { Controls } from './components/Controls';
import { DropZone } from './components/DropZone';
import { ErrorBanner } from './components/ErrorBanner';
import { GenotypePanel } from './components/GenotypePanel';
import { Header } from './components/Header';
import { RetrainPanel } from './components/RetrainPanel';
import { RetrainSettings } from './components/RetrainSettings';
import { Settings } from './components/Settings';
import { useStudio } from './store/studio';

type View = 'search' | 'retrain';

const VIEWS: { id: View; label: string }[] = [
  { id: 'search', label: 'Search' },
  { id: 'retrain', label: 'Retrain' },
];

/**
 * The page: data and settings on the left, the run in the middle. Tabs
 * switch between the search and retraining a genotype from scratch; the
 * data is shared, each view has its own settings.
 */
export function App() {
  const connect = useStudio((s) => s.connect);
  const [view, setView] = useState<View>('search');

  useEffect(() => connect(), [connect]);

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <div className="layout">
        <aside className="sidebar">
          <DropZone />
          {view === 'search' ? <Settings /> : <RetrainSettings />}
        </aside>
        <main className="main">
          <ViewTabs view={view} onChange={setView} />
          <div
            className="view-panel"
            role="tabpanel"
            id={`view-${view}`}
            aria-labelledby={`tab-${view}`}
          >
            {view === 'search' ? (
              <>
                <Controls />
                <CellsPanel />
                <Charts />
                <GenotypePanel />
              </>
            ) : (
              <RetrainPanel />
            )}
          </div>
        </main>
      </div>
    </div>
  );
}

/** The view switch, as a tab list: arrows, Home and End move between tabs. */
function ViewTabs({
  view,
  onChange,
}: {
  view: View;
  onChange: (view: View) => void;
}) {
  const tabs = useRef<Record<View, HTMLButtonElement | null>>({
    search: null,
    retrain: null,
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = VIEWS.findIndex((v) => v.id === view);
    const next =
      event.key === 'ArrowRight'
        ? (at + 1) % VIEWS.length
        : event.key === 'ArrowLeft'
          ? (at + VIEWS.length - 1) % VIEWS.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? VIEWS.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    onChange(VIEWS[next].id);
    tabs.current[VIEWS[next].id]?.focus();
  };

  return (
    <div
      className="view-tabs"
      role="tablist"
      aria-label="Views"
      onKeyDown={onKeyDown}
    >
      {VIEWS.map(({ id, label }) => (
        <button
          key={id}
          ref={(node) => {
            tabs.current[id] = node;
          }}
          type="button"
          role="tab"
          id={`tab-${id}`}
          data-testid={`tab-${id}`}
          aria-selected={view === id}
          aria-controls={`view-${id}`}
          tabIndex={view === id ? 0 : -1}
          className={view === id ? 'active' : undefined}
          onClick={() => onChange(id)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
