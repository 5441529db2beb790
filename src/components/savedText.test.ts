import { describe, expect, it } from 'vitest';
import { restoredLine, savedNote, savedWhen } from './savedText';

const now = new Date(2025, 11, 4, 15, 0);
const at = new Date(2025, 11, 4, 12, 41).getTime();
const info = { step: 120, totalSteps: 640, savedAt: at, savedOn: 'webgpu' };

describe('the saved-run lines', () => {
  it('says where a restored run stands and what to press', () => {
    expect(restoredLine({ ...info, done: false }, 'webgpu', now)).toBe(
      'Restored the search saved at step 120 of 640 (12:41). ' +
        'Resume to continue, or Start for a new run.',
    );
  });

  it('says which backend continues when it changed', () => {
    expect(restoredLine({ ...info, done: false }, 'wasm', now)).toContain(
      'It continues on WASM (it ran on WebGPU before the reload).',
    );
  });

  it('offers only Start for a finished run', () => {
    expect(restoredLine({ ...info, done: true }, 'wasm', now)).toBe(
      'Restored the finished search (step 120 of 640, saved 12:41). ' +
        'Start for a new run.',
    );
  });

  it('gives the day for a save before today', () => {
    expect(savedWhen(new Date(2025, 11, 3, 9, 5).getTime(), now)).toBe(
      '3 Dec 09:05',
    );
    expect(savedNote(info, now)).toBe('Saved at step 120 · 12:41');
  });
});
