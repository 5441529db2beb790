/**
 * Space toggles pause of the run in view. One window listener, mounted by
 * the page, calls whatever toggle the page passes on its latest render.
 */
import { useEffect, useRef } from 'react';

/** Calls `toggle` on Space, unless Space is typing into a field. */
export function usePauseKey(toggle: () => void): void {
  const latest = useRef(toggle);
  useEffect(() => {
    latest.current = toggle;
  });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== ' ' || isTyping(event.target)) return;
      // Also on keyup: a focused button clicks itself on Space's keyup.
      event.preventDefault();
      if (event.type !== 'keydown' || event.repeat) return;
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
    };
  }, []);
}

/**
 * Whether Space belongs to the focused element: text fields, selects and
 * editable text. Anywhere else — buttons included — Space toggles pause.
 */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !NON_TEXT_INPUTS.has(type);
}

/** Inputs Space would press or tick rather than type into. */
const NON_TEXT_INPUTS = new Set([
  'button',
  'submit',
  'reset',
  'checkbox',
  'radio',
  'file',
  'image',
  'range',
  'color',
]);
