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

/** Entropy-coded bits, most significant first, with JPEG's byte stuffing (0xff is followed by 0); `flush` pads the last byte with ones. */
function bitWriter() {
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
  const flush = () => {
    if (bits) put(0x7f, 8 - bits);
  };
  return { put, out, flush };
}

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
  const { put, out, flush } = bitWriter();
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
  flush();
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

/** JPEG's zig-zag order: position k of the coded sequence is coefficient ZIGZAG[k] of the 8x8 block (row-major). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
/** The JPEG standard's (Annex K) luminance quantisation table, row-major, and its luminance Huffman tables. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const LUMA_AC_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const LUMA_AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
  0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
  0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
  0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];
/** cos((2x + 1)uπ/16) with the DCT's C(u) folded in, [u * 8 + x]. */
const DCT = Float64Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  return (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * (i & 7) + 1) * u * Math.PI) / 16) / 2;
});
const sizeOfValue = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));

/**
 * A baseline JPEG (SOF0, 8x8 DCT, the standard's tables scaled to
 * `quality` as libjpeg does) of 8-bit gray or RGB pixels, RGB as YCbCr 4:4:4.
 * jpeg-js's encoder builds its tables on every call (~40 ms each); this one
 * makes the thousands of files a dataset test needs in well under a second.
 */
export function baselineJpeg(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality = 95): Uint8Array {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const quant = LUMA_QUANT.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
  const dc = huffmanCodes(DC_COUNTS, DC_VALUES);
  const ac = huffmanCodes(LUMA_AC_COUNTS, LUMA_AC_VALUES);
  const planes = Array.from({ length: channels }, () => new Float64Array(width * height));
  for (let p = 0; p < width * height; p++) {
    if (channels === 1) planes[0][p] = pixels[p] - 128;
    else {
      const [r, g, b] = [pixels[p * 3], pixels[p * 3 + 1], pixels[p * 3 + 2]];
      planes[0][p] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
      planes[1][p] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      planes[2][p] = 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  const { put, out, flush } = bitWriter();
  const block = new Float64Array(64);
  const rows = new Float64Array(64);
  const previous = new Array<number>(channels).fill(0);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let c = 0; c < channels; c++) {
        // Edge blocks repeat the last row and column.
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = planes[c][Math.min(by + y, height - 1) * width + Math.min(bx + x, width - 1)];
        for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += DCT[u * 8 + x] * block[y * 8 + x];
          rows[y * 8 + u] = s;
        }
        const coded = ZIGZAG.map((i) => {
          const v = i >> 3;
          let s = 0;
          for (let y = 0; y < 8; y++) s += DCT[v * 8 + y] * rows[y * 8 + (i & 7)];
          return Math.round(s / quant[i]);
        });
        const diff = coded[0] - previous[c];
        previous[c] = coded[0];
        put(...dc.get(sizeOfValue(diff))!);
        if (diff) put(diff > 0 ? diff : diff + (1 << sizeOfValue(diff)) - 1, sizeOfValue(diff));
        let run = 0;
        for (let k = 1; k < 64; k++) {
          const v = coded[k];
          if (v === 0) {
            run++;
            continue;
          }
          for (; run > 15; run -= 16) put(...ac.get(0xf0)!);
          const size = sizeOfValue(v);
          put(...ac.get((run << 4) | size)!);
          put(v > 0 ? v : v + (1 << size) - 1, size);
          run = 0;
        }
        if (run) put(...ac.get(0x00)!);
      }
    }
  }
  flush();
  const components = Array.from({ length: channels }, (_, c) => [c + 1, 0x11, 0]).flat();
  return new Uint8Array([
    0xff, 0xd8,
    ...segment(0xdb, [0, ...ZIGZAG.map((i) => quant[i])]),
    ...segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, channels, ...components]),
    ...segment(0xc4, [0x00, ...DC_COUNTS, ...DC_VALUES]),
    ...segment(0xc4, [0x10, ...LUMA_AC_COUNTS, ...LUMA_AC_VALUES]),
    ...segment(0xda, [channels, ...Array.from({ length: channels }, (_, c) => [c + 1, 0x00]).flat(), 0, 63, 0]),
    ...out,
    0xff, 0xd9,
  ]);
}
