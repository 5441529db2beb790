import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunState } from '../../workers/api';
import { oneAtATime, runControls, type RunRequest } from './runControls';

// The controls reach the worker and the banner through studio.ts; a stand-in
// records the calls (failing them when `failing` is set) and the banner lines.
// The real studio.ts cannot be partly mocked: it imports the stores, which
// import the controls, which would then see the unmocked module.
const fake = vi.hoisted(() => {
  const calls: string[] = [];
  const errors: { name: string; message: string }[] = [];
  const state = { failing: false, ready: true };
  const call = (name: string) => async () => {
    calls.push(name);
    if (state.failing) throw new Error(`${name} failed`);
  };
  const api = {
    pause: call('pause'),
    resume: call('resume'),
    stop: call('stop'),
    step: call('step'),
  };
  return { calls, errors, state, api };
});
type FakeApi = typeof fake.api;
const { calls, errors } = fake;

vi.mock('./studio', () => ({
  isLive: (state: string) => state === 'running' || state === 'paused',
  useStudio: {
    getState: () => ({
      pushError: (error: { name: string; message: string }) =>
        fake.errors.push(error),
    }),
  },
  workerApi: () => (fake.state.ready ? fake.api : null),
}));

const api = (task: (stub: FakeApi) => Promise<void>) => (real: unknown) =>
  task(real as FakeApi);

function controlsOver(state: RunState) {
  const slot = { state, request: null as RunRequest };
  const controls = runControls(
    {
      state: () => slot.state,
      request: () => slot.request,
      setRequest: (request) => (slot.request = request),
    },
    {
      pause: api((a) => a.pause()),
      resume: api((a) => a.resume()),
      stop: api((a) => a.stop()),
    },
  );
  return { slot, controls };
}

beforeEach(() => {
  calls.length = 0;
  errors.length = 0;
  fake.state.failing = false;
  fake.state.ready = true;
});

describe('runControls', () => {
  it('pauses a running run and waits for the worker to confirm', async () => {
    const { slot, controls } = controlsOver('running');
    await controls.togglePause();
    expect(calls).toEqual(['pause']);
    expect(slot.request).toBe('pausing');
    // A second click before the worker's report does nothing.
    await controls.togglePause();
    expect(calls).toEqual(['pause']);
  });

  it('resumes a paused run without a request', async () => {
    const { slot, controls } = controlsOver('paused');
    await controls.togglePause();
    expect(calls).toEqual(['resume']);
    expect(slot.request).toBeNull();
  });

  it('ignores Pause when idle or done', async () => {
    for (const state of ['idle', 'done'] as RunState[]) {
      await controlsOver(state).controls.togglePause();
    }
    expect(calls).toEqual([]);
  });

  it('stops only a live run', async () => {
    await controlsOver('idle').controls.stop();
    expect(calls).toEqual([]);
    const { slot, controls } = controlsOver('paused');
    await controls.stop();
    expect(calls).toEqual(['stop']);
    expect(slot.request).toBe('stopping');
  });

  it('clears the request and shows the fault when a call fails', async () => {
    fake.state.failing = true;
    const { slot, controls } = controlsOver('running');
    await controls.togglePause();
    expect(slot.request).toBeNull();
    await controls.stop();
    expect(slot.request).toBeNull();
    const messages = errors.map((e) => e.message);
    expect(messages).toEqual(['pause failed', 'stop failed']);
  });

  it('says the worker has not started when there is none', async () => {
    fake.state.ready = false;
    const { slot, controls } = controlsOver('running');
    await controls.togglePause();
    expect(slot.request).toBeNull();
    expect(errors.map((e) => e.name)).toEqual(['NotReady']);
  });
});

describe('oneAtATime', () => {
  it('holds its flag while the call runs and ignores clicks meanwhile', async () => {
    let busy = false;
    const seen: boolean[] = [];
    const step = oneAtATime(
      { get: () => busy, set: (on) => (busy = on) },
      api(async (a) => {
        seen.push(busy);
        await a.step();
      }),
    );
    const first = step();
    await step();
    await first;
    expect(calls).toEqual(['step']);
    expect(seen).toEqual([true]);
    expect(busy).toBe(false);
  });

  it('clears its flag when the call fails', async () => {
    fake.state.failing = true;
    let busy = false;
    await oneAtATime(
      { get: () => busy, set: (on) => (busy = on) },
      api((a) => a.step()),
    )();
    expect(busy).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
