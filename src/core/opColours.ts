import type { OpName } from './primitives';

/**
 * One fixed colour per op (Okabe–Ito based, readable by most colour-blind
 * viewers): pools blue, skip green, separable convs orange/red, dilated
 * convs purple. 'none' is grey: it shows as fading, never as a strand.
 */
export const OP_COLOURS: Record<OpName, string> = {
  none: '#9aa0a6',
  max_pool_3x3: '#0072b2',
  avg_pool_3x3: '#56b4e9',
  skip_connect: '#009e73',
  sep_conv_3x3: '#e69f00',
  sep_conv_5x5: '#d55e00',
  dil_conv_3x3: '#cc79a7',
  dil_conv_5x5: '#7b3f9e',
  sep_conv_7x7: '#8c510a',
  conv_7x1_1x7: '#5e5e5e',
};
