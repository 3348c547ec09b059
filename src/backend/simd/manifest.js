// The one list of edgetune's WebAssembly SIMD module. The kernels work in
// place on tfjs's wasm heap (the memory is imported; pointers are byte
// offsets of tensor data), for the memory-bound steps of training that
// tfjs's wasm backend does slowly or not at all. scripts/build-simd.js
// assembles the module from the families below and exports what they list;
// exports.generated.ts (the SimdKernels interface, PARALLEL_KERNELS and the
// constants) is derived from this file and the sources' parameter lists.
//
// A family is a folder of sources: .wat text, or a *-wat.js generator whose
// default export returns the text. An export is one of
//   {}                 a kernel that runs on the calling thread;
//   { threaded: true } one helper threads run too, taking its work from the
//                      counter its last parameter (next) points to;
//   { chunks: {...} }  a generated threaded form of the one-pass function
//                      `of` (see chunk-loop.js): threads take `size` items of
//                      its parameter `count` at a time, and each parameter in
//                      `step` moves on by that much (bytes, for a pointer;
//                      a number or a WAT expression) per item.

import { MULBERRY32_STEP } from './elementwise/dropout-mask-wat.js';

/** Constants the TypeScript side shares with the kernels. */
export const constants = {
  WINOGRAD_CHUNK: {
    value: 16,
    about: "Tiles per chunk of the Winograd kernels: a chunk's 36 V and M matrices stay in the core's cache.",
  },
  WINOGRAD_MATRIX_PAD: {
    value: 64,
    about:
      "Bytes (one cache line) after each of a Winograd kernel's 36 matrices: their sizes are multiples of 2 or 4 KB, so unpadded all 36 fall in the same L1 sets and evict each other (the filter transform took 77 us, padded 6.7).",
  },
  WINOGRAD_TABLES_BYTES: {
    value: 512,
    about: "Bytes at the start of a Winograd kernel's scratch slot: two tables of 36 matrix addresses, the second at half way.",
  },
};

const perValue = (...pointers) => Object.fromEntries(pointers.map((p) => [p, 4]));

/** Bytes of an output row of the 2x2 pool, given its $OW and $C: 4 for the gradient, 16 for its input (two rows twice as wide). */
const poolRow = (shift) => `(i32.shl (i32.mul (local.get $OW) (local.get $C)) (i32.const ${shift}))`;

export const families = [
  { folder: 'transpose', sources: ['transpose.wat'], exports: { transpose2d: {}, swapOuter: {} } },
  {
    folder: 'pool',
    sources: ['max-pool.wat', 'max-pool-grad.wat', 'unpool.wat'],
    exports: {
      maxPool2x2: { threaded: true },
      maxPoolGrad2x2: {},
      maxPoolGrad2x2Shared: { chunks: { of: 'maxPoolGrad2x2', count: 'rowsOut', size: 64, step: { x: poolRow(4), g: poolRow(2), dx: poolRow(4) } } },
      unpool2x2: {},
      unpool2x2Shared: { chunks: { of: 'unpool2x2', count: 'rowsOut', size: 64, step: { g: poolRow(2), routes: poolRow(2), dx: poolRow(4) } } },
    },
  },
  { folder: 'reduce', sources: ['sum-rows.wat', 'add-into.wat'], exports: { sumRows: { threaded: true }, addInto: {} } },
  {
    folder: 'adadelta',
    sources: ['adadelta.wat'],
    exports: {
      adadelta: {},
      adadeltaShared: { chunks: { of: 'adadelta', count: 'n', size: 32768, step: perValue('w', 'g', 'g2', 'd2', 'nw', 'ng2', 'nd2') } },
    },
  },
  { folder: 'conv-filter-grad', sources: ['conv-filter-grad.wat'], exports: { convFilterGrad: {}, convFilterGradShared: { threaded: true }, reluFilterGrad1x3: { threaded: true } } },
  {
    folder: 'elementwise',
    sources: ['multiply.wat', 'dropout-mask-wat.js'],
    exports: {
      multiplyShared: { chunks: { of: 'multiply', count: 'n', size: 32768, step: perValue('a', 'b', 'out') } },
      dropoutMask: {},
      dropoutMaskShared: { chunks: { of: 'dropoutMask', count: 'n', size: 32768, step: { out: 4, seed: MULBERRY32_STEP } } },
    },
  },
  {
    folder: 'winograd',
    sources: ['winograd-wat.js'],
    exports: {
      winogradFilter: {},
      winogradConv: { threaded: true },
      winogradInputGradient: { threaded: true },
      winogradFilterGradient: { threaded: true },
      winogradFilterGradientOut: {},
      winogradConvGradients: { threaded: true },
    },
  },
  { folder: 'matmul', sources: ['matmul-wat.js'], exports: { matmulPack: { threaded: true }, matmul: { threaded: true } } },
  { folder: 'single-channel-conv', sources: ['single-channel-conv-wat.js'], exports: { singleChannelConv: { threaded: true } } },
];
