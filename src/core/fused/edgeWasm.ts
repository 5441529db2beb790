/**
 * The compiled edge kernels (assembly/edgeKernels.ts), a bump arena for
 * their scratch buffers, and the way tensors reach them.
 *
 * The module imports its memory. Under TF.js's wasm backend it shares the
 * backend's own heap: the kernels read tensors where TF.js keeps them and
 * write outputs into tensors TF.js allocated, with no copy either way, and
 * scratch buffers come from the backend's malloc. Under the cpu backend it
 * gets a memory of its own, and tensors are copied in and out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EDGE_KERNELS_WASM_BASE64 } from './edgeKernelsWasm.gen';

/** The kernels' exports, pointers as byte offsets (see the AS source). */
export interface EdgeKernels {
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

/** Scratch blocks from a host heap start at this size (bytes). */
const MIN_BLOCK = 1 << 22;
/** Where the arena starts in a memory of our own. */
const OWN_START = 1 << 16;
const PAGE = 1 << 16;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The allocator of a heap we share (TF.js wasm's malloc and free). */
export interface HostHeap {
  malloc(bytes: number): number;
  free(ptr: number): void;
}

interface Block {
  ptr: number;
  start: number;
  bytes: number;
}

/**
 * A bump allocator, in floats. In a memory of its own it grows the memory;
 * in a shared heap it takes blocks from the host's malloc, and reset()
 * merges them into one block as large as the last call needed.
 */
export class EdgeArena {
  readonly k: EdgeKernels;
  readonly memory: WebAssembly.Memory;
  private readonly host: HostHeap | null;
  private readonly blocks: Block[] = [];
  private block = -1;
  private top = OWN_START;
  private end = Infinity;
  private view: Float32Array;

  constructor(
    k: EdgeKernels,
    memory: WebAssembly.Memory,
    host: HostHeap | null,
  ) {
    this.k = k;
    this.memory = memory;
    this.host = host;
    this.view = new Float32Array(memory.buffer);
    // In a shared heap nothing is ours until the host hands out a block.
    if (host !== null) [this.top, this.end] = [0, 0];
  }

  /** Frees everything: the next call lays out from the start again. */
  reset(): void {
    if (this.host === null) {
      this.top = OWN_START;
      return;
    }
    if (this.blocks.length > 1) {
      const total = this.blocks.reduce((t, b) => t + b.bytes, 0);
      for (const b of this.blocks.splice(0)) this.host.free(b.ptr);
      this.block = -1;
      this.nextBlock(total);
    }
    if (this.block >= 0) this.useBlock(0);
  }

  /** The arena's position, to release back to. */
  mark(): [number, number] {
    // A mark must point into a block of ours, so a shared heap takes its
    // first block now: released to, top 0 would be TF.js's own memory.
    if (this.host !== null && this.block < 0) this.nextBlock(MIN_BLOCK);
    return [this.block, this.top];
  }

  /** Frees everything allocated since `mark()` returned `at`. */
  release([block, top]: [number, number]): void {
    if (this.host !== null) this.useBlock(block);
    this.top = top;
  }

  /** A buffer of n floats (16-byte aligned), not cleared; its byte offset. */
  alloc(n: number): number {
    const bytes = Math.max(16, Math.ceil((n * 4) / 16) * 16);
    if (this.host !== null) {
      if (this.top + bytes > this.end) this.nextBlock(bytes);
    } else {
      const need = this.top + bytes - this.memory.buffer.byteLength;
      if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    }
    const at = this.top;
    this.top += bytes;
    return at;
  }

  private useBlock(i: number): void {
    const b = this.blocks[i];
    this.block = i;
    this.top = b.start;
    this.end = b.start + b.bytes;
  }

  private nextBlock(bytes: number): void {
    const host = this.host as HostHeap;
    // Blocks past the current one were left by a release(): reuse the next
    // if it is large enough, else free them.
    const next = this.blocks[this.block + 1];
    if (next !== undefined && next.bytes >= bytes) {
      this.useBlock(this.block + 1);
      return;
    }
    while (this.blocks.length > this.block + 1) {
      host.free((this.blocks.pop() as Block).ptr);
    }
    const last = this.blocks[this.blocks.length - 1]?.bytes ?? 0;
    const size = Math.max(bytes, MIN_BLOCK, 2 * last);
    const ptr = host.malloc(size + 16);
    if (ptr === 0) {
      throw new Error(
        `edge kernels: out of memory for ${(size / 2 ** 20).toFixed(0)} MB ` +
          'of scratch; try a smaller batch or fewer channels',
      );
    }
    this.blocks.push({ ptr, start: Math.ceil(ptr / 16) * 16, bytes: size });
    this.useBlock(this.blocks.length - 1);
  }

  /** A zeroed buffer of n floats. */
  zeros(n: number): number {
    const at = this.alloc(n);
    this.k.zero(at, n);
    return at;
  }

  /** The memory as floats (a new view after the memory grew). */
  f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) {
      this.view = new Float32Array(this.memory.buffer);
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

/** An output tensor being written by the kernels. */
export interface Output {
  ptr: number;
  /** The finished tensor (call once, after the kernels wrote ptr). */
  done(): tf.Tensor;
}

/**
 * How one backend's tensors reach the kernels: `ptr` gives the byte offset
 * of a tensor's values, `output` a tensor to write. Pointers stay valid
 * until the arena's next reset.
 */
export interface EdgeIo {
  arena: EdgeArena;
  /** True when the kernels work inside TF.js wasm's heap (no copies). */
  shared: boolean;
  ptr(t: tf.Tensor): number;
  /** The first value of t (an op weight). */
  value(t: tf.Tensor): number;
  output(shape: number[]): Output;
}

/** TF.js wasm backend internals this file reads (tfjs-backend-wasm 4.22). */
interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let compiled: WebAssembly.Module | undefined;

function instantiate(memory: WebAssembly.Memory): EdgeKernels {
  compiled ??= new WebAssembly.Module(decodeBase64(EDGE_KERNELS_WASM_BASE64));
  const instance = new WebAssembly.Instance(compiled, {
    env: { memory },
  });
  return instance.exports as unknown as EdgeKernels;
}

/**
 * The cpu backend's tensors, copied in. A synchronous read is safe here:
 * edgeIo() serves cpu and wasm only, never a GPU backend, where dataSync
 * would break the device (REFERENCE.md §11).
 */
function copyingIo(arena: EdgeArena): EdgeIo {
  const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
  return {
    arena,
    shared: false,
    ptr: (t) => arena.put(read(t)),
    value: (t) => read(t)[0],
    output: (shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const ptr = arena.alloc(n);
      return { ptr, done: () => tf.tensor(arena.take(ptr, n), shape) };
    },
  };
}

function sharedIo(arena: EdgeArena, backend: WasmBackendLike): EdgeIo {
  const ptr = (t: tf.Tensor) => {
    const data = backend.dataIdMap.get(t.dataId);
    // A tensor the cpu backend made before the switch to wasm is read
    // through the engine (synchronously: cpu holds no device) and copied.
    return data === undefined
      ? arena.put(t.dataSync() as Float32Array)
      : data.memoryOffset;
  };
  return {
    arena,
    shared: true,
    ptr,
    value: (t) => arena.f32()[ptr(t) / 4],
    output: (shape) => {
      const info = backend.makeOutput(shape, 'float32');
      const data = backend.dataIdMap.get(info.dataId);
      if (data === undefined) throw new Error('edge kernels: lost an output');
      return {
        ptr: data.memoryOffset,
        done: () => tf.engine().makeTensorFromTensorInfo(info),
      };
    },
  };
}

const ios = new WeakMap<object, EdgeIo | null>();

/**
 * The kernels for the current backend: sharing TF.js wasm's heap, or on a
 * memory of their own for cpu. null where they cannot run here (no
 * WebAssembly SIMD, or another backend): callers take the TF.js path.
 */
export function edgeIo(): EdgeIo | null {
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return null;
  const backend = tf.backend() as unknown as object;
  const known = ios.get(backend);
  if (known !== undefined) return known;

  let io: EdgeIo | null = null;
  try {
    const shared =
      name === 'wasm'
        ? (backend as WasmBackendLike).wasm.asm?.memory
        : undefined;
    if (shared instanceof WebAssembly.Memory) {
      const b = backend as WasmBackendLike;
      const host: HostHeap = {
        malloc: (bytes) => b.wasm._malloc(bytes),
        free: (ptr) => b.wasm._free(ptr),
      };
      io = sharedIo(new EdgeArena(instantiate(shared), shared, host), b);
    } else {
      const own = new WebAssembly.Memory({ initial: 2 });
      io = copyingIo(new EdgeArena(instantiate(own), own, null));
    }
  } catch {
    io = null;
  }
  ios.set(backend, io);
  return io;
}

/** One line for the user: which kernels run the search edges here. */
export function edgeKernelsLine(): string {
  const io = edgeIo();
  if (io === null) return 'Search edges run on TF.js kernels.';
  const ours = 'Search edges run on our own WebAssembly SIMD kernels';
  return io.shared
    ? `${ours}, inside TF.js wasm's heap.`
    : `${ours} (tensors copied from TF.js cpu).`;
}
