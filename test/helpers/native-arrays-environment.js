/**
 * jest's node environment, but with the host's typed arrays. onnxruntime-node's native addon creates output
 * tensors with the host realm's Float32Array, while onnxruntime-common (loaded inside the test sandbox) checks
 * them with `instanceof` against the sandbox's own, so every inference fails under plain `node`
 * environment (microsoft/onnxruntime#16622). Outside jest there is only one realm and nothing to fix.
 * Test files that run ONNX models opt in with a `@jest-environment ./test/helpers/native-arrays-environment.js` docblock.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class NativeArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeArraysEnvironment;
