/**
 * Classification metrics on plain arrays, for the evaluation view and the
 * Node runner: no tensors, so they run anywhere.
 */

/**
 * The [classes, classes] confusion matrix, row-major: entry [t * classes + p]
 * counts samples of true class t predicted as class p.
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes: number,
): Int32Array {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(
      `confusionMatrix: classes is ${classes}; expected an integer >= 1`,
    );
  }
  if (labels.length !== predictions.length) {
    throw new RangeError(
      `confusionMatrix: ${labels.length} labels but ` +
        `${predictions.length} predictions; pass one prediction per label`,
    );
  }
  const m = new Int32Array(classes * classes);

  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    if (!isClass(t, classes) || !isClass(p, classes)) {
      throw new RangeError(
        `confusionMatrix: sample ${i} has label ${t} and prediction ${p}; ` +
          `both must be class ids 0..${classes - 1}`,
      );
    }
    m[t * classes + p]++;
  }

  return m;
}

/** The fraction of samples on the diagonal of a [classes, classes] matrix; NaN if empty. */
export function accuracyFromConfusion(
  m: ArrayLike<number>,
  classes: number,
): number {
  checkSquare(m, classes, 'accuracyFromConfusion');
  let correct = 0;
  let total = 0;

  for (let i = 0; i < m.length; i++) total += m[i];
  for (let c = 0; c < classes; c++) correct += m[c * classes + c];

  return correct / total;
}

/**
 * Each class's recall, the diagonal over its row sum, as [classes]. A class
 * with no samples gets NaN (0 / 0): it has no accuracy, and 0 would read as
 * "always wrong" in a chart. Callers show NaN as "n/a".
 */
export function perClassAccuracy(
  m: ArrayLike<number>,
  classes: number,
): Float64Array {
  checkSquare(m, classes, 'perClassAccuracy');
  const out = new Float64Array(classes);

  for (let t = 0; t < classes; t++) {
    let row = 0;
    for (let p = 0; p < classes; p++) row += m[t * classes + p];
    out[t] = m[t * classes + t] / row;
  }

  return out;
}

/**
 * The column of the largest value in each row of [rows, cols] row-major
 * logits, as [rows]; on a tie the first such column wins, as in argmax.
 */
export function argmaxRows(
  logits: ArrayLike<number>,
  rows: number,
  cols: number,
): Int32Array {
  if (logits.length !== rows * cols || cols < 1) {
    throw new RangeError(
      `argmaxRows: expected ${rows}x${cols} = ${rows * cols} logits with ` +
        `cols >= 1, got ${logits.length}; pass the logits row-major`,
    );
  }
  const out = new Int32Array(rows);

  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    let best = 0;
    for (let c = 1; c < cols; c++) {
      if (logits[start + c] > logits[start + best]) best = c;
    }
    out[r] = best;
  }

  return out;
}

/**
 * A parameter count with three significant digits: "3.35 M parameters",
 * "476 k parameters", "512 parameters". Counts, never bytes, so no "MB".
 */
export function formatParamCount(n: number): string {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `formatParamCount: ${n} is not a parameter count (an integer >= 0)`,
    );
  }
  if (n < 1000) return `${n} parameters`;

  // Below 999,500 three digits of k fit; above, "1000 k" would show, so use M.
  if (n < 999_500) return `${(n / 1e3).toPrecision(3)} k parameters`;
  const m = n / 1e6;

  // toPrecision turns 1000 M and up into exponent form; whole millions read better.
  return `${m < 999.5 ? m.toPrecision(3) : Math.round(m)} M parameters`;
}

function isClass(v: number, classes: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < classes;
}

function checkSquare(m: ArrayLike<number>, classes: number, fn: string): void {
  if (m.length !== classes * classes) {
    throw new RangeError(
      `${fn}: the matrix has ${m.length} entries; a ${classes}-class ` +
        `confusion matrix has ${classes * classes}`,
    );
  }
}
