import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, grayOf, imageHeader, sniffImage } from '../../../src/core/data/image.js';
import { mnistStyle } from '../../../src/core/data/preprocess.js';
import { colourJpeg, grayJpeg, inkOnPaper } from '../../helpers/jpeg.js';
import { mnist } from '../../helpers/mnist.js';

let digit: Uint8Array;
let png: Uint8Array;
let jpeg: Uint8Array;

beforeAll(async () => {
  digit = (await mnist()).test.images.subarray(784, 2 * 784);
  png = encode({ width: 28, height: 28, channels: 1, depth: 8, data: digit });
  jpeg = colourJpeg(digit, 28, 28, { scale: 2 });
});

describe('images, PNG or JPEG', () => {
  it('sniffs the format from the bytes', () => {
    expect(sniffImage(png)).toBe('png');
    expect(sniffImage(jpeg)).toBe('jpeg');
    expect(sniffImage(new TextEncoder().encode('GIF89a'))).toBeUndefined();
    expect(sniffImage(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImage(new Uint8Array())).toBeUndefined();
  });

  it('reads either header', () => {
    expect(imageHeader(png, 'a.png')).toMatchObject({ format: 'png', width: 28, height: 28 });
    expect(imageHeader(jpeg, 'b.jpg')).toMatchObject({ format: 'jpeg', width: 56, height: 56 });
    expect(imageHeader(jpeg, 'b.jpg').decodeBytes).toBeGreaterThan(56 * 56 * 3 * 4);
    expect(() => imageHeader(new TextEncoder().encode('GIF89a'), 'c.gif')).toThrow('c.gif: not a PNG or JPEG image');
  });

  it('decodes either, bounded by the same pixel limit', () => {
    expect(decodeImage(png, 'a.png')).toMatchObject({ width: 28, height: 28, channels: 1 });
    expect(decodeImage(jpeg, 'b.jpg')).toMatchObject({ width: 56, height: 56, channels: 3 });
    expect(() => decodeImage(png, 'a.png', 783)).toThrow('a.png: PNG of 28x28 pixels is over the limit of 783');
    expect(() => decodeImage(jpeg, 'b.jpg', 3135)).toThrow('b.jpg: JPEG of 56x56 pixels is over the limit of 3135');
    expect(() => decodeImage(new Uint8Array([1, 2, 3]), 'x')).toThrow('x: not a PNG or JPEG image');
  });

  it('takes luminance with the 0.299/0.587/0.114 weights, and a gray raster as it is', () => {
    const rgb = { width: 3, height: 1, channels: 3 as const, data: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]) };
    const gray = grayOf(rgb).gray;
    [0.299, 0.587, 0.114].forEach((w, i) => expect(gray[i]).toBeCloseTo(w, 6));
    const one = { width: 1, height: 1, channels: 1 as const, data: new Float32Array([0.25]) };
    expect(grayOf(one)).toEqual({ width: 1, height: 1, gray: one.data });
  });

  it('gives a real digit as a colour JPEG nearly the input the same pixels give as a PNG, and as a gray JPEG exactly that', () => {
    const input = (bytes: Uint8Array) => mnistStyle(grayOf(decodeImage(bytes, 'digit')));
    const meanDiff = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
    expect(meanDiff(input(jpeg), input(encode({ ...inkOnPaper(digit, 28, 28, { scale: 2 }), channels: 4, depth: 8 })))).toBeLessThan(0.02);
    const big = new Uint8Array(224 * 224).map((_, i) => digit[Math.floor(i / 224 / 8) * 28 + Math.floor((i % 224) / 8)]);
    expect(input(grayJpeg(digit, 28, 28))).toEqual(input(encode({ width: 224, height: 224, channels: 1, depth: 8, data: big })));
  });
});
