/**
 * Registers tfjs-core's op gradients and chained tensor methods
 * (x.reshape(...)), which the core relies on. This is the ES-module form
 * for browsers and Vite; tfRegister.node.ts does the same under Node.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
