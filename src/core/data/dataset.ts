import { InputError } from '../errors.js';
import type { IdxArray } from './idx.js';
import { IMAGE, IMAGE_SIZE } from '../seed.js';

/** Images as 0..255 bytes (n x 28 x 28, row-major) with one label byte each. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** A subset whose labels are remapped to 0..k-1; `classes[i]` is the original label of class i. */
export interface ClassSet extends ImageSet {
  classes: number[];
}

export interface Split {
  train: ImageSet;
  test: ImageSet;
}

/** Pairs an images IDX with a labels IDX, checking they describe the same 28x28 images. */
export function imageSet(images: IdxArray, labels: IdxArray, name: string): ImageSet {
  const [n, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== IMAGE.rows || cols !== IMAGE.cols) {
    throw new InputError(`${name}: images must be N x ${IMAGE.rows} x ${IMAGE.cols}, got ${images.dims.join(' x ')}`);
  }
  if (labels.dims.length !== 1) throw new InputError(`${name}: labels must be one-dimensional, got ${labels.dims.join(' x ')}`);
  if (labels.dims[0] !== n) throw new InputError(`${name}: ${n} images but ${labels.dims[0]} labels`);
  return { images: images.data, labels: labels.data, count: n };
}

/** Labels that occur in the set, ascending. */
export function presentLabels(set: ImageSet): number[] {
  const seen = new Set(set.labels);
  return [...seen].sort((a, b) => a - b);
}

/**
 * The images of `classes` (original labels, in the order given), relabelled
 * to their index in `classes`; at most `limit` images, in dataset order.
 */
export function selectClasses(set: ImageSet, classes: readonly number[], limit = Infinity): ClassSet {
  const index = new Int16Array(256).fill(-1);
  classes.forEach((c, i) => {
    index[c] = i;
  });
  const picked: number[] = [];
  for (let i = 0; i < set.count && picked.length < limit; i++) {
    if (index[set.labels[i]] >= 0) picked.push(i);
  }
  const images = new Uint8Array(picked.length * IMAGE_SIZE);
  const labels = new Uint8Array(picked.length);
  picked.forEach((src, dst) => {
    images.set(set.images.subarray(src * IMAGE_SIZE, (src + 1) * IMAGE_SIZE), dst * IMAGE_SIZE);
    labels[dst] = index[set.labels[src]];
  });
  return { images, labels, count: picked.length, classes: [...classes] };
}

/**
 * Positions of at most `perClass` examples of each class (labels 0..k-1),
 * drawn at random (seeded), in ascending order.
 */
export function perClassIndices(labels: Uint8Array, numClasses: number, perClass: number, random: () => number): Uint32Array {
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  labels.forEach((label, i) => byClass[label].push(i));
  const picked: number[] = [];
  for (const members of byClass) {
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    picked.push(...members.slice(0, perClass));
  }
  return Uint32Array.from(picked.sort((a, b) => a - b));
}

/** The examples of `set` at `indices`, in that order. */
export function subsetOf(set: ClassSet, indices: ArrayLike<number>): ClassSet {
  const images = new Uint8Array(indices.length * IMAGE_SIZE);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(set.images.subarray(indices[i] * IMAGE_SIZE, (indices[i] + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    labels[i] = set.labels[indices[i]];
  }
  return { images, labels, count: indices.length, classes: set.classes };
}

/** At most `perClass` random (seeded) examples of each of `classes`, relabelled as in selectClasses. */
export function selectPerClass(set: ImageSet, classes: readonly number[], perClass: number, random: () => number): ClassSet {
  const all = selectClasses(set, classes);
  return subsetOf(all, perClassIndices(all.labels, classes.length, perClass, random));
}

/** Examples of each class (index = relabelled class). */
export function classCounts(set: ClassSet): number[] {
  const counts = set.classes.map(() => 0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  return counts;
}

/** Checks the class list given as `flag`: at least two classes, no repeats, all present in the data. */
export function checkClassList(flag: string, list: readonly number[], available: readonly number[]): void {
  if (list.length < 2) throw new InputError(`${flag} needs at least two classes, got ${list.length}`);
  const repeated = list.filter((c, i) => list.indexOf(c) !== i);
  if (repeated.length) throw new InputError(`${flag} repeats class ${repeated[0]}`);
  const missing = list.filter((c) => !available.includes(c));
  if (missing.length) {
    throw new InputError(`${flag}: class ${missing.join(', ')} is not in the data (labels present: ${available.join(', ')})`);
  }
}

/**
 * Checks two class lists for the transfer experiment: each non-empty, without
 * repeats, present in the data, and not overlapping each other.
 */
export function checkClassLists(pretrain: readonly number[], finetune: readonly number[], available: readonly number[]): void {
  checkClassList('--pretrain-classes', pretrain, available);
  checkClassList('--finetune-classes', finetune, available);
  const overlap = pretrain.filter((c) => finetune.includes(c));
  if (overlap.length) {
    throw new InputError(`--pretrain-classes and --finetune-classes overlap on ${overlap.join(', ')}; transfer needs disjoint classes`);
  }
}
