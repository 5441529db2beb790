import type { RnnOp } from './rnnSpace';

/**
 * One fixed colour per recurrent op (Okabe–Ito, readable by most
 * colour-blind viewers). identity is green like the CNN's skip_connect, its
 * counterpart; 'none' is grey: it shows as fading, never as a strand.
 */
export const RNN_OP_COLOURS: Record<RnnOp, string> = {
  none: '#9aa0a6',
  tanh: '#0072b2',
  relu: '#d55e00',
  sigmoid: '#cc79a7',
  identity: '#009e73',
};
