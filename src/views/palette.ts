import { PRIMITIVES, type Primitive } from '../core/primitives';

/** The ops drawn as strands: every primitive but 'none', in PRIMITIVES order. */
export const STRAND_OPS = PRIMITIVES.filter(
  (op): op is Exclude<Primitive, 'none'> => op !== 'none',
);

export { OP_COLOURS } from '../core/opColours';
