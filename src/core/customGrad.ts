/**
 * A typed front to tf.customGrad. Its declared function type passes every
 * input and the save function through one rest parameter
 * `(...inputs: Array<Tensor | GradSaveFunc>)`, so each caller would cast; the
 * casts live here once instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What a custom op's forward returns: its value and its backward. */
export interface CustomOpResult<T extends tf.Tensor> {
  value: T;
  /** dL/d(inputs), in input order, from dL/dvalue and the saved tensors. */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * tf.customGrad for a forward `f(inputs, save)` that takes its tensor inputs
 * as one array; the returned op takes them as an array too.
 */
export function customOp<T extends tf.Tensor>(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOpResult<T>,
): (inputs: tf.Tensor[]) => T {
  const wrapped = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  };
  const op = tf.customGrad(wrapped as CustomGradientFunc);

  return (inputs) => op(...inputs) as T;
}
