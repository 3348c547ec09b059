import { InputError } from '../errors.js';
import type { IdxArray } from './idx.js';
import { checkShape, describeShape, sameShape, sizeOf, type InputShape } from './input-shape.js';

/** Images as 0..255 bytes (n x rows x cols x channels, row-major) with one label byte each. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  shape: InputShape;
  /** Class names by label, for datasets that have them (image folders); otherwise a label is its own name. */
  names?: string[];
}

/** A subset whose labels are remapped to 0..k-1; `classes[i]` is the original label of class i, `names[i]` its name. */
export interface ClassSet extends ImageSet {
  classes: number[];
  names: string[];
}

export interface Split {
  train: ImageSet;
  test: ImageSet;
}

/** The name of label `label` in `set`. */
export const nameOf = (set: Pick<ImageSet, 'names'>, label: number): string => set.names?.[label] ?? String(label);

/** Pairs an images IDX (N x rows x cols, or N x rows x cols x 1|3) with a labels IDX, checking they agree. */
export function imageSet(images: IdxArray, labels: IdxArray, name: string): ImageSet {
  const shape = idxImageShape(images, name);
  const n = images.dims[0];
  if (labels.dims.length !== 1) throw new InputError(`${name}: labels must be one-dimensional, got ${labels.dims.join(' x ')}`);
  if (labels.dims[0] !== n) throw new InputError(`${name}: ${n} images but ${labels.dims[0]} labels`);
  return { images: images.data, labels: labels.data, count: n, shape };
}

/** The shape of the images in an IDX array: N x rows x cols (gray), or N x rows x cols x channels. */
export function idxImageShape(images: IdxArray, name: string): InputShape {
  const [, rows, cols, channels = 1] = images.dims;
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new InputError(`${name}: images must be N x rows x cols (or N x rows x cols x channels), got ${images.dims.join(' x ')}`);
  }
  return checkShape({ rows, cols, channels }, `${name}: images`);
}

/** A split of two sets, checked to hold images of one shape. */
export function splitOf(train: ImageSet, test: ImageSet, name: string): Split {
  if (!sameShape(train.shape, test.shape)) {
    throw new InputError(`${name}: train images are ${describeShape(train.shape)} but test images ${describeShape(test.shape)}`);
  }
  return { train, test };
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
  const size = sizeOf(set.shape);
  const images = new Uint8Array(picked.length * size);
  const labels = new Uint8Array(picked.length);
  picked.forEach((src, dst) => {
    images.set(set.images.subarray(src * size, (src + 1) * size), dst * size);
    labels[dst] = index[set.labels[src]];
  });
  return { images, labels, count: picked.length, shape: set.shape, classes: [...classes], names: classes.map((c) => nameOf(set, c)) };
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

/** Examples held out of a class of `n` by a split of `fraction`: at least one, and at least one left to train on. */
export const heldOutOf = (n: number, fraction: number): number => Math.max(1, Math.round(n * fraction));

/**
 * Splits a set without a test part of its own: `fraction` of each class's
 * examples (at least one), drawn at random (seeded), become the test set, so
 * every class is in both parts in proportion. `name` labels errors.
 */
export function stratifiedSplit(set: ImageSet, fraction: number, random: () => number, name: string): Split {
  if (!(fraction > 0 && fraction < 1)) throw new InputError(`${name}: the test split must be between 0 and 1 (exclusive), got ${fraction}`);
  const { train, test } = stratifiedIndices(
    set.labels,
    (n, label) => {
      if (n < 2) throw new InputError(`${name}: class "${nameOf(set, label)}" has ${n} image; a split needs at least 2 per class (one to train on, one to test with)`);
      return heldOutOf(n, fraction);
    },
    random,
  );
  return { train: subsetOf(set, train), test: subsetOf(set, test) };
}

/**
 * Positions split class by class: `heldOf(n, label)` of each class's n
 * examples, drawn at random (seeded), are held out; both parts ascending.
 */
export function stratifiedIndices(labels: ArrayLike<number>, heldOf: (n: number, label: number) => number, random: () => number): { train: Uint32Array; test: Uint32Array } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (!byClass.has(labels[i])) byClass.set(labels[i], []);
    byClass.get(labels[i])!.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const [label, members] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const held = heldOf(members.length, label);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    test.push(...members.slice(0, held));
    train.push(...members.slice(held));
  }
  const ascending = (xs: number[]) => Uint32Array.from(xs.sort((a, b) => a - b));
  return { train: ascending(train), test: ascending(test) };
}

/** The examples of `set` at `indices`, in that order (labels unchanged). */
export function subsetOf<T extends ImageSet>(set: T, indices: ArrayLike<number>): T {
  const size = sizeOf(set.shape);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(set.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    labels[i] = set.labels[indices[i]];
  }
  return { ...set, images, labels, count: indices.length };
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
export function checkClassList(flag: string, list: readonly number[], available: readonly number[], name: (label: number) => string = String): void {
  if (list.length < 2) throw new InputError(`${flag} needs at least two classes, got ${list.length}`);
  const repeated = list.filter((c, i) => list.indexOf(c) !== i);
  if (repeated.length) throw new InputError(`${flag} repeats class ${name(repeated[0])}`);
  const missing = list.filter((c) => !available.includes(c));
  if (missing.length) {
    throw new InputError(`${flag}: class ${missing.join(', ')} is not in the data (labels present: ${available.join(', ')})`);
  }
}

/**
 * Checks two class lists for the transfer experiment: each non-empty, without
 * repeats, present in the data, and not overlapping each other.
 */
export function checkClassLists(pretrain: readonly number[], finetune: readonly number[], available: readonly number[], name: (label: number) => string = String): void {
  checkClassList('--pretrain-classes', pretrain, available, name);
  checkClassList('--finetune-classes', finetune, available, name);
  const overlap = pretrain.filter((c) => finetune.includes(c));
  if (overlap.length) {
    throw new InputError(`--pretrain-classes and --finetune-classes overlap on ${overlap.map(name).join(', ')}; transfer needs disjoint classes`);
  }
}
