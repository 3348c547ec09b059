import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { decodeIdx } from '../../../src/core/data/idx.js';
import { encodeIdx } from '../../helpers/idx.js';

describe('decodeIdx', () => {
  const labels = encodeIdx([5], [3, 1, 4, 1, 5]);
  const images = encodeIdx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);

  it('decodes plain IDX vectors and images', async () => {
    expect(await decodeIdx(labels, 'labels')).toEqual({ dims: [5], data: new Uint8Array([3, 1, 4, 1, 5]) });
    const img = await decodeIdx(images, 'images');
    expect(img.dims).toEqual([2, 2, 3]);
    expect([...img.data]).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('decodes gzipped IDX to the same result', async () => {
    expect(await decodeIdx(gzipSync(images), 'images.gz')).toEqual(await decodeIdx(images, 'images'));
  });

  const corrupt: Array<[string, Uint8Array, RegExp]> = [
    ['bad magic', new Uint8Array([1, 2, 8, 1, 0, 0, 0, 1, 7]), /bad magic/],
    ['too short for a magic number', new Uint8Array([0, 0]), /bad magic/],
    ['non-byte element type', encodeIdx([1], [0, 0, 0, 0], 0x0d), /element type 0x0d/],
    ['truncated header', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]), /truncated IDX header/],
    ['truncated data', labels.subarray(0, labels.length - 2), /truncated, header says 5 bytes of data but 3 follow/],
    ['trailing bytes', new Uint8Array([...labels, 9, 9]), /2 unexpected bytes/],
    ['corrupt gzip', gzipSync(labels).subarray(0, 12), /corrupt gzip/],
  ];
  for (const [name, bytes, message] of corrupt) {
    it(`rejects ${name} with an InputError naming the file`, async () => {
      const err = await decodeIdx(bytes, 'some/file').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/^some\/file: /);
      expect((err as Error).message).toMatch(message);
    });
  }
});
