/**
 * Rematerialisation (gradient checkpointing): a block whose forward keeps
 * only its inputs and recomputes its intermediates in the backward pass.
 *
 * Every tensor created inside tf.variableGrads' function lives until its
 * backward pass ends, so a whole supernet at C=8, batch 16 outgrows the
 * wasm heap. Inside a tf.customGrad forward the tape is off and the
 * intermediates are freed at its end; the gradFunc runs the block again
 * under a nested tape and backpropagates through that copy alone, so at
 * most one block's intermediates are alive at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './customGrad';
import { weightGradientsOn } from './kernels';

/**
 * engine.gradients() with the outer tape preserved. A gradient taken inside
 * a gradFunc runs at gradient depth 0, where tfjs 4.22 starts a fresh tape
 * in place of the one being backpropagated and sets it to null at the end;
 * the outer gradients() then fails on the null tape and never disposes the
 * tensors its nodes saved. Restoring the reference avoids both.
 */
function nestedGradients(
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const engine = tf.engine();
  const outer = engine.state.activeTape;
  try {
    const { value, grads } = engine.gradients(f, xs, dy, true);
    value.dispose();
    return grads;
  } finally {
    engine.state.activeTape = outer;
  }
}

/**
 * y = f(xs) whose backward recomputes f: returns d/dxs and d/dvars. `vars`
 * are the variables f reads from its closure; they are passed as inputs so
 * the enclosing tape routes their gradients, and are not saved (their
 * values cannot change between the forward and the backward of one
 * gradient call).
 */
export function rematerialise(
  f: (xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  vars: tf.Variable[],
): tf.Tensor {
  const g = customOp<tf.Tensor>((inputs, save) => {
    save(inputs.slice(0, xs.length));

    return {
      value: f(inputs.slice(0, xs.length)),
      gradFunc: (dy, saved) =>
        // A tidy here frees the recomputed forward as soon as this block's
        // gradients exist; a gradFunc's own tensors otherwise live until
        // the end of the whole backward pass.
        tf.tidy(() => {
          const wanted = weightGradientsOn() ? vars : [];
          const targets = [...saved, ...wanted];
          const grads = nestedGradients(() => f(saved), targets, dy);
          const dvars = weightGradientsOn()
            ? []
            : vars.map((v) => tf.zerosLike(v));
          return [
            ...grads.map((d, i) => d ?? tf.zerosLike(targets[i])),
            ...dvars,
          ];
        }),
    };
  });

  return g([...xs, ...vars]);
}
