import { grayOf, type GrayImage, type Raster } from './image.js';
import { sizeOf, type InputSpec } from './input-shape.js';
import { IMAGE } from '../seed.js';

/** MNIST digits are 20x20 boxes of ink centred by mass in a 28x28 field. */
const BOX = 20;
const INK = 0.05;

/** Area-averaging resize: each output pixel is the mean of the input area it covers. */
export function resize(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  const axis = (from: number, to: number) => {
    const scale = from / to;
    return Array.from({ length: to }, (_, o) => {
      const start = o * scale;
      const end = start + scale;
      const taps: Array<[number, number]> = [];
      for (let i = Math.floor(start); i < Math.min(Math.ceil(end), from); i++) {
        taps.push([i, (Math.min(end, i + 1) - Math.max(start, i)) / scale]);
      }
      return taps;
    });
  };
  const xs = axis(w, nw);
  const ys = axis(h, nh);
  const rows = new Float32Array(nw * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < nw; x++) {
      let v = 0;
      for (const [i, weight] of xs[x]) v += src[y * w + i] * weight;
      rows[y * nw + x] = v;
    }
  }
  const out = new Float32Array(nw * nh);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      let v = 0;
      for (const [i, weight] of ys[y]) v += rows[i * nw + x] * weight;
      out[y * nw + x] = v;
    }
  }
  return out;
}

/**
 * Ink intensity in [0, 1] (1 = ink), whichever way round the picture is:
 * a light border means dark ink on a light background, so it is inverted.
 */
export function inkOf(image: GrayImage): Float32Array {
  const { width: w, height: h, gray } = image;
  let border = 0;
  let n = 0;
  for (let x = 0; x < w; x++) {
    border += gray[x] + gray[(h - 1) * w + x];
    n += 2;
  }
  for (let y = 1; y < h - 1; y++) {
    border += gray[y * w] + gray[y * w + w - 1];
    n += 2;
  }
  const invert = border / n > 0.5;
  return invert ? gray.map((v) => 1 - v) : gray.slice();
}

/**
 * Turns any picture of one digit (or symbol) into an MNIST-style 28x28 input
 * in [0, 1]: crop to the ink, scale the longer side to 20 pixels, and place
 * it so the centre of mass sits at the centre of the field. 28x28 inputs
 * are taken as they are (already MNIST-like), only oriented.
 */
export function mnistStyle(image: GrayImage): Float32Array {
  const ink = inkOf(image);
  const { width: w, height: h } = image;
  if (w === IMAGE.cols && h === IMAGE.rows) return ink;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x] > INK) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const out = new Float32Array(IMAGE.rows * IMAGE.cols);
  if (x1 < 0) return out;
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(ink.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  const scale = BOX / Math.max(cw, ch);
  const nw = Math.max(1, Math.round(cw * scale));
  const nh = Math.max(1, Math.round(ch * scale));
  const box = resize(crop, cw, ch, nw, nh);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = box[y * nw + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const ox = Math.round(IMAGE.cols / 2 - (mass ? mx / mass : nw / 2) - 0.5);
  const oy = Math.round(IMAGE.rows / 2 - (mass ? my / mass : nh / 2) - 0.5);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx >= 0 && tx < IMAGE.cols && ty >= 0 && ty < IMAGE.rows) out[ty * IMAGE.cols + tx] = Math.min(1, box[y * nw + x]);
    }
  }
  return out;
}

/** The picture with `channels` channels: gray by luminance (as grayOf), or gray repeated as RGB. */
function withChannels(image: Raster, channels: 1 | 3): Float32Array {
  if (image.channels === channels) return image.data;
  if (channels === 1) return grayOf(image).gray;
  const rgb = new Float32Array(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++) rgb.fill(image.data[i], 3 * i, 3 * i + 3);
  return rgb;
}

/**
 * Any decoded picture as model input of `shape`, values in [0, 1]. The
 * digit fit gives MNIST-style digits (mnistStyle); the resize fit takes the
 * whole picture as it is, converted to the shape's channels and resized
 * with `resize`'s area averaging (no crop, aspect ratio not kept, as Keras's
 * image_dataset_from_directory does by default).
 */
export function fitImage(image: Raster, shape: InputSpec): Float32Array {
  if (shape.fit === 'digit') return mnistStyle(grayOf(image));
  const { width: w, height: h } = image;
  const { rows, cols, channels } = shape;
  const pixels = withChannels(image, channels);
  if (w === cols && h === rows) return pixels.slice();
  const out = new Float32Array(sizeOf(shape));
  const plane = new Float32Array(w * h);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < w * h; i++) plane[i] = pixels[i * channels + c];
    const resized = resize(plane, w, h, cols, rows);
    for (let i = 0; i < rows * cols; i++) out[i * channels + c] = resized[i];
  }
  return out;
}
