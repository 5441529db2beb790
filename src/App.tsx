import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { CellsPanel } from './components/CellsPanel';
import { Charts } from './components/Charts';
import { Controls } from './components/Controls';
import { DropZone } from './components/DropZone';
import { ErrorBanner } from './components/ErrorBanner';
import { GenotypePanel } from './components/GenotypePanel';
import { Header } from './components/Header';
import { usePauseKey } from './components/pauseKey';
import { RetrainPanel } from './components/RetrainPanel';
import { RetrainSettings } from './components/RetrainSettings';
import { RnnRetrainPanel } from './components/RnnRetrainPanel';
import { RnnRetrainSettings } from './components/RnnRetrainSettings';
import { RnnSearchPanel } from './components/RnnSearchPanel';
import { RnnSettings } from './components/RnnSettings';
import { Settings } from './components/Settings';
import { useRetrain } from './store/retrain';
import { useRnn } from './store/rnn';
import type { Space } from './store/rnnFields';
import { useStudio } from './store/studio';

type View = 'search' | 'retrain';

const VIEWS: { id: View; label: string }[] = [
  { id: 'search', label: 'Search' },
  { id: 'retrain', label: 'Retrain' },
];

const SPACES: { id: Space; label: string; detail: string }[] = [
  { id: 'cnn', label: 'CIFAR-10', detail: 'convolutional' },
  { id: 'rnn', label: 'Penn Treebank', detail: 'recurrent' },
];

/**
 * The page: data and settings on the left, the run in the middle. A switch
 * picks the search space (CIFAR-10 cells or the PTB recurrent cell); tabs
 * switch between the search and retraining a genotype from scratch. Each
 * space keeps its own data, runs and settings while the other is in view.
 */
export function App() {
  const connect = useStudio((s) => s.connect);
  const space = useRnn((s) => s.space);
  const setSpace = useRnn((s) => s.setSpace);
  const [view, setView] = useState<View>('search');

  useEffect(() => connect(), [connect]);
  usePauseKey(() => void togglePauseIn(space, view));

  const recurrent = space === 'rnn';
  const settings = recurrent ? (
    view === 'search' ? (
      <RnnSettings />
    ) : (
      <RnnRetrainSettings />
    )
  ) : view === 'search' ? (
    <Settings />
  ) : (
    <RetrainSettings />
  );
  const cnnPanel =
    view === 'search' ? (
      <>
        <Controls />
        <CellsPanel />
        <Charts />
        <GenotypePanel />
      </>
    ) : (
      <RetrainPanel />
    );
  const rnnPanel = view === 'search' ? <RnnSearchPanel /> : <RnnRetrainPanel />;

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <div className="layout">
        <aside className="sidebar">
          <DropZone />
          {settings}
        </aside>
        <main className="main">
          <SpaceSwitch space={space} onChange={setSpace} />
          <ViewTabs view={view} onChange={setView} />
          <div
            className="view-panel"
            role="tabpanel"
            id={`view-${view}`}
            aria-labelledby={`tab-${view}`}
            data-space={space}
          >
            {recurrent ? rnnPanel : cnnPanel}
          </div>
        </main>
      </div>
    </div>
  );
}

/** Pauses or resumes the run of the view shown: each keeps its own run. */
function togglePauseIn(space: Space, view: View): Promise<void> {
  if (space === 'rnn') {
    const rnn = useRnn.getState();
    return view === 'search' ? rnn.togglePause() : rnn.retrainTogglePause();
  }
  return view === 'search'
    ? useStudio.getState().togglePause()
    : useRetrain.getState().togglePause();
}

/** The search-space switch: a segmented control of two pressed-or-not buttons. */
function SpaceSwitch({
  space,
  onChange,
}: {
  space: Space;
  onChange: (space: Space) => void;
}) {
  return (
    <div className="space-switch" role="group" aria-label="Search space">
      {SPACES.map(({ id, label, detail }) => (
        <button
          key={id}
          type="button"
          data-testid={`space-${id}`}
          aria-pressed={space === id}
          className={space === id ? 'active' : undefined}
          onClick={() => onChange(id)}
        >
          {label} <span className="space-detail">· {detail}</span>
        </button>
      ))}
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
