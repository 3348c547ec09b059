import { Unzlib } from 'fflate';
import { convertIndexedToRgb, decode } from 'fast-png';
import { InputError } from '../errors.js';
import type { Raster } from './image.js';

/** What a PNG's header declares, read and checked before anything is inflated. */
export interface PngHeader {
  width: number;
  height: number;
  /** The inflated image data its size, colour type, depth and interlacing need, filter bytes included. */
  dataBytes: number;
  /** What decoding allocates: the inflated data, fast-png's samples and the raster. */
  decodeBytes: number;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most
 * ~1032:1, so one slice can never produce more than ~1 MB past the point
 * where the output is found too long.
 */
const INFLATE_SLICE = 1024;

export const isPng = (bytes: Uint8Array) => bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);

interface Chunks {
  header: PngHeader;
  /** The chunks fast-png needs (IHDR, PLTE, tRNS, IDAT, IEND), as the raw bytes of the file. */
  kept: Uint8Array[];
  idat: Uint8Array[];
}

/**
 * Walks the chunks strictly: IHDR first and once, IDATs consecutive, IEND
 * present, no unknown critical chunk. Ancillary chunks (iCCP, zTXt, ...) are
 * dropped unread, so nothing compressed in them is ever inflated.
 */
function readChunks(bytes: Uint8Array): Chunks {
  if (!isPng(bytes)) throw new Error('not a PNG image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const idat: Uint8Array[] = [];
  let header: PngHeader | undefined;
  let colourType = -1;
  let palette = false;
  let idatDone = false;
  for (let at = 8; ; ) {
    if (at + 12 > bytes.length) throw new Error('corrupt PNG (truncated: no IEND chunk)');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw new Error(`corrupt PNG (truncated ${type} chunk)`);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Error('corrupt PNG (bad chunk type)');
    const chunk = bytes.subarray(at, end);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (!header && type !== 'IHDR') throw new Error('corrupt PNG (the first chunk is not IHDR)');
    if (idat.length > 0 && type !== 'IDAT') idatDone = true;
    switch (type) {
      case 'IHDR': {
        if (header) throw new Error('corrupt PNG (more than one IHDR chunk)');
        if (length !== 13) throw new Error('corrupt PNG (IHDR is not 13 bytes)');
        header = readHeader(view, at + 8);
        colourType = data[9];
        kept.push(chunk);
        break;
      }
      case 'PLTE':
        palette = true;
        kept.push(chunk);
        break;
      case 'tRNS':
        kept.push(chunk);
        break;
      case 'IDAT':
        if (idatDone) throw new Error('corrupt PNG (IDAT chunks are not consecutive)');
        idat.push(data);
        kept.push(chunk);
        break;
      case 'IEND':
        if (idat.length === 0) throw new Error('corrupt PNG (no image data)');
        if (colourType === 3 && !palette) throw new Error('corrupt PNG (indexed colour without a palette)');
        kept.push(chunk);
        return { header: header!, kept, idat };
      default:
        // Upper-case first letter: critical, and a decoder must not skip it.
        if (type.charCodeAt(0) < 97) throw new Error(`unsupported PNG (critical chunk ${type})`);
    }
    at = end;
  }
}

function readHeader(view: DataView, at: number): PngHeader {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const depth = view.getUint8(at + 8);
  const colour = CHANNELS[view.getUint8(at + 9)];
  const interlace = view.getUint8(at + 12);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new Error(`corrupt PNG (size ${width}x${height})`);
  if (!colour || !colour.depths.includes(depth)) throw new Error(`corrupt PNG (colour type ${view.getUint8(at + 9)} at ${depth} bits)`);
  if (view.getUint8(at + 10) !== 0 || view.getUint8(at + 11) !== 0 || interlace > 1) throw new Error('corrupt PNG (unknown compression, filter or interlace method)');
  const rowBytes = (w: number) => Math.ceil((w * colour.channels * depth) / 8) + 1;
  let dataBytes = 0;
  if (interlace === 0) dataBytes = height * rowBytes(width);
  else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil((width - x0) / dx);
      const h = Math.ceil((height - y0) / dy);
      if (w > 0 && h > 0) dataBytes += h * rowBytes(w);
    }
  }
  const pixels = width * height;
  const rasterChannels = colour.channels >= 3 || view.getUint8(at + 9) === 3 ? 3 : 1;
  const decodeBytes = 2 * dataBytes + pixels * colour.channels * (depth === 16 ? 2 : 1) + 4 * pixels * rasterChannels;
  return { width, height, dataBytes, decodeBytes };
}

/** The declared size of a PNG, after checking its chunk structure; nothing is inflated. */
export function pngHeader(bytes: Uint8Array, name: string): PngHeader {
  try {
    return readChunks(bytes).header;
  } catch (err) {
    throw new InputError(`${name}: ${(err as Error).message}`);
  }
}

/** Inflates the image data only to count it, stopping as soon as it is longer than the header allows. */
function checkDataLength(idat: Uint8Array[], expected: number): void {
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > expected) throw new Error(`corrupt PNG (the image data inflates to more than the ${expected} bytes its header needs)`);
  });
  try {
    for (const part of idat) {
      for (let at = 0; at < part.length; at += INFLATE_SLICE) inflater.push(part.subarray(at, at + INFLATE_SLICE));
    }
    inflater.push(new Uint8Array(0), true);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith('corrupt PNG') ? message : `corrupt PNG (${message})`);
  }
  if (total < expected) throw new Error(`corrupt PNG (the image data holds ${total} of the ${expected} bytes its header needs)`);
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Unpacks 1/2/4-bit samples to one number per sample. */
function unpack(data: Uint8Array, depth: number, samplesPerRow: number, rows: number): Uint8Array {
  if (depth === 8) return data;
  const out = new Uint8Array(samplesPerRow * rows);
  const perByte = 8 / depth;
  const rowBytes = Math.ceil(samplesPerRow / perByte);
  const mask = (1 << depth) - 1;
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < samplesPerRow; s++) {
      const byte = data[r * rowBytes + Math.floor(s / perByte)];
      out[r * samplesPerRow + s] = (byte >> (8 - depth * (1 + (s % perByte)))) & mask;
    }
  }
  return out;
}

/**
 * Decodes any PNG (gray, RGB, indexed, with or without alpha, 1-16 bit,
 * interlaced or not) to a raster: gray stays one channel, colour and
 * palettes give three. Bounded before it allocates: the header is checked
 * first (and its pixels against `maxPixels`), then the image data is
 * inflated only as far as the declared size needs; a PNG whose data is
 * longer or shorter than that is refused.
 */
export function decodePng(bytes: Uint8Array, name: string, maxPixels = Infinity): Raster {
  let png;
  try {
    const { header, kept, idat } = readChunks(bytes);
    if (header.width * header.height > maxPixels) {
      throw new Error(`PNG of ${header.width}x${header.height} pixels is over the limit of ${maxPixels}`);
    }
    checkDataLength(idat, header.dataBytes);
    png = decode(concat(kept));
  } catch (err) {
    const message = (err as Error).message;
    throw new InputError(`${name}: ${/^(corrupt|unsupported|not a|PNG of)/.test(message) ? message : `corrupt PNG (${message})`}`);
  }
  const { width, height } = png;
  let channels = png.channels;
  let max = 2 ** png.depth - 1;
  let data: ArrayLike<number>;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = data.length / (width * height);
    max = 255;
  } else if (png.depth < 8) {
    data = unpack(png.data as Uint8Array, png.depth, width * channels, height);
  } else {
    data = png.data;
  }
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3 ? 3 : 1;
  const out = new Float32Array(width * height * colour);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const alpha = hasAlpha ? data[p + channels - 1] / max : 1;
    for (let c = 0; c < colour; c++) out[i * colour + c] = (data[p + c] / max) * alpha + (1 - alpha);
  }
  return { width, height, channels: colour, data: out };
}
