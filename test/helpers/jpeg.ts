import { encode } from 'jpeg-js';

/**
 * JPEGs made by the tests: colour ones with jpeg-js's encoder (YCbCr, 4:4:4),
 * and gray or progressive ones with the tiny writer below, since jpeg-js
 * encodes neither.
 */

interface Colours {
  scale?: number;
  ink?: number[];
  paper?: number[];
}

/** An 8-bit ink image (MNIST's: 255 = full ink) as RGBA pixels: `ink` on `paper`, scaled up `scale` times. */
export function inkOnPaper(amount: Uint8Array, width: number, height: number, { scale = 1, ink = [20, 30, 140], paper = [250, 240, 200] }: Colours = {}) {
  const w = width * scale;
  const h = height * scale;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = amount[Math.floor(y / scale) * width + Math.floor(x / scale)] / 255;
      for (let c = 0; c < 3; c++) data[(y * w + x) * 4 + c] = Math.round(paper[c] * (1 - t) + ink[c] * t);
      data[(y * w + x) * 4 + 3] = 255;
    }
  }
  return { data, width: w, height: h };
}

/** The same as a colour JPEG. */
export const colourJpeg = (amount: Uint8Array, width: number, height: number, { quality = 95, ...colours }: Colours & { quality?: number } = {}) =>
  new Uint8Array(encode(inkOnPaper(amount, width, height, colours), quality).data);

/** Canonical Huffman codes from the counts per length (JPEG's DHT form). */
function huffmanCodes(counts: number[], values: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  counts.forEach((n, i) => {
    for (let j = 0; j < n; j++) codes.set(values[k++], [code++, i + 1]);
    code <<= 1;
  });
  return codes;
}

const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_COUNTS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0]; // end of block only

const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];

/**
 * A real one-component JPEG of an 8-bit gray image where every source pixel
 * is one flat 8x8 block (so `width` x `height` becomes 8x as large): each
 * block's DC coefficient carries the pixel exactly (quantiser 1) and its AC
 * coefficients are all zero. Baseline (SOF0), or `progressive` (SOF2) with
 * its one DC scan, which leaves the AC coefficients zero too.
 */
export function grayJpeg(gray: Uint8Array, width: number, height: number, { progressive = false } = {}): Uint8Array {
  const dc = huffmanCodes(DC_COUNTS, DC_VALUES);
  const eob = huffmanCodes(AC_COUNTS, AC_VALUES).get(0)!;
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++bits === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        bits = 0;
      }
    }
  };
  let previous = 0;
  for (const v of gray) {
    const coefficient = 8 * (v - 128);
    const diff = coefficient - previous;
    previous = coefficient;
    const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    put(...dc.get(size)!);
    if (size) put(diff > 0 ? diff : diff + (1 << size) - 1, size);
    if (!progressive) put(...eob);
  }
  if (bits) put(0x7f, 8 - bits); // pad with ones
  const w = width * 8;
  const h = height * 8;
  return new Uint8Array([
    0xff, 0xd8,
    ...segment(0xdb, [0, ...new Array(64).fill(1)]),
    ...segment(progressive ? 0xc2 : 0xc0, [8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_COUNTS, ...DC_VALUES]),
    ...segment(0xc4, [0x10, ...AC_COUNTS, ...AC_VALUES]),
    ...segment(0xda, [1, 1, 0x00, 0, progressive ? 0 : 63, 0]),
    ...out,
    0xff, 0xd9,
  ]);
}

/** Offset of the frame header (SOF0/1/2) marker in a JPEG. */
function frameAt(jpeg: Uint8Array): number {
  for (let at = 2; at < jpeg.length; ) {
    const marker = jpeg[at + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return at;
    at += 2 + ((jpeg[at + 2] << 8) | jpeg[at + 3]);
  }
  throw new Error('no frame header');
}

/** The JPEG with its frame header rewritten: another SOF marker, declared size, precision or component count; the scans stay as they were. */
export function withFrame(jpeg: Uint8Array, { marker, width, height, precision, components }: { marker?: number; width?: number; height?: number; precision?: number; components?: number }): Uint8Array {
  const at = frameAt(jpeg);
  const length = (jpeg[at + 2] << 8) | jpeg[at + 3];
  const old = jpeg.subarray(at + 4, at + 2 + length);
  const count = components ?? old[5];
  const h = height ?? ((old[1] << 8) | old[2]);
  const w = width ?? ((old[3] << 8) | old[4]);
  const specs = Array.from({ length: count }, (_, c) => (c < old[5] ? [...old.subarray(6 + 3 * c, 9 + 3 * c)] : [c + 1, 0x11, 0])).flat();
  const frame = segment(marker ?? jpeg[at + 1], [precision ?? old[0], h >> 8, h & 255, w >> 8, w & 255, count, ...specs]);
  return new Uint8Array([...jpeg.subarray(0, at), ...frame, ...jpeg.subarray(at + 2 + length)]);
}

/** MNIST-style pixels in [0, 1] (1 = ink) as 8-bit ink amounts. */
export const inkBytes = (pixels: ArrayLike<number>) => Uint8Array.from(pixels, (v) => Math.round(v * 255));

/**
 * JPEGs a client may send by mistake or on purpose, made from a good one,
 * each with the message (after "<field>: ") it gets.
 */
export function badJpegs(good: Uint8Array): Array<{ name: string; bytes: Uint8Array; message: RegExp }> {
  const scanAt = good.findIndex((b, i) => b === 0xff && good[i + 1] === 0xda);
  const middle = Math.round((scanAt + good.length) / 2);
  return [
    { name: 'truncated', bytes: good.slice(0, middle), message: /^corrupt JPEG \(truncated/ },
    { name: 'cut with its end put back', bytes: new Uint8Array([...good.subarray(0, middle), 0xff, 0xd9]), message: /^corrupt JPEG/ },
    { name: 'arithmetic-coded', bytes: withFrame(good, { marker: 0xc9 }), message: /^unsupported JPEG \(arithmetic-coded/ },
    { name: 'CMYK', bytes: withFrame(good, { components: 4 }), message: /^unsupported JPEG \(4 components/ },
    { name: 'a 60000x60000 header', bytes: withFrame(good, { width: 60_000, height: 60_000 }), message: /^JPEG of 60000x60000 pixels is over the limit of/ },
  ];
}
