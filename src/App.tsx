import { useEffect } from 'react';
import { CellsPanel } from './components/CellsPanel';
import { Charts } from './components/Charts';
import { Controls } from './components/Controls';
import { DropZone } from './components/DropZone';
import { ErrorBanner } from './components/ErrorBanner';
import { GenotypePanel } from './components/GenotypePanel';
import { Header } from './components/Header';
import { Settings } from './components/Settings';
import { useStudio } from './store/studio';

/** The page: data and settings on the left, the run and its cells in the middle. */
export function App() {
  const connect = useStudio((s) => s.connect);

  useEffect(() => connect(), [connect]);

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <div className="layout">
        <aside className="sidebar">
          <DropZone />
          <Settings />
        </aside>
        <main className="main">
          <Controls />
          <CellsPanel />
          <Charts />
          <GenotypePanel />
        </main>
      </div>
    </div>
  );
}
