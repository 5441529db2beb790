import { useEffect, useRef } from 'react';
import { useStudio, type StudioState } from '../store/studio';

/** A D3 view as the components use it: built once, restyled on store changes. */
export interface MountedView {
  draw(): void;
  destroy?(): void;
}

/**
 * Mounts a D3 view on an <svg> and restyles it outside React: `render` runs
 * once after draw() and then whenever `changed(state, previous)` is true.
 */
export function useView<V extends MountedView>(
  create: (svg: SVGSVGElement) => V,
  render: (view: V, state: StudioState) => void,
  changed: (state: StudioState, previous: StudioState) => boolean,
) {
  const ref = useRef<SVGSVGElement>(null);
  // The callbacks are read through a ref so the view is built only once.
  const latest = useRef({ create, render, changed });
  latest.current = { create, render, changed };

  useEffect(() => {
    const svg = ref.current;
    if (!svg) return;
    const view = latest.current.create(svg);
    view.draw();
    latest.current.render(view, useStudio.getState());

    const unsubscribe = useStudio.subscribe((state, previous) => {
      if (latest.current.changed(state, previous))
        latest.current.render(view, state);
    });
    return () => {
      unsubscribe();
      view.destroy?.();
    };
  }, []);

  return ref;
}
