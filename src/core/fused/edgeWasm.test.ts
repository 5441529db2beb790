import { describe, expect, it } from 'vitest';
import { EdgeArena, type EdgeKernels, type HostHeap } from './edgeWasm';

/** A host heap that hands out blocks from 1 MiB up and records them. */
function fakeHost() {
  const blocks: [number, number][] = [];
  const freed: number[] = [];
  let next = 1 << 20;
  const host: HostHeap = {
    malloc: (bytes) => {
      const at = next;
      next += bytes + 64;
      blocks.push([at, at + bytes]);
      return at;
    },
    free: (ptr) => freed.push(ptr),
  };
  const inside = (at: number, bytes: number) =>
    blocks.some(([lo, hi]) => at >= lo && at + bytes <= hi);
  return { host, blocks, freed, inside };
}

function sharedArena(host: HostHeap): EdgeArena {
  const memory = new WebAssembly.Memory({ initial: 1 });
  return new EdgeArena({} as EdgeKernels, memory, host);
}

describe('EdgeArena in a shared heap', () => {
  it('never hands out memory outside its own blocks, even after a first mark', () => {
    // A mark taken before any allocation once released the arena to
    // offset 64 KiB of TF.js's heap, over its stack and tensors.
    const { host, inside } = fakeHost();
    const a = sharedArena(host);
    const m = a.mark();
    const first = a.alloc(1000);
    expect(inside(first, 4000)).toBe(true);
    a.release(m);
    const again = a.alloc(1000);
    expect(again).toBe(first);
    expect(inside(a.alloc(2_000_000), 8_000_000)).toBe(true);
  });

  it('merges its blocks into one on reset and reuses it', () => {
    const { host, blocks, freed, inside } = fakeHost();
    const a = sharedArena(host);
    const sizes = [1 << 20, 3 << 20, 5 << 20];
    for (const n of sizes) expect(inside(a.alloc(n), 4 * n)).toBe(true);
    const taken = blocks.length;
    expect(taken).toBeGreaterThan(1);

    a.reset();
    expect(freed.length).toBe(taken);
    expect(blocks.length).toBe(taken + 1);
    for (const n of sizes) expect(inside(a.alloc(n), 4 * n)).toBe(true);
    a.reset();
    expect(blocks.length).toBe(taken + 1);
  });
});
