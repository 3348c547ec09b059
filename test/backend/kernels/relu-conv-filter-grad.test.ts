import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RELU_CONV_FILTER_GRAD } from '../../../src/contract/custom-ops.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { dyShape, type ConvCase } from '../../helpers/conv-cases.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

// The model's conv 1 (208 rows: blocks of 64 and a short one, shared among
// threads), a 2x3 filter to 8 channels (the one-pass kernel's fewest), then
// shapes it leaves to the ReLU's gradient and Conv2DBackpropFilter: more
// input channels, padding, strides.
const cases: ConvCase[] = [
  { name: 'model conv 1', x: [8, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { name: '1 to 8 channels, 2x3 filter', x: [5, 13, 10, 1], filter: [2, 3, 1, 8], strides: 1, pad: 'valid' },
  { name: '4 to 5 channels, same', x: [3, 9, 11, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  { name: '1 to 8 channels, stride 2', x: [3, 11, 10, 1], filter: [3, 3, 1, 8], strides: 2, pad: 'valid' },
];

describe('wasm ReLU conv filter and bias gradient kernel', () => {
  forEachKernelPath(() => {
    for (const c of cases) {
      it(`gives the filter and bias gradients of dy * step(y) as cpu does: ${c.name}`, async () => {
        const shape = dyShape(c);
        const n = tf.util.sizeFromShape(shape);
        const xv = randomValues(tf.util.sizeFromShape(c.x), 1);
        const dyv = randomValues(n, 2);
        // Negative and exactly zero y count as inactive.
        const yv = randomValues(n, 3).map((v, i) => (i % 7 === 0 ? 0 : v));
        const [x, dy, y] = [tf.tensor4d(xv, c.x), tf.tensor(dyv, shape), tf.tensor(yv, shape)];
        const attrs = { strides: [c.strides, c.strides], pad: c.pad, filterShape: c.filter };
        const before = tf.memory().numTensors;
        const [dw, db] = tf.engine().runKernel(RELU_CONV_FILTER_GRAD, { x, dy, y }, attrs) as unknown as tf.Tensor[];
        const got = { dw: dw.dataSync() as Float32Array, db: db.dataSync() as Float32Array };
        expect(dw.shape).toEqual(c.filter);
        expect(db.shape).toEqual([c.filter[3]]);
        tf.dispose([dw, db]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, dy, y]);
        const dz = () => tf.mul(tf.tensor(dyv, shape), tf.step(tf.tensor(yv, shape))) as tf.Tensor4D;
        const wantDw = await onBackend('cpu', () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, c.x), dy: dz() }, { strides: attrs.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter }) as tf.Tensor,
        );
        const wantDb = await onBackend('cpu', () => tf.sum(dz(), [0, 1, 2]));
        expect(relativeError(got.dw, wantDw.values)).toBeLessThanOrEqual(1e-5);
        expect(relativeError(got.db, wantDb.values)).toBeLessThanOrEqual(1e-5);
      });
    }
  });
});
