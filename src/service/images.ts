import { decodePngGray } from '../core/png.js';
import { mnistStyle } from '../core/preprocess.js';
import { Problem, validationProblem, type FieldError } from './problem.js';
import { PIXELS, type Limits } from './limits.js';
import type { ImageInput } from './schemas.js';

const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** PNG width and height from its IHDR chunk, without decoding. */
function pngSize(bytes: Uint8Array): [number, number] | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** One PNG's bytes as MNIST-style pixels; a broken or oversized PNG is a field error. */
export function pngPixels(bytes: Uint8Array, field: string, limits: Limits): Float32Array | FieldError {
  const size = pngSize(bytes);
  if (size && size[0] * size[1] > limits.maxPngPixels) {
    return { field, message: `PNG of ${size[0]}x${size[1]} pixels is over the limit of ${limits.maxPngPixels}` };
  }
  try {
    return mnistStyle(decodePngGray(bytes, field));
  } catch (err) {
    return { field, message: (err as Error).message.replace(`${field}: `, '') };
  }
}

/**
 * Validated image inputs (flat, rows or PNG) packed back to back as model
 * input; PNG failures are reported per field together.
 */
export function imagesToPixels(images: ImageInput[], field: (i: number) => string, limits: Limits): Float32Array {
  const pixels = new Float32Array(images.length * PIXELS);
  const errors: FieldError[] = [];
  images.forEach((image, i) => {
    if ('png' in image) {
      const out = pngPixels(fromBase64(image.png), `${field(i)}.png`, limits);
      if (out instanceof Float32Array) pixels.set(out, i * PIXELS);
      else errors.push(out);
    } else if (typeof image[0] === 'number') {
      pixels.set(image as number[], i * PIXELS);
    } else {
      (image as number[][]).forEach((row, r) => pixels.set(row, i * PIXELS + r * row.length));
    }
  });
  if (errors.length) throw validationProblem(errors);
  return pixels;
}

/** A raw image/png request body as one image. */
export function pngBodyPixels(bytes: Uint8Array, limits: Limits): Float32Array {
  if (bytes.length === 0) throw new Problem(422, 'validation', 'the request body is empty; send one PNG image', [{ field: 'body', message: 'empty' }]);
  const out = pngPixels(bytes, 'body', limits);
  if (out instanceof Float32Array) return out;
  throw validationProblem([out]);
}
