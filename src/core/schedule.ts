/**
 * Learning rate of 0-based epoch `epoch` under cosine annealing from lr0 to
 * lrMin over `epochs`, as the reference trained with PyTorch 0.3.1: epoch 0
 * uses lr0 and the last epoch stays one step above lrMin.
 *
 * Porting note: torch >= 1.1 runs the same loop one epoch later (epoch e gets
 * our e + 1). We follow 0.3.1 because that is what produced the paper's cells.
 */
export function cosineLr(
  epoch: number,
  epochs: number,
  lr0: number,
  lrMin: number,
): number {
  if (!(epochs > 0) || !Number.isFinite(epochs)) {
    throw new RangeError(
      `cosineLr: epochs must be a positive number, got ${epochs}; ` +
        'set epochs in the search config.',
    );
  }
  if (!Number.isFinite(epoch) || epoch < 0) {
    throw new RangeError(
      `cosineLr: epoch must be a finite number >= 0, got ${epoch}.`,
    );
  }

  return (
    lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2
  );
}
