import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { ImageSet } from '../../src/core/data/dataset.js';
import { resize } from '../../src/core/data/preprocess.js';
import { baselineJpeg } from './jpeg.js';

export type FolderFormat = 'png' | 'jpeg' | 'both';

export interface FolderSpec {
  /** Side of the written pictures (MNIST's 28 by default; others are resized from it). */
  size?: number;
  /** Writes the digit as coloured ink on a coloured ground (the colours vary per image, so they say nothing of the class). */
  colour?: boolean;
  format?: FolderFormat;
  /** Folder name of each label. */
  name?: (label: number) => string;
  /** At most this many images per class. */
  perClass?: number;
}

/** One 28x28 gray image of `set` (0..255, 255 = ink) as `size`x`size` RGBA bytes: white ink on black, or coloured. */
function rgbaOf(set: ImageSet, i: number, spec: FolderSpec): Uint8Array {
  const side = spec.size ?? 28;
  const gray = Float32Array.from(set.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
  const ink = side === 28 ? gray : resize(gray, 28, 28, side, side);
  const out = new Uint8Array(side * side * 4);
  const hue = (i * 37) % 3;
  const inkColour = spec.colour ? [0, 1, 2].map((c) => (c === hue ? 255 : 60)) : [255, 255, 255];
  const ground = spec.colour ? [0, 1, 2].map((c) => (c === (hue + 1) % 3 ? 40 : 0)) : [0, 0, 0];
  for (let p = 0; p < side * side; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.round(ground[c] + (inkColour[c] - ground[c]) * ink[p]);
    out[p * 4 + 3] = 255;
  }
  return out;
}

function encodeImage(rgba: Uint8Array, side: number, format: 'png' | 'jpeg', gray: boolean): Uint8Array {
  if (format === 'jpeg') {
    const pixels = gray ? Uint8Array.from({ length: side * side }, (_, p) => rgba[p * 4]) : Uint8Array.from({ length: side * side * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]);
    return baselineJpeg(pixels, side, side, gray ? 1 : 3);
  }
  if (!gray) return encodePng({ width: side, height: side, data: rgba, channels: 4, depth: 8 });
  return encodePng({ width: side, height: side, data: Uint8Array.from({ length: side * side }, (_, p) => rgba[p * 4]), channels: 1, depth: 8 });
}

/** Writes the images of `set` as `root/<class>/<n>.png|jpg`; returns the number written per class. */
export async function writeClassFolders(root: string, set: ImageSet, spec: FolderSpec = {}): Promise<Map<string, number>> {
  const side = spec.size ?? 28;
  const written = new Map<string, number>();
  for (let i = 0; i < set.count; i++) {
    const name = spec.name?.(set.labels[i]) ?? String(set.labels[i]);
    const n = written.get(name) ?? 0;
    if (n >= (spec.perClass ?? Infinity)) continue;
    const format = spec.format === 'both' ? (i % 2 ? 'jpeg' : 'png') : (spec.format ?? 'png');
    await mkdir(path.join(root, name), { recursive: true });
    await writeFile(path.join(root, name, `${String(i).padStart(5, '0')}.${format === 'jpeg' ? 'jpg' : 'png'}`), encodeImage(rgbaOf(set, i, spec), side, format, !spec.colour));
    written.set(name, n + 1);
  }
  return written;
}

/** A fresh temporary directory for a dataset. */
export const tempDataDir = () => mkdtemp(path.join(os.tmpdir(), 'edgetune-folders-'));
