import { InputError } from '../errors.js';
import { IMAGE } from '../seed.js';

/** A base's input: image rows, columns and channels (1 = gray, 3 = RGB). Chosen at pretraining. */
export interface InputShape {
  rows: number;
  cols: number;
  channels: 1 | 3;
}

/** The seed notebook's input: 28x28 gray. */
export const SEED_SHAPE: InputShape = { rows: IMAGE.rows, cols: IMAGE.cols, channels: IMAGE.channels };

/**
 * Side limits. Two valid 3x3 convolutions and a 2x2 pool need 6 pixels; at
 * 128 the flattened features (126² / 4 x 32 ≈ 127k) already give the first
 * dense layer 16M weights, past what an edge isolate holds comfortably.
 */
const MIN_SIDE = 6;
const MAX_SIDE = 128;

/** Values per image of this shape. */
export const sizeOf = (shape: InputShape): number => shape.rows * shape.cols * shape.channels;

export const describeShape = (shape: InputShape): string => `${shape.rows}x${shape.cols}x${shape.channels}`;

export const sameShape = (a: InputShape, b: InputShape): boolean => a.rows === b.rows && a.cols === b.cols && a.channels === b.channels;

/**
 * How a picture becomes input (preprocess.ts's fitImage): `digit`, MNIST's
 * way (ink found whichever way round, cropped, centred by mass), for the
 * seed's 28x28 gray digits only; `resize`, the whole picture as it is,
 * resized. A base records its fit, so every image it sees is prepared as
 * its training images were.
 */
export const FITS = ['digit', 'resize'] as const;
export type Fit = (typeof FITS)[number];

/** What a base takes: its shape and how pictures are fitted to it. */
export interface InputSpec extends InputShape {
  fit: Fit;
}

/** The default fit of a shape: digits for the seed's 28x28x1, else resize. */
export const defaultFit = (shape: InputShape): Fit => (sameShape(shape, SEED_SHAPE) ? 'digit' : 'resize');

/** The spec of `shape` with `fit` (default: the shape's), refusing the digit fit for any other shape than the seed's. */
export function inputSpec(shape: InputShape, fit: Fit = defaultFit(shape)): InputSpec {
  if (fit === 'digit' && !sameShape(shape, SEED_SHAPE)) {
    throw new InputError(`the digit fit (MNIST-style) is for ${describeShape(SEED_SHAPE)} inputs only, not ${describeShape(shape)}; use the resize fit`);
  }
  return { rows: shape.rows, cols: shape.cols, channels: shape.channels, fit };
}

/** Checks a shape from outside (a flag, a model file); `what` names it in the error. */
export function checkShape(shape: { rows: number; cols: number; channels: number }, what: string): InputShape {
  const { rows, cols, channels } = shape;
  const side = (n: number) => Number.isInteger(n) && n >= MIN_SIDE && n <= MAX_SIDE;
  if (!side(rows) || !side(cols)) throw new InputError(`${what}: rows and columns must be whole numbers from ${MIN_SIDE} to ${MAX_SIDE}, got ${rows}x${cols}`);
  if (channels !== 1 && channels !== 3) throw new InputError(`${what}: channels must be 1 (gray) or 3 (RGB), got ${channels}`);
  return { rows, cols, channels };
}

/** "32x32x3" (or "32x32", gray) → the shape. */
export function parseShape(text: string, what: string): InputShape {
  const match = /^(\d+)x(\d+)(?:x(\d+))?$/.exec(text.trim());
  if (!match) throw new InputError(`${what}: must be ROWSxCOLS or ROWSxCOLSxCHANNELS, e.g. 28x28x1 or 32x32x3; got "${text}"`);
  return checkShape({ rows: Number(match[1]), cols: Number(match[2]), channels: Number(match[3] ?? 1) }, what);
}
