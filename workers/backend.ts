/**
 * Picks the TF.js backend for the search worker: a GPU backend only when a
 * real (hardware) GPU is behind it, else single-threaded wasm, else cpu.
 * Each candidate is first initialised in a throwaway probe worker, because a
 * backend whose initialisation hangs poisons tf.ready() for good in the
 * worker that tried it (REFERENCE.md §11); a probe can simply be terminated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { edgeKernelsLine } from '../src/core/fused/edgeWasm';
import type { BackendInfo } from './api';
import { loadBackend, type BackendName } from './backendModules';

/** Whether a GPU API has hardware behind it, and in words what was found. */
interface Detection {
  ok: boolean;
  /** The adapter or renderer when ok, else why the backend is passed over. */
  detail: string;
}

/** The part of WebGPU's API used here (lib.dom may not declare it). */
interface GpuAdapterLike {
  info?: GpuInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<GpuInfoLike>;
}

interface GpuInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const DETECT_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 25_000;
const SET_BACKEND_TIMEOUT_MS = 25_000;

const SOFTWARE_RENDERER =
  /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;

/**
 * Chooses and activates the backend in this worker. Never hangs: every step
 * that could is raced against a timeout, and cpu is always left.
 */
export async function chooseBackend(): Promise<BackendInfo> {
  const info = await pickBackend();
  return { ...info, edgeKernels: edgeKernelsLine() };
}

async function pickBackend(): Promise<Omit<BackendInfo, 'edgeKernels'>> {
  const skipped: string[] = [];

  const gpu = await detect(detectWebGpu, 'the adapter request');
  if (gpu.ok) {
    const info = await tryBackend('webgpu', `WebGPU · ${gpu.detail}`, skipped);
    if (info) return info;
  } else {
    skipped.push(`webgpu: ${gpu.detail}`);
  }

  const gl = await detect(detectWebGl, 'WebGL context creation');
  if (gl.ok) {
    const info = await tryBackend('webgl', `WebGL · ${gl.detail}`, skipped);
    if (info) return info;
  } else {
    skipped.push(`webgl: ${gl.detail}`);
  }

  const why = summariseSkips(skipped);
  const wasm = await tryBackend('wasm', `WASM · ${why}`, skipped);
  if (wasm) return wasm;

  await tf.setBackend('cpu');
  return { name: 'cpu', label: `CPU · ${why}, wasm failed`, skipped };
}

/** Probes `name` in a throwaway worker, then activates it here; null (and a skip line) if either fails. */
async function tryBackend(
  name: BackendName,
  label: string,
  skipped: string[],
): Promise<Omit<BackendInfo, 'edgeKernels'> | null> {
  const probe = await probeInWorker(name);
  if (!probe.ok) {
    skipped.push(`${name}: ${probe.detail}`);
    return null;
  }

  try {
    await loadBackend(name);
    const ok = await withTimeout(
      tf.setBackend(name),
      SET_BACKEND_TIMEOUT_MS,
      'setBackend',
    );
    if (!ok) throw new Error('setBackend returned false');
  } catch (error) {
    skipped.push(
      `${name}: passed its probe but failed here (${message(error)})`,
    );
    await tf.setBackend('cpu');
    return null;
  }
  return { name, label, skipped: [...skipped] };
}

/** Looks for a WebGPU adapter that is not Dawn's software fallback. */
async function detectWebGpu(): Promise<Detection> {
  const gpu = (
    navigator as Navigator & {
      gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
    }
  ).gpu;
  if (!gpu) return { ok: false, detail: 'not offered by this browser' };

  const adapter = await gpu.requestAdapter();
  if (!adapter) return { ok: false, detail: 'no GPU adapter found' };

  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  if (info.isFallbackAdapter || adapter.isFallbackAdapter) {
    return { ok: false, detail: 'only a fallback (software) adapter' };
  }
  const name = [info.vendor, info.architecture, info.description || info.device]
    .filter((part) => part)
    .join(' ');
  return { ok: true, detail: name || 'GPU adapter' };
}

/** Looks for a WebGL context whose renderer is hardware, not SwiftShader or llvmpipe. */
async function detectWebGl(): Promise<Detection> {
  if (typeof OffscreenCanvas === 'undefined') {
    return { ok: false, detail: 'no OffscreenCanvas in workers' };
  }
  const canvas = new OffscreenCanvas(1, 1);
  const gl = (canvas.getContext('webgl2') ??
    canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return { ok: false, detail: 'no WebGL context' };

  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(
    gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '',
  );
  gl.getExtension('WEBGL_lose_context')?.loseContext();

  if (SOFTWARE_RENDERER.test(renderer)) {
    return { ok: false, detail: `software renderer (${shorten(renderer)})` };
  }
  return { ok: true, detail: shorten(renderer) || 'GPU' };
}

/** Outcome of a probe worker: it initialised the backend and ran a small conv. */
interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** Initialises `name` in a fresh worker, terminated after the answer or the timeout. */
function probeInWorker(name: BackendName): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./probe.worker.ts', import.meta.url), {
      type: 'module',
    });
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          detail: `initialisation hung for ${PROBE_TIMEOUT_MS / 1000} s`,
        }),
      PROBE_TIMEOUT_MS,
    );

    worker.onmessage = (event: MessageEvent<ProbeResult>) => finish(event.data);
    worker.onerror = (event) =>
      finish({
        ok: false,
        detail: `probe worker failed (${event.message || 'no message'})`,
      });
    worker.postMessage(name);
  });
}

/** The reason shown after "WASM ·": why no GPU backend was used. */
function summariseSkips(skipped: string[]): string {
  if (skipped.some((line) => /fallback|software/.test(line))) {
    return 'software GPU only';
  }
  if (skipped.some((line) => /hung|failed/.test(line)))
    return 'GPU backends failed';
  return 'no GPU adapter found';
}

function shorten(renderer: string): string {
  // ANGLE wraps the real name: "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x…), …)".
  const angle = /^ANGLE \((.*)\)$/.exec(renderer);
  const inner = angle ? (angle[1].split(', ')[1] ?? angle[1]) : renderer;
  return inner.replace(/\s*\(0x[0-9a-f]+\)/i, '').slice(0, 60);
}

/** A detection that fails, rather than hangs or throws, when the API misbehaves. */
async function detect(
  run: () => Promise<Detection>,
  what: string,
): Promise<Detection> {
  try {
    return await withTimeout(run(), DETECT_TIMEOUT_MS, what);
  } catch (error) {
    return { ok: false, detail: message(error) };
  }
}

/** Resolves like `promise`, or rejects once `ms` pass. */
function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${ms / 1000} s`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
