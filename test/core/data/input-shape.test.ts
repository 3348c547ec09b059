import { describe, expect, it } from 'vitest';
import { parseShape, sizeOf } from '../../../src/core/data/input-shape.js';
import { InputError } from '../../../src/core/errors.js';

describe('input shapes', () => {
  it('parses ROWSxCOLS[xCHANNELS], gray by default', () => {
    expect(parseShape('28x28x1', 's')).toEqual({ rows: 28, cols: 28, channels: 1 });
    expect(parseShape(' 32x24x3 ', 's')).toEqual({ rows: 32, cols: 24, channels: 3 });
    expect(parseShape('64x64', 's')).toEqual({ rows: 64, cols: 64, channels: 1 });
    expect(sizeOf(parseShape('32x24x3', 's'))).toBe(32 * 24 * 3);
  });

  it('refuses what the network cannot take, saying why', () => {
    for (const [text, why] of [
      ['28x28x2', /channels must be 1 \(gray\) or 3 \(RGB\), got 2/],
      ['5x28', /from 6 to 128, got 5x28/],
      ['129x28x3', /from 6 to 128/],
      ['28', /must be ROWSxCOLS/],
      ['28x28x1x1', /must be ROWSxCOLS/],
      ['-28x28', /must be ROWSxCOLS/],
      ['28.5x28', /must be ROWSxCOLS/],
    ] as const) {
      expect(() => parseShape(text, '--input-shape')).toThrow(why);
      expect(() => parseShape(text, '--input-shape')).toThrow(InputError);
    }
  });
});
