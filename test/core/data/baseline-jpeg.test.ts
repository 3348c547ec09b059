import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/core/data/image.js';
import { selectClasses } from '../../../src/core/data/dataset.js';
import { baselineJpeg, colourJpeg, inkOnPaper } from '../../helpers/jpeg.js';
import { mnist } from '../../helpers/mnist.js';

const meanError = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (v, i) => Math.abs(v - b[i])).reduce((s, d) => s + d, 0) / a.length;

describe("the tests' own baseline JPEG writer (what the dataset tests encode with)", () => {
  it('writes real JPEGs of gray and colour digits that decode as close to their pixels as jpeg-js encodes them', async () => {
    const digits = selectClasses((await mnist()).test, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 20);
    for (let i = 0; i < digits.count; i++) {
      const ink = digits.images.subarray(i * 784, (i + 1) * 784);
      const gray = decodeImage(baselineJpeg(ink, 28, 28, 1), 'gray.jpg');
      expect(gray).toMatchObject({ width: 28, height: 28, channels: 1 });
      expect(meanError(gray.data, Float32Array.from(ink, (v) => v / 255))).toBeLessThan(0.02);

      const { data } = inkOnPaper(ink, 28, 28, { scale: 2 });
      const rgb = Uint8Array.from({ length: 56 * 56 * 3 }, (_, k) => data[Math.floor(k / 3) * 4 + (k % 3)]);
      const ours = decodeImage(baselineJpeg(rgb, 56, 56, 3), 'ours.jpg');
      const theirs = decodeImage(colourJpeg(ink, 28, 28, { scale: 2 }), 'theirs.jpg');
      const truth = Float32Array.from(rgb, (v) => v / 255);
      expect(ours.channels).toBe(3);
      expect(meanError(ours.data, truth)).toBeLessThan(Math.max(0.02, 1.5 * meanError(theirs.data, truth)));
    }
  });
});
