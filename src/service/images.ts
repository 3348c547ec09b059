import { decodePngGray, pngHeader, type PngHeader } from '../core/data/png.js';
import { mnistStyle } from '../core/data/preprocess.js';
import type { ServiceMetrics } from './metrics.js';
import { Problem, validationProblem, type FieldError } from './problem.js';
import { IMAGE_SIZE } from '../core/seed.js';
import type { Limits } from './limits.js';
import type { ImageInput } from './schemas.js';

/** What decoding a request's images needs from the app. */
export interface ImageDecoding {
  limits: Limits;
  metrics: ServiceMetrics;
  /** Awaited before each PNG, so that one request's images do not hold the event loop in one go. */
  pause: () => Promise<void>;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

interface PendingPng {
  index: number;
  field: string;
  bytes: Uint8Array;
  header: PngHeader;
}

const errorOf = (err: unknown, field: string): FieldError => ({ field, message: (err as Error).message.replace(`${field}: `, '') });

/**
 * PNGs as MNIST-style pixels into `out`. Every header is read and checked
 * first, each image against the per-image limit and all of them against the
 * request's pixel budget, so nothing is inflated for a request that would be
 * refused; then they are decoded one at a time.
 */
async function decodePngs(pngs: PendingPng[], out: Float32Array, { limits, metrics, pause }: ImageDecoding): Promise<void> {
  const errors: FieldError[] = [];
  let total = 0;
  for (const { field, header } of pngs) {
    const pixels = header.width * header.height;
    if (pixels > limits.maxPngPixels) errors.push({ field, message: `PNG of ${header.width}x${header.height} pixels is over the limit of ${limits.maxPngPixels}` });
    total += pixels;
  }
  if (!errors.length && total > limits.maxDecodedPixels) {
    errors.push({ field: pngs.length > 1 ? 'images' : pngs[0].field, message: `the PNGs hold ${total} pixels in all, over the limit of ${limits.maxDecodedPixels} per request` });
  }
  for (const png of pngs) {
    if (errors.length) break;
    await pause();
    try {
      const decoded = metrics.decode(png.header.dataBytes + 4 * png.header.width * png.header.height, () => decodePngGray(png.bytes, png.field, limits.maxPngPixels));
      out.set(mnistStyle(decoded), png.index * IMAGE_SIZE);
    } catch (err) {
      errors.push(errorOf(err, png.field));
    }
  }
  if (errors.length) {
    metrics.refused(pngs.length);
    throw validationProblem(errors);
  }
}

/** Validated image inputs (flat, rows or PNG) packed back to back as model input; PNG failures are reported per field together. */
export async function imagesToPixels(images: ImageInput[], field: (i: number) => string, decoding: ImageDecoding): Promise<Float32Array> {
  const pixels = new Float32Array(images.length * IMAGE_SIZE);
  const pngs: PendingPng[] = [];
  const errors: FieldError[] = [];
  images.forEach((image, i) => {
    if ('png' in image) {
      const name = `${field(i)}.png`;
      const bytes = fromBase64(image.png);
      try {
        pngs.push({ index: i, field: name, bytes, header: pngHeader(bytes, name) });
      } catch (err) {
        errors.push(errorOf(err, name));
      }
    } else if (typeof image[0] === 'number') {
      pixels.set(image as number[], i * IMAGE_SIZE);
    } else {
      (image as number[][]).forEach((row, r) => pixels.set(row, i * IMAGE_SIZE + r * row.length));
    }
  });
  if (errors.length) {
    decoding.metrics.refused(errors.length);
    throw validationProblem(errors);
  }
  if (pngs.length) await decodePngs(pngs, pixels, decoding);
  return pixels;
}

/** A raw image/png request body as one image. */
export async function pngBodyPixels(bytes: Uint8Array, decoding: ImageDecoding): Promise<Float32Array> {
  if (bytes.length === 0) throw new Problem(422, 'validation', 'the request body is empty; send one PNG image', [{ field: 'body', message: 'empty' }]);
  let header: PngHeader;
  try {
    header = pngHeader(bytes, 'body');
  } catch (err) {
    decoding.metrics.refused();
    throw validationProblem([errorOf(err, 'body')]);
  }
  const pixels = new Float32Array(IMAGE_SIZE);
  await decodePngs([{ index: 0, field: 'body', bytes, header }], pixels, decoding);
  return pixels;
}
