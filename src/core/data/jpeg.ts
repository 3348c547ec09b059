import { decode } from 'jpeg-js';
import { InputError } from '../errors.js';
import type { Raster } from './image.js';

/** What a JPEG's markers declare, read and checked before anything is decoded. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 (gray) or 3 (YCbCr, or RGB with an Adobe marker saying so). */
  components: 1 | 3;
  progressive: boolean;
  /** An Adobe APP14 marker's colour transform (0: the three components are RGB, not YCbCr). */
  adobeTransform?: number;
  /** What jpeg-js allocates for it (coefficient blocks, component lines, its output), plus the raster. */
  decoderBytes: number;
  decodeBytes: number;
}

export const isJpeg = (bytes: Uint8Array) => bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** Frame types a decoder of plain JPEGs does not read (jpeg-js reads SOF0, SOF1 and SOF2 only). */
const UNSUPPORTED: Record<number, string> = {
  0xc3: 'lossless (SOF3)',
  0xc5: 'hierarchical (SOF5)',
  0xc6: 'hierarchical (SOF6)',
  0xc7: 'hierarchical lossless (SOF7)',
  0xc9: 'arithmetic-coded (SOF9)',
  0xca: 'arithmetic-coded progressive (SOF10)',
  0xcb: 'arithmetic-coded lossless (SOF11)',
  0xcc: 'arithmetic-coded (DAC)',
  0xcd: 'hierarchical arithmetic-coded (SOF13)',
  0xce: 'hierarchical arithmetic-coded (SOF14)',
  0xcf: 'hierarchical arithmetic-coded lossless (SOF15)',
  0xde: 'hierarchical (DHP)',
  0xdf: 'hierarchical (EXP)',
  0xf7: 'JPEG-LS (SOF55)',
};
const SOF = new Set([0xc0, 0xc1, 0xc2]);
/** Segments with a length that jpeg-js reads or skips: DHT, DNL, DRI, DQT, APP0-15, COM. */
const SKIPPED = new Set([0xc4, 0xdc, 0xdd, 0xdb, 0xfe, ...Array.from({ length: 16 }, (_, i) => 0xe0 + i)]);

const hex = (marker: number) => `0x${marker.toString(16).toUpperCase()}`;

interface Frame {
  width: number;
  height: number;
  ids: number[];
  sampling: Array<[number, number]>;
  progressive: boolean;
}

function readFrame(bytes: Uint8Array, at: number, length: number, marker: number): Frame {
  const precision = bytes[at];
  const height = (bytes[at + 1] << 8) | bytes[at + 2];
  const width = (bytes[at + 3] << 8) | bytes[at + 4];
  const count = bytes[at + 5];
  if (length !== 8 + 3 * count) throw new Error('corrupt JPEG (frame header length)');
  if (precision !== 8) throw new Error(`unsupported JPEG (${precision}-bit samples; 8-bit only)`);
  if (width === 0) throw new Error('corrupt JPEG (width 0)');
  if (height === 0) throw new Error('unsupported JPEG (height 0, given later by a DNL marker)');
  if (count === 4) throw new Error('unsupported JPEG (4 components: CMYK or YCCK)');
  if (count !== 1 && count !== 3) throw new Error(`unsupported JPEG (${count} components; 1 or 3 only)`);
  const ids: number[] = [];
  const sampling: Array<[number, number]> = [];
  for (let c = 0; c < count; c++) {
    const p = at + 6 + 3 * c;
    const h = bytes[p + 1] >> 4;
    const v = bytes[p + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new Error(`corrupt JPEG (sampling factors ${h}x${v})`);
    if (ids.includes(bytes[p])) throw new Error('corrupt JPEG (two components with one id)');
    ids.push(bytes[p]);
    sampling.push([h, v]);
  }
  return { width, height, ids, sampling, progressive: marker === 0xc2 };
}

/** Mirrors jpeg-js's own accounting (prepareComponents, buildComponentData, getData, its output), so its memory cap fits this image. */
function decoderBytes({ width, height, sampling }: Frame): number {
  const maxH = Math.max(...sampling.map(([h]) => h));
  const maxV = Math.max(...sampling.map(([, v]) => v));
  const mcusPerLine = Math.ceil(width / 8 / maxH);
  const mcusPerColumn = Math.ceil(height / 8 / maxV);
  let bytes = width * height * (sampling.length + 3);
  for (const [h, v] of sampling) {
    bytes += mcusPerLine * h * mcusPerColumn * v * 256;
    bytes += Math.ceil((Math.ceil(width / 8) * h) / maxH) * 8 * Math.ceil((Math.ceil(height / 8) * v) / maxV) * 8;
  }
  return bytes;
}

/** Where the entropy-coded data after a scan header ends: the first marker that is not a stuffed 0xFF00 or a restart. */
function scanEnd(bytes: Uint8Array, at: number): number {
  for (let i = at; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1];
    if (next !== 0 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return i;
  }
  throw new Error('corrupt JPEG (truncated: the scan data ends without an EOI marker)');
}

/**
 * Walks every marker strictly, from SOI to EOI, without decoding: one
 * baseline, extended or progressive frame of 1 or 3 components before any
 * scan, scans that name its components, every segment whole, and the EOI
 * there (bytes after it are ignored). A file cut anywhere lacks its EOI, so
 * truncation is found here, before jpeg-js (which would read zeros past the
 * end) ever sees it.
 */
function readMarkers(bytes: Uint8Array): JpegHeader {
  if (!isJpeg(bytes)) throw new Error('not a JPEG image');
  let frame: Frame | undefined;
  let adobeTransform: number | undefined;
  let scans = 0;
  for (let at = 2; ; ) {
    if (at >= bytes.length) throw new Error(`corrupt JPEG (truncated: ${frame ? 'no EOI marker' : 'no frame header'})`);
    if (bytes[at] !== 0xff) throw new Error(`corrupt JPEG (no marker at byte ${at})`);
    while (bytes[at + 1] === 0xff) at++; // fill bytes
    if (at + 1 >= bytes.length) throw new Error('corrupt JPEG (truncated marker)');
    const marker = bytes[at + 1];
    at += 2;
    if (marker === 0xd9) {
      if (!frame) throw new Error('corrupt JPEG (no frame header)');
      if (scans === 0) throw new Error('corrupt JPEG (no image data)');
      return { width: frame.width, height: frame.height, components: frame.ids.length as 1 | 3, progressive: frame.progressive, adobeTransform, ...sizes(frame) };
    }
    if (UNSUPPORTED[marker]) throw new Error(`unsupported JPEG (${UNSUPPORTED[marker]})`);
    if (!SOF.has(marker) && !SKIPPED.has(marker) && marker !== 0xda) throw new Error(`corrupt JPEG (unexpected marker ${hex(marker)})`);
    if (at + 2 > bytes.length) throw new Error('corrupt JPEG (truncated segment)');
    const length = (bytes[at] << 8) | bytes[at + 1];
    if (length < 2 || at + length > bytes.length) throw new Error(`corrupt JPEG (truncated ${hex(marker)} segment)`);
    const body = at + 2;
    if (SOF.has(marker)) {
      if (frame) throw new Error('corrupt JPEG (more than one frame)');
      frame = readFrame(bytes, body, length, marker);
    } else if (marker === 0xee && length >= 14 && String.fromCharCode(...bytes.subarray(body, body + 5)) === 'Adobe') {
      adobeTransform = bytes[body + 11];
    } else if (marker === 0xda) {
      if (!frame) throw new Error('corrupt JPEG (a scan before the frame header)');
      const count = bytes[body];
      if (count < 1 || length !== 6 + 2 * count) throw new Error('corrupt JPEG (scan header length)');
      for (let c = 0; c < count; c++) {
        if (!frame.ids.includes(bytes[body + 1 + 2 * c])) throw new Error('corrupt JPEG (a scan names a component the frame has not)');
      }
      scans++;
      at = scanEnd(bytes, at + length);
      continue;
    }
    at += length;
  }
}

function sizes(frame: Frame) {
  const decoder = decoderBytes(frame);
  return { decoderBytes: decoder, decodeBytes: decoder + 4 * frame.width * frame.height * (frame.ids.length === 1 ? 1 : 3) };
}

const fail = (name: string, err: unknown) => {
  const message = (err as Error).message;
  return new InputError(`${name}: ${/^(corrupt|unsupported|not a|JPEG of)/.test(message) ? message : `corrupt JPEG (${message})`}`);
};

/** The declared size of a JPEG, after checking all its markers; nothing is decoded. */
export function jpegHeader(bytes: Uint8Array, name: string): JpegHeader {
  try {
    return readMarkers(bytes);
  } catch (err) {
    throw fail(name, err);
  }
}

const MB = 1024 * 1024;

/**
 * Decodes a baseline, extended or progressive JPEG with jpeg-js (pure
 * JavaScript, typed arrays only, so it runs in Node, workerd and browsers):
 * gray stays one channel, colour gives RGB. Bounded before it allocates:
 * all markers are checked first (and the pixels against `maxPixels`), and
 * jpeg-js's own caps are set to what this image's header needs, so a
 * malformed file cannot make it allocate more. EXIF orientation is ignored,
 * as Keras's and tfjs's decoders do: pixels come in stored order.
 */
export function decodeJpeg(bytes: Uint8Array, name: string, maxPixels = Infinity): Raster {
  let header: JpegHeader;
  let rgb: Uint8Array;
  try {
    header = readMarkers(bytes);
    const pixels = header.width * header.height;
    if (pixels > maxPixels) throw new Error(`JPEG of ${header.width}x${header.height} pixels is over the limit of ${maxPixels}`);
    const out = decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      // Adobe's transform 0 says the components are RGB already; jpeg-js would convert them as YCbCr.
      colorTransform: header.components === 3 && header.adobeTransform === 0 ? false : undefined,
      maxResolutionInMP: Math.ceil(pixels / 1e6),
      maxMemoryUsageInMB: Math.ceil(header.decoderBytes / MB) + 1,
    });
    if (out.width !== header.width || out.height !== header.height) throw new Error('corrupt JPEG (decoded size differs from its header)');
    rgb = out.data;
  } catch (err) {
    throw fail(name, err);
  }
  const { width, height, components } = header;
  const channels = components === 1 ? 1 : 3;
  const data = new Float32Array(width * height * channels);
  // jpeg-js repeats a gray sample three times; take one.
  for (let i = 0; i < data.length; i++) data[i] = rgb[channels === 3 ? i : i * 3] / 255;
  return { width, height, channels, data };
}
