/**
 * Node form of tfRegister.ts: tfjs-core's ES modules use extensionless
 * imports that Node cannot resolve, so take the registrations from the
 * @tensorflow/tfjs CommonJS bundle, which registers them into the same
 * tfjs-core instance.
 */
import '@tensorflow/tfjs';
