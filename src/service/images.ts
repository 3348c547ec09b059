import { InputError } from '../core/errors.js';
import { decodeImage, grayOf, imageHeader, sniffImage, type ImageFormat, type ImageHeader, type Raster } from '../core/data/image.js';
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
  /** Awaited before each image, so that one request's images do not hold the event loop in one go. */
  pause: () => Promise<void>;
}

/** A decoded image as model input: the one place that conversion lives (the page's examples and the CLI use it too). */
export function toInput(raster: Raster): Float32Array {
  return mnistStyle(grayOf(raster));
}

const FORMAT_NAMES: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG' };

/** The raw body media types, and the format each declares. */
const IMAGE_MEDIA_TYPES: Record<string, ImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg' };
export const IMAGE_BODY_TYPES = Object.keys(IMAGE_MEDIA_TYPES);
/** The image format a body of this media type declares, if it is an image type. */
export const bodyFormat = (mediaType: string): ImageFormat | undefined => (Object.hasOwn(IMAGE_MEDIA_TYPES, mediaType) ? IMAGE_MEDIA_TYPES[mediaType] : undefined);

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

interface PendingImage {
  index: number;
  field: string;
  bytes: Uint8Array;
  header: ImageHeader;
}

const errorOf = (err: unknown, field: string): FieldError => ({ field, message: (err as Error).message.replace(`${field}: `, '') });

/** The checked header of an image sent as `declared` (undefined: sniffed), refusing bytes of another format than the one declared. */
function headerOf(bytes: Uint8Array, field: string, declared: ImageFormat | undefined): ImageHeader {
  const format = sniffImage(bytes);
  if (declared && format !== declared) {
    throw new InputError(`${field}: ${format ? `a ${FORMAT_NAMES[format]} image, not a ${FORMAT_NAMES[declared]}` : `not a ${FORMAT_NAMES[declared]} image`}`);
  }
  return imageHeader(bytes, field);
}

/**
 * Images as model input into `out`. Every header is read and checked first,
 * each image against the per-image limit and all of them against the
 * request's pixel budget, so nothing is decoded for a request that would be
 * refused; then they are decoded one at a time.
 */
async function decodeImages(images: PendingImage[], out: Float32Array, { limits, metrics, pause }: ImageDecoding): Promise<void> {
  const errors: FieldError[] = [];
  let total = 0;
  for (const { field, header } of images) {
    const pixels = header.width * header.height;
    if (pixels > limits.maxImagePixels) {
      errors.push({ field, message: `${FORMAT_NAMES[header.format]} of ${header.width}x${header.height} pixels is over the limit of ${limits.maxImagePixels}` });
    }
    total += pixels;
  }
  if (!errors.length && total > limits.maxDecodedPixels) {
    errors.push({ field: images.length > 1 ? 'images' : images[0].field, message: `the images hold ${total} pixels in all, over the limit of ${limits.maxDecodedPixels} per request` });
  }
  for (const image of images) {
    if (errors.length) break;
    await pause();
    try {
      const raster = metrics.decode(image.header.decodeBytes, () => decodeImage(image.bytes, image.field, limits.maxImagePixels));
      out.set(toInput(raster), image.index * IMAGE_SIZE);
    } catch (err) {
      errors.push(errorOf(err, image.field));
    }
  }
  if (errors.length) {
    metrics.refused(images.length);
    throw validationProblem(errors);
  }
}

/** An encoded image's field (`png`, `jpeg` or `image`) and the format it declares, if it is one. */
function encodedOf(image: ImageInput): { key: string; base64: string; declared?: ImageFormat } | undefined {
  if ('png' in image) return { key: 'png', base64: image.png, declared: 'png' };
  if ('jpeg' in image) return { key: 'jpeg', base64: image.jpeg, declared: 'jpeg' };
  if ('image' in image) return { key: 'image', base64: image.image };
  return undefined;
}

/** Validated image inputs (flat, rows, PNG or JPEG) packed back to back as model input; image failures are reported per field together. */
export async function imagesToPixels(images: ImageInput[], field: (i: number) => string, decoding: ImageDecoding): Promise<Float32Array> {
  const pixels = new Float32Array(images.length * IMAGE_SIZE);
  const encoded: PendingImage[] = [];
  const errors: FieldError[] = [];
  images.forEach((image, i) => {
    const sent = Array.isArray(image) ? undefined : encodedOf(image);
    if (sent) {
      const name = `${field(i)}.${sent.key}`;
      const bytes = fromBase64(sent.base64);
      try {
        encoded.push({ index: i, field: name, bytes, header: headerOf(bytes, name, sent.declared) });
      } catch (err) {
        errors.push(errorOf(err, name));
      }
    } else if (typeof (image as number[])[0] === 'number') {
      pixels.set(image as number[], i * IMAGE_SIZE);
    } else {
      (image as number[][]).forEach((row, r) => pixels.set(row, i * IMAGE_SIZE + r * row.length));
    }
  });
  if (errors.length) {
    decoding.metrics.refused(errors.length);
    throw validationProblem(errors);
  }
  if (encoded.length) await decodeImages(encoded, pixels, decoding);
  return pixels;
}

/** A raw image body (image/png or image/jpeg, as `declared`) as one image. */
export async function bodyPixels(bytes: Uint8Array, declared: ImageFormat, decoding: ImageDecoding): Promise<Float32Array> {
  const name = FORMAT_NAMES[declared];
  if (bytes.length === 0) throw new Problem(422, 'validation', `the request body is empty; send one ${name} image`, [{ field: 'body', message: 'empty' }]);
  let header: ImageHeader;
  try {
    header = headerOf(bytes, 'body', declared);
  } catch (err) {
    decoding.metrics.refused();
    throw validationProblem([errorOf(err, 'body')]);
  }
  const pixels = new Float32Array(IMAGE_SIZE);
  await decodeImages([{ index: 0, field: 'body', bytes, header }], pixels, decoding);
  return pixels;
}
