// A typed wrapper over tf.customGrad for ops whose backward we write in closed form: `fwd` returns
// the value, the tensors the backward needs (kept by tfjs for the gradient), and the backward
// itself. tfjs's own typing of customGrad is loose (variadic Tensor[]), hence the casts here only.
import { tf } from '../../engine/backend';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

export interface OpResult<Y extends tf.Tensor> {
  value: Y;
  /** Tensors the backward reads (passed back to `grad` in this order). */
  save: tf.Tensor[];
  /** Gradients w.r.t. every input, in order, given dy and the saved tensors. */
  grad: (dy: Y, saved: tf.Tensor[]) => tf.Tensor[];
}

export function customOp<X extends tf.Tensor[], Y extends tf.Tensor>(fwd: (...xs: X) => OpResult<Y>): (...xs: X) => Y {
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const r = fwd(...(args as X));
    save(r.save);
    return { value: r.value, gradFunc: (dy: Y, saved: tf.Tensor[]) => r.grad(dy, saved) };
  }) as unknown as CustomGradFn);
  return f as unknown as (...xs: X) => Y;
}
