import { describe, expect, it } from 'vitest';

import {
  colourOf,
  edgeOpacity,
  placeLabels,
  pointAt,
  strandOpacity,
  transitionMs,
  type BundleEdge,
  type Point,
} from './strandBundles';

/** A straight edge from (0, 0) to (100, 0), control point halfway. */
const EDGE: BundleEdge = {
  index: 0,
  node: 0,
  from: 0,
  p0: [0, 0],
  c: [50, 0],
  p2: [100, 0],
};

/** The middle first, then near either end. */
const midSpots = (): Point[] => [
  [50, 0],
  [10, 0],
  [90, 0],
];

describe('the strand bundles', () => {
  it('finds points on the centre curve', () => {
    expect(pointAt(EDGE, 0)).toEqual([0, 0]);
    expect(pointAt(EDGE, 0.5)).toEqual([50, 0]);
    expect(pointAt({ ...EDGE, c: [50, 40] }, 0.5)).toEqual([50, 20]);
  });

  it('places a label at the first spot clear of states and other labels', () => {
    const twin = { ...EDGE, index: 1 };
    const kept = new Map([
      [0, 'tanh'],
      [1, 'relu'],
    ]);
    const spots = placeLabels([EDGE, twin], kept, {
      labelSpots: midSpots,
      states: [[0, 0]],
      nodeR: 10,
    });
    expect(spots.get(0)).toEqual([50, 0]);
    // The middle is taken by the first label and [10, 0] by the state.
    expect(spots.get(1)).toEqual([90, 0]);
  });

  it('falls back to the midpoint when every spot is taken', () => {
    const spots = placeLabels([EDGE], new Map([[0, 'sep_conv_3x3']]), {
      labelSpots: midSpots,
      states: [[50, 0]],
      nodeR: 60,
    });
    expect(spots.get(0)).toEqual([50, 0]);
  });

  it('places no label for a dropped edge', () => {
    const spots = placeLabels([EDGE], new Map(), {
      labelSpots: midSpots,
      states: [],
      nodeR: 10,
    });
    expect(spots.size).toBe(0);
  });

  it('greys ops the colours lack', () => {
    const colours = { tanh: '#0072b2' };
    expect(colourOf(colours, 'tanh')).toBe('#0072b2');
    expect(colourOf(colours, 'sep_conv_7x7')).toBe('#888');
    expect(colourOf(colours, undefined)).toBe('#888');
  });

  it('fades edges with their none weight, dropped ones more', () => {
    expect(edgeOpacity(0, true, 0.5)).toBe(1);
    expect(edgeOpacity(0, false, 0.5)).toBe(0.5);
    expect(edgeOpacity(1, true, 0.5)).toBeCloseTo(0.12);
  });

  it('makes the strongest op of an edge opaque', () => {
    // One edge of 3 ops: 'none', then two candidates.
    const weights = new Float32Array([0.5, 0.4, 0.1]);
    expect(strandOpacity(weights, 3, 0, 1)).toBe(1);
    expect(strandOpacity(weights, 3, 0, 2)).toBeCloseTo(0.15 + 0.85 / 16);
    expect(strandOpacity(new Float32Array(3), 3, 0, 1)).toBe(0.15);
  });

  it('animates only when asked', () => {
    expect(transitionMs(false)).toBe(0);
    expect(transitionMs(true)).toBeGreaterThan(0);
  });
});
