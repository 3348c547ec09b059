import { InputError } from '../errors.js';
import { decodeJpeg, isJpeg, jpegHeader } from './jpeg.js';
import { decodePng, isPng, pngHeader } from './png.js';

export type ImageFormat = 'png' | 'jpeg';

/** Decoded pixels in [0, 1], row-major, `channels` per pixel (1 = gray, 3 = RGB); alpha composited over white. */
export interface Raster {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

/** A decoded picture as luminance in [0, 1] (1 = white), composited over white where transparent. */
export interface GrayImage {
  width: number;
  height: number;
  gray: Float32Array;
}

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** bytes decoding will allocate, for metrics/limits */
  decodeBytes: number;
}

/** The format the bytes begin like, if any: the signature decides, never a name or a declared type. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  return undefined;
}

const notAnImage = (name: string) => new InputError(`${name}: not a PNG or JPEG image`);

/** Reads and checks the header only, decoding nothing (PNG: the chunk structure; JPEG: every marker, SOI to EOI, so a cut file fails here); throws InputError "<name>: ..." */
export function imageHeader(bytes: Uint8Array, name: string): ImageHeader {
  switch (sniffImage(bytes)) {
    case 'png': {
      const { width, height, decodeBytes } = pngHeader(bytes, name);
      return { format: 'png', width, height, decodeBytes };
    }
    case 'jpeg': {
      const { width, height, decodeBytes } = jpegHeader(bytes, name);
      return { format: 'jpeg', width, height, decodeBytes };
    }
    default:
      throw notAnImage(name);
  }
}

/** Decodes PNG or JPEG (sniffed), bounded by maxPixels before allocating; throws InputError "<name>: ..." */
export function decodeImage(bytes: Uint8Array, name: string, maxPixels = Infinity): Raster {
  switch (sniffImage(bytes)) {
    case 'png':
      return decodePng(bytes, name, maxPixels);
    case 'jpeg':
      return decodeJpeg(bytes, name, maxPixels);
    default:
      throw notAnImage(name);
  }
}

/** Luminance (0.299/0.587/0.114) as a GrayImage; a gray raster's own data. */
export function grayOf(image: Raster): GrayImage {
  const { width, height, channels, data } = image;
  if (channels === 1) return { width, height, gray: data };
  const gray = new Float32Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = 0.299 * data[i * 3] + 0.587 * data[i * 3 + 1] + 0.114 * data[i * 3 + 2];
  return { width, height, gray };
}
