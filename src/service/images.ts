import { InputError } from '../core/errors.js';
import { decodeImage, imageHeader, sniffImage, type ImageFormat, type ImageHeader } from '../core/data/image.js';
import { sizeOf, type InputSpec } from '../core/data/input-shape.js';
import { fitImage } from '../core/data/preprocess.js';
import type { ServiceMetrics } from './metrics.js';
import { Problem, validationProblem, type FieldError } from './problem.js';
import type { Limits } from './limits.js';
import type { ImageInput } from './schemas.js';
import { pixelForms } from './validation.js';

/** What decoding a request's images needs from the app. */
export interface ImageDecoding {
  limits: Limits;
  metrics: ServiceMetrics;
  /** Awaited before each image, so that one request's images do not hold the event loop in one go. */
  pause: () => Promise<void>;
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
async function decodeImages(images: PendingImage[], shape: InputSpec, out: Float32Array, { limits, metrics, pause }: ImageDecoding): Promise<void> {
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
      out.set(fitImage(raster, shape), image.index * sizeOf(shape));
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

/** Whether validated pixel rows or a flat list (values already checked) hold exactly one image of `shape`. */
function fitsShape(image: number[] | number[][], shape: InputSpec): boolean {
  if (typeof image[0] !== 'object') return image.length === sizeOf(shape);
  return image.length === shape.rows && (image[0] as number[]).length === shape.cols * shape.channels;
}

/**
 * Validated image inputs (flat, rows, PNG or JPEG) packed back to back as
 * model input of `shape` (the base's); pixel lists of another size and image
 * failures are reported per field together.
 */
export async function imagesToPixels(images: ImageInput[], field: (i: number) => string, shape: InputSpec, decoding: ImageDecoding): Promise<Float32Array> {
  const size = sizeOf(shape);
  const pixels = new Float32Array(images.length * size);
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
    } else if (!fitsShape(image as number[] | number[][], shape)) {
      errors.push({ field: field(i), message: pixelForms(shape) });
    } else if (typeof (image as number[])[0] === 'number') {
      pixels.set(image as number[], i * size);
    } else {
      (image as number[][]).forEach((row, r) => pixels.set(row, i * size + r * row.length));
    }
  });
  if (errors.length) {
    decoding.metrics.refused(errors.length);
    throw validationProblem(errors);
  }
  if (encoded.length) await decodeImages(encoded, shape, pixels, decoding);
  return pixels;
}

/** A raw image body (image/png or image/jpeg, as `declared`) as one image. */
export async function bodyPixels(bytes: Uint8Array, declared: ImageFormat, shape: InputSpec, decoding: ImageDecoding): Promise<Float32Array> {
  const name = FORMAT_NAMES[declared];
  if (bytes.length === 0) throw new Problem(422, 'validation', `the request body is empty; send one ${name} image`, [{ field: 'body', message: 'empty' }]);
  let header: ImageHeader;
  try {
    header = headerOf(bytes, 'body', declared);
  } catch (err) {
    decoding.metrics.refused();
    throw validationProblem([errorOf(err, 'body')]);
  }
  const pixels = new Float32Array(sizeOf(shape));
  await decodeImages([{ index: 0, field: 'body', bytes, header }], shape, pixels, decoding);
  return pixels;
}
