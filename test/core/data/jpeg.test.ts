import { encode } from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { decodeJpeg, jpegHeader } from '../../../src/core/data/jpeg.js';
import { colourJpeg, grayJpeg, withFrame } from '../../helpers/jpeg.js';
import { mnist } from '../../helpers/mnist.js';

let digit: Uint8Array;
let colour: Uint8Array;

beforeAll(async () => {
  digit = (await mnist()).test.images.subarray(0, 784);
  colour = colourJpeg(digit, 28, 28, { scale: 3 });
});

/** The message `work` throws, checking it is an InputError. */
function refusal(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('decoded');
}

describe('JPEG decoding', () => {
  it('decodes a colour JPEG of a real MNIST digit to RGB close to what was encoded', () => {
    const raster = decodeJpeg(colour, 'seven.jpg');
    expect(raster).toMatchObject({ width: 84, height: 84, channels: 3 });
    expect(raster.data.length).toBe(84 * 84 * 3);
    // Paper (250, 240, 200) in the corner, ink (20, 30, 140) where the digit is fullest.
    expect(Math.abs(raster.data[0] - 250 / 255)).toBeLessThan(0.03);
    expect(Math.abs(raster.data[2] - 200 / 255)).toBeLessThan(0.03);
    const full = digit.indexOf(255);
    const at = (Math.floor(full / 28) * 3 * 84 + (full % 28) * 3 + 1) * 3;
    expect(Math.abs(raster.data[at + 2] - 140 / 255)).toBeLessThan(0.08);
  });

  it('keeps a gray JPEG one channel, baseline and progressive, pixel for pixel', () => {
    for (const progressive of [false, true]) {
      const jpeg = grayJpeg(digit, 28, 28, { progressive });
      expect(jpegHeader(jpeg, 'g.jpg')).toMatchObject({ width: 224, height: 224, components: 1, progressive });
      const raster = decodeJpeg(jpeg, 'g.jpg');
      expect(raster).toMatchObject({ width: 224, height: 224, channels: 1 });
      for (let i = 0; i < 784; i++) expect(Math.round(raster.data[Math.floor(i / 28) * 8 * 224 + (i % 28) * 8] * 255)).toBe(digit[i]);
    }
  });

  it('reads the size from the frame header and counts what decoding allocates', () => {
    const header = jpegHeader(colour, 'c.jpg');
    expect(header).toMatchObject({ width: 84, height: 84, components: 3, progressive: false });
    expect(header.decodeBytes).toBeGreaterThan(84 * 84 * (3 * 4 + 3));
  });

  it('refuses what is not a JPEG, by name', () => {
    expect(refusal(() => decodeJpeg(new TextEncoder().encode('hello'), 'note.txt'))).toBe('note.txt: not a JPEG image');
    expect(refusal(() => jpegHeader(new Uint8Array([0xff, 0xd8]), 'two.jpg'))).toBe('two.jpg: not a JPEG image');
  });

  it('refuses frame types and layouts it cannot decode right: arithmetic, lossless, hierarchical, 12-bit, CMYK', () => {
    const gray = grayJpeg(digit, 28, 28);
    expect(refusal(() => jpegHeader(withFrame(gray, { marker: 0xc9 }), 'a.jpg'))).toBe('a.jpg: unsupported JPEG (arithmetic-coded (SOF9))');
    expect(refusal(() => jpegHeader(withFrame(gray, { marker: 0xc3 }), 'l.jpg'))).toBe('l.jpg: unsupported JPEG (lossless (SOF3))');
    expect(refusal(() => jpegHeader(withFrame(gray, { marker: 0xc5 }), 'h.jpg'))).toBe('h.jpg: unsupported JPEG (hierarchical (SOF5))');
    expect(refusal(() => jpegHeader(withFrame(gray, { precision: 12 }), 'p.jpg'))).toBe('p.jpg: unsupported JPEG (12-bit samples; 8-bit only)');
    expect(refusal(() => decodeJpeg(withFrame(colour, { components: 4 }), 'k.jpg'))).toBe('k.jpg: unsupported JPEG (4 components: CMYK or YCCK)');
    expect(refusal(() => decodeJpeg(withFrame(colour, { components: 2 }), 'two.jpg'))).toBe('two.jpg: unsupported JPEG (2 components; 1 or 3 only)');
    expect(refusal(() => jpegHeader(withFrame(gray, { height: 0 }), 'dnl.jpg'))).toMatch(/^dnl.jpg: unsupported JPEG \(height 0/);
    expect(refusal(() => jpegHeader(withFrame(gray, { width: 0 }), 'w0.jpg'))).toBe('w0.jpg: corrupt JPEG (width 0)');
  });

  it('refuses a missing or repeated frame header and a scan before it', () => {
    const gray = grayJpeg(digit, 28, 28);
    const sofAt = gray.findIndex((b, i) => b === 0xff && gray[i + 1] === 0xc0);
    const sof = gray.subarray(sofAt, sofAt + 13);
    const noFrame = new Uint8Array([...gray.subarray(0, sofAt), ...gray.subarray(sofAt + 13)]);
    expect(refusal(() => jpegHeader(noFrame, 'n.jpg'))).toBe('n.jpg: corrupt JPEG (a scan before the frame header)');
    const twice = new Uint8Array([...gray.subarray(0, sofAt), ...sof, ...gray.subarray(sofAt)]);
    expect(refusal(() => jpegHeader(twice, 't.jpg'))).toBe('t.jpg: corrupt JPEG (more than one frame)');
    expect(refusal(() => jpegHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), 'e.jpg'))).toBe('e.jpg: corrupt JPEG (no frame header)');
  });

  it('refuses a JPEG cut anywhere, quickly, and never returns part of an image', () => {
    const started = performance.now();
    for (let cut = 3; cut < colour.length - 1; cut++) {
      expect(refusal(() => decodeJpeg(colour.subarray(0, cut), 'cut.jpg'))).toMatch(/^cut.jpg: corrupt JPEG \(truncated/);
    }
    // Cut in the middle of the scan with an EOI put back: jpeg-js meets the marker where it wants data.
    const scanAt = colour.findIndex((b, i) => b === 0xff && colour[i + 1] === 0xda);
    for (const keep of [0.25, 0.5, 0.9]) {
      const cut = Math.round(scanAt + (colour.length - scanAt) * keep);
      const patched = new Uint8Array([...colour.subarray(0, cut), 0xff, 0xd9]);
      expect(refusal(() => decodeJpeg(patched, 'eoi.jpg'))).toMatch(/^eoi.jpg: corrupt JPEG/);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('decodes or refuses scrambled scan data, and never hangs', () => {
    const scanAt = colour.findIndex((b, i) => b === 0xff && colour[i + 1] === 0xda) + 14;
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const noisy = colour.slice();
      for (let i = scanAt; i < noisy.length - 2; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        if (seed % 16 === 0) noisy[i] = (seed >> 8) & 0xfe; // never 0xFF: markers stay where they were
      }
      try {
        expect(decodeJpeg(noisy, 'noisy.jpg').data.length).toBe(84 * 84 * 3);
      } catch (err) {
        expect((err as Error).message).toMatch(/^noisy.jpg: corrupt JPEG/);
      }
    }
  });

  it('checks the pixel limit from the frame header before decoding: a 60000x60000 header over 2 KB of data is refused at once', () => {
    const bomb = withFrame(grayJpeg(digit, 28, 28), { width: 60_000, height: 60_000 });
    expect(bomb.length).toBeLessThan(4096);
    expect(jpegHeader(bomb, 'bomb.jpg')).toMatchObject({ width: 60_000, height: 60_000 });
    const started = performance.now();
    expect(refusal(() => decodeJpeg(bomb, 'bomb.jpg', 2048 * 2048))).toBe('bomb.jpg: JPEG of 60000x60000 pixels is over the limit of 4194304');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('ignores EXIF orientation: pixels come in stored order', () => {
    const rgba = new Uint8Array(16 * 8 * 4).fill(255);
    for (let i = 0; i < 8 * 8; i++) rgba.fill(0, (Math.floor(i / 8) * 16 + (i % 8)) * 4, (Math.floor(i / 8) * 16 + (i % 8)) * 4 + 3); // left half black
    // Orientation 6 (rotate 90° clockwise): a TIFF header, one IFD entry 0x0112 = 6.
    const exif = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    const jpeg = new Uint8Array(encode({ data: rgba, width: 16, height: 8, exifBuffer: exif } as Parameters<typeof encode>[0], 95).data);
    const raster = decodeJpeg(jpeg, 'exif.jpg');
    expect(raster).toMatchObject({ width: 16, height: 8 });
    expect(raster.data[0]).toBeLessThan(0.1);
    expect(raster.data[15 * 3]).toBeGreaterThan(0.9);
  });
});
