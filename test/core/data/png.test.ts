import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { grayOf } from '../../../src/core/data/image.js';
import { decodePng, pngHeader } from '../../../src/core/data/png.js';
import { mnistStyle, resize } from '../../../src/core/data/preprocess.js';
import { decoyHeader, iccpBomb, pngBomb, twoHeaders } from '../../helpers/hostile-png.js';

const png = (width: number, height: number, data: Uint8Array | Uint16Array, channels: number, depth: 8 | 16 = 8) =>
  encode({ width, height, data, channels, depth });

/** The PNG as luminance, as the service's conversion sees it. */
const decodePngGray = (bytes: Uint8Array, name: string, maxPixels?: number) => grayOf(decodePng(bytes, name, maxPixels));

describe('PNG decoding', () => {
  it('keeps gray images one channel and colour ones (RGB, RGBA, palettes) three, alpha over white', () => {
    expect(decodePng(png(2, 1, new Uint8Array([0, 255]), 1), 'g')).toMatchObject({ width: 2, height: 1, channels: 1 });
    expect(decodePng(png(2, 1, new Uint8Array([0, 0, 0, 255]), 2), 'ga').channels).toBe(1);
    const rgba = decodePng(png(2, 1, new Uint8Array([255, 0, 0, 255, 0, 0, 255, 0]), 4), 'rgba');
    expect(rgba.channels).toBe(3);
    expect([...rgba.data]).toEqual([1, 0, 0, 1, 1, 1]);
    const palette = encode({ width: 2, height: 1, data: new Uint8Array([0, 1]), channels: 1, depth: 8, palette: [[0, 0, 255], [0, 255, 0]] });
    expect([...decodePng(palette, 'indexed').data]).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it('reads gray, gray+alpha, RGB, RGBA and 16-bit images as luminance', () => {
    expect([...decodePngGray(png(2, 1, new Uint8Array([0, 255]), 1), 'g').gray]).toEqual([0, 1]);
    // Transparent pixels count as white (paper), opaque ones as their colour.
    expect([...decodePngGray(png(2, 1, new Uint8Array([0, 0, 0, 255]), 2), 'ga').gray]).toEqual([1, 0]);
    const rgb = decodePngGray(png(1, 1, new Uint8Array([255, 0, 0]), 3), 'rgb').gray[0];
    expect(rgb).toBeCloseTo(0.299, 5);
    expect(decodePngGray(png(1, 1, new Uint8Array([0, 0, 255, 128]), 4), 'rgba').gray[0]).toBeCloseTo(0.114 * (128 / 255) + 127 / 255, 5);
    expect([...decodePngGray(png(2, 1, new Uint16Array([0, 65535]), 1, 16), 'g16').gray]).toEqual([0, 1]);
  });

  it('rejects what is not a PNG, and a corrupt one, by name', () => {
    expect(() => decodePngGray(new TextEncoder().encode('hello'), 'note.txt')).toThrow('note.txt: not a PNG image');
    const broken = png(4, 4, new Uint8Array(16), 1).slice(0, 40);
    expect(() => decodePngGray(broken, 'broken.png')).toThrow(/broken.png: corrupt PNG/);
  });

  it('stops inflating at the bytes the declared size needs: a 1x1 image of 200 MiB is refused with little memory', () => {
    const bomb = pngBomb(200);
    expect(bomb.length).toBeLessThan(300 * 1024);
    const before = process.memoryUsage().rss;
    expect(() => decodePngGray(bomb, 'bomb.png')).toThrow(/bomb.png: corrupt PNG \(the image data inflates to more than the 2 bytes its header needs\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses image data shorter than the declared size', () => {
    const full = png(8, 8, new Uint8Array(64), 1);
    const header = full.slice(0, 33);
    const short = new Uint8Array([...header, ...pngBomb(0).slice(33)]);
    expect(() => decodePngGray(short, 'short.png')).toThrow(/holds 0 of the 72 bytes its header needs|corrupt PNG/);
  });

  it('reads the size from IHDR only when it is the first chunk, and only once', () => {
    expect(() => pngHeader(decoyHeader(64, 64), 'decoy.png')).toThrow('decoy.png: corrupt PNG (the first chunk is not IHDR)');
    expect(() => pngHeader(twoHeaders(5000, 5000), 'two.png')).toThrow('two.png: corrupt PNG (more than one IHDR chunk)');
    expect(pngHeader(png(300, 200, new Uint8Array(60_000), 1), 'ok.png')).toMatchObject({ width: 300, height: 200, dataBytes: 200 * 301 })
    expect(pngHeader(png(300, 200, new Uint8Array(60_000), 1), 'ok.png').decodeBytes).toBeGreaterThanOrEqual(200 * 301 + 4 * 60_000);;
  });

  it('checks the pixel limit from the header before inflating anything', () => {
    expect(() => decodePngGray(png(100, 100, new Uint8Array(10_000), 1), 'big.png', 9_999)).toThrow('big.png: PNG of 100x100 pixels is over the limit of 9999');
  });

  it('never inflates ancillary chunks: a compressed ICC profile of 100 MiB is skipped unread', () => {
    const decoded = decodePngGray(iccpBomb(100), 'icc.png');
    expect(decoded.width).toBe(28);
    expect(decoded.gray.every((v) => v === 1)).toBe(true);
  });
});

describe('MNIST-style preprocessing', () => {
  it('area-averages when resizing', () => {
    expect([...resize(new Float32Array([0, 1, 1, 0]), 4, 1, 2, 1)]).toEqual([0.5, 0.5]);
    expect([...resize(new Float32Array([1, 0, 0, 0]), 2, 2, 1, 1)]).toEqual([0.25]);
  });

  it('passes 28x28 white-on-black images through and inverts black-on-white ones', () => {
    const img = new Float32Array(784);
    img[14 * 28 + 14] = 1;
    expect(mnistStyle({ width: 28, height: 28, gray: img })).toEqual(img);
    const paper = img.map((v) => 1 - v);
    expect(mnistStyle({ width: 28, height: 28, gray: paper })[14 * 28 + 14]).toBe(1);
  });

  it('crops, scales the ink to 20 pixels and centres it by mass', () => {
    // A dark 40x10 bar in the corner of a white 100x100 page.
    const gray = new Float32Array(100 * 100).fill(1);
    for (let y = 5; y < 15; y++) for (let x = 2; x < 42; x++) gray[y * 100 + x] = 0;
    const out = mnistStyle({ width: 100, height: 100, gray });
    const rows = [...Array(28).keys()].filter((y) => out.subarray(y * 28, y * 28 + 28).some((v) => v > 0.5));
    const cols = [...Array(28).keys()].filter((x) => rows.some((y) => out[y * 28 + x] > 0.5));
    expect(cols.length).toBe(20);
    expect(rows.length).toBe(5);
    // Centred within a pixel of the field's centre (13.5 in pixel indices).
    expect(Math.abs((cols[0] + cols[cols.length - 1]) / 2 - 13.5)).toBeLessThanOrEqual(1);
    expect(Math.abs((rows[0] + rows[rows.length - 1]) / 2 - 13.5)).toBeLessThanOrEqual(1);
  });
});
