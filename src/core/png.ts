import { convertIndexedToRgb, decode, hasPngSignature } from 'fast-png';
import { InputError } from './errors.js';

/** A decoded picture as luminance in [0, 1] (1 = white), composited over white where transparent. */
export interface GrayImage {
  width: number;
  height: number;
  gray: Float32Array;
}

export const isPng = (bytes: Uint8Array) => hasPngSignature(bytes);

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

/** Decodes any PNG (gray, RGB, indexed, with or without alpha, 1-16 bit) to luminance. */
export function decodePngGray(bytes: Uint8Array, name: string): GrayImage {
  if (!isPng(bytes)) throw new InputError(`${name}: not a PNG image`);
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new InputError(`${name}: corrupt PNG (${(err as Error).message})`);
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
  const gray = new Float32Array(width * height);
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3;
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const lum = colour ? (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) / max : data[p] / max;
    const alpha = hasAlpha ? data[p + channels - 1] / max : 1;
    gray[i] = lum * alpha + (1 - alpha);
  }
  return { width, height, gray };
}
