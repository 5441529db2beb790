/**
 * The compiled edge kernels (assembly/edgeKernels.ts) and a bump arena over
 * their memory. One instance per thread; every fused edge call lays its
 * buffers out from the arena's start and leaves nothing behind, so the
 * memory only grows to the largest edge seen.
 */
import { EDGE_KERNELS_WASM_BASE64 } from './edgeKernelsWasm.gen';

/** The kernels' exports, pointers as byte offsets (see the AS source). */
export interface EdgeKernels {
  memory: WebAssembly.Memory;
  dwFwd(
    inp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    f: number,
    k: number,
    s: number,
    d: number,
    p: number,
    out: number,
    ho: number,
    wo: number,
  ): void;
  dwBwd(
    dy: number,
    inp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    f: number,
    k: number,
    s: number,
    d: number,
    p: number,
    ho: number,
    wo: number,
    dx: number,
    df: number,
    wantDf: number,
  ): void;
  pw(
    inp: number,
    ldi: number,
    m: number,
    ci: number,
    wt: number,
    co: number,
    out: number,
    ldo: number,
    accumulate: number,
  ): void;
  pwGradWeight(
    inp: number,
    ldi: number,
    g: number,
    ldg: number,
    m: number,
    ci: number,
    co: number,
    dw: number,
  ): void;
  transpose(w: number, ci: number, co: number, wt: number): void;
  bnFwd(
    u: number,
    m: number,
    c: number,
    eps: number,
    out: number,
    rstd: number,
    tmp: number,
  ): void;
  bnBwd(
    g: number,
    xhat: number,
    rstd: number,
    m: number,
    c: number,
    dx: number,
    tmp: number,
  ): void;
  relu(x: number, n: number, out: number): void;
  reluMask(g: number, y: number, n: number): void;
  axpy(a: number, x: number, y: number, n: number, accumulate: number): void;
  dot(x: number, y: number, n: number): number;
  zero(x: number, n: number): void;
  subsample2(
    inp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    phase: number,
    out: number,
    adjoint: number,
  ): void;
  pool3Fwd(
    inp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    s: number,
    out: number,
    ho: number,
    wo: number,
    isMax: number,
  ): void;
  pool3Bwd(
    dy: number,
    inp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    s: number,
    ho: number,
    wo: number,
    isMax: number,
    dx: number,
  ): void;
}

/** Where the arena starts: past anything the module itself places. */
const ARENA_START = 1 << 16;
const PAGE = 1 << 16;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A bump allocator over the kernels' memory, in floats. */
export class EdgeArena {
  readonly k: EdgeKernels;
  private top = ARENA_START;
  private view: Float32Array;

  constructor(k: EdgeKernels) {
    this.k = k;
    this.view = new Float32Array(k.memory.buffer);
  }

  /** Frees everything: the next call lays out from the start again. */
  reset(): void {
    this.top = ARENA_START;
  }

  /** The arena's top, to release back to. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark()` returned `at`. */
  release(at: number): void {
    this.top = at;
  }

  /** A buffer of n floats (16-byte aligned), not cleared; its byte offset. */
  alloc(n: number): number {
    const at = this.top;
    this.top += Math.ceil((n * 4) / 16) * 16;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / PAGE));
    return at;
  }

  /** A zeroed buffer of n floats. */
  zeros(n: number): number {
    const at = this.alloc(n);
    this.k.zero(at, n);
    return at;
  }

  /** The memory as floats (a new view after the memory grew). */
  f32(): Float32Array {
    if (this.view.buffer !== this.k.memory.buffer) {
      this.view = new Float32Array(this.k.memory.buffer);
    }
    return this.view;
  }

  /** Copies `values` into a new buffer; its byte offset. */
  put(values: ArrayLike<number>): number {
    const at = this.alloc(values.length);
    this.f32().set(values, at / 4);
    return at;
  }

  /** A copy of n floats at byte offset `at`. */
  take(at: number, n: number): Float32Array {
    return this.f32().slice(at / 4, at / 4 + n);
  }
}

let arena: EdgeArena | null | undefined;

/**
 * The arena over a fresh instance of the kernels, or null where this
 * runtime cannot compile them (no WebAssembly SIMD): callers then take the
 * TF.js path.
 */
export function edgeArena(): EdgeArena | null {
  if (arena !== undefined) return arena;
  try {
    const module = new WebAssembly.Module(
      decodeBase64(EDGE_KERNELS_WASM_BASE64),
    );
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('edge kernels: abort');
        },
      },
    });
    arena = new EdgeArena(instance.exports as unknown as EdgeKernels);
  } catch {
    arena = null;
  }
  return arena;
}
