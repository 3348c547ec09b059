import { describe, expect, it } from 'vitest';
import { checkClassLists, classCounts, type ImageSet, imageSet, presentLabels, selectClasses, stratifiedSplit } from '../../../src/core/data/dataset.js';
import { seededRandom } from '../../../src/core/data/random.js';
import { InputError } from '../../../src/core/errors.js';
import { mnist } from '../../helpers/mnist.js';

describe('MNIST splits', () => {
  it('loads all of real MNIST: 60k train, 10k test, ten classes', async () => {
    const data = await mnist();
    expect(data.train.count).toBe(60000);
    expect(data.test.count).toBe(10000);
    expect(presentLabels(data.train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('splits 5-9 and 0-4 with the known class sizes, relabelled 0..4 in the order given', async () => {
    const data = await mnist();
    const high = selectClasses(data.train, [5, 6, 7, 8, 9]);
    const low = selectClasses(data.test, [0, 1, 2, 3, 4]);
    expect(high.count).toBe(29404);
    expect(low.count).toBe(5139);
    expect(selectClasses(data.test, [5, 6, 7, 8, 9]).count).toBe(4861);
    expect(presentLabels(high)).toEqual([0, 1, 2, 3, 4]);
    expect(high.classes).toEqual([5, 6, 7, 8, 9]);
    // Every relabelled example keeps its image and maps back to its original label.
    const firstSeven = data.train.labels.indexOf(7);
    const order = [...data.train.labels.subarray(0, firstSeven + 1)].filter((l) => l >= 5).length - 1;
    expect(high.classes[high.labels[order]]).toBe(7);
    expect(high.images.subarray(order * 784, (order + 1) * 784)).toEqual(Uint8Array.from(data.train.images.subarray(firstSeven * 784, (firstSeven + 1) * 784)));
  });

  it('honours the order of the class list and the limit', async () => {
    const data = await mnist();
    const set = selectClasses(data.test, [9, 0], 100);
    expect(set.count).toBe(100);
    for (let i = 0; i < set.count; i++) expect([9, 0][set.labels[i]]).toBeDefined();
    expect(set.classes).toEqual([9, 0]);
  });

  it('rejects images and labels that do not pair up', () => {
    const images = { dims: [2, 28, 28], data: new Uint8Array(2 * 784) };
    expect(() => imageSet(images, { dims: [3], data: new Uint8Array(3) }, 'x')).toThrow(/2 images but 3 labels/);
    const labels = { dims: [2], data: new Uint8Array(2) };
    expect(() => imageSet({ dims: [2, 784], data: new Uint8Array(2 * 784) }, labels, 'x')).toThrow(/must be N x rows x cols/);
    expect(() => imageSet({ dims: [2, 4, 28], data: new Uint8Array(2 * 4 * 28) }, labels, 'x')).toThrow(/from 6 to 128, got 4x28/);
    expect(() => imageSet({ dims: [2, 28, 28, 2], data: new Uint8Array(2 * 784 * 2) }, labels, 'x')).toThrow(/channels must be 1 .* or 3/);
    expect(imageSet({ dims: [2, 32, 30, 3], data: new Uint8Array(2 * 32 * 30 * 3) }, labels, 'x').shape).toEqual({ rows: 32, cols: 30, channels: 3 });
  });

  it('checks class lists: overlap, repeats, absent classes, too few', () => {
    const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(() => checkClassLists([5, 6, 7, 8, 9], [0, 1, 2, 3, 4], all)).not.toThrow();
    expect(() => checkClassLists([4, 5, 6], [0, 1, 4], all)).toThrow(/overlap on 4/);
    expect(() => checkClassLists([5, 5, 6], [0, 1], all)).toThrow(/repeats class 5/);
    expect(() => checkClassLists([5, 6, 12], [0, 1], all)).toThrow(/class 12 is not in the data/);
    expect(() => checkClassLists([5], [0, 1], all)).toThrow(/at least two classes/);
    expect(() => checkClassLists([5, 6], [0, 1], all)).not.toThrow();
    try {
      checkClassLists([5, 6], [0, 42], all);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
    }
  });
});

describe('stratifiedSplit', () => {
  const set = (perClass: number[]) => {
    const labels = Uint8Array.from(perClass.flatMap((n, label) => Array<number>(n).fill(label)));
    const images = Uint8Array.from({ length: labels.length * 36 }, (_, i) => Math.floor(i / 36) % 256);
    return { images, labels, count: labels.length, shape: { rows: 6, cols: 6, channels: 1 as const }, names: perClass.map((_, i) => `c${i}`) };
  };
  const all = (s: ImageSet) => ({ ...s, classes: s.names!.map((_, i) => i), names: s.names! });

  it('holds out the fraction of every class, keeps each image once with its label, and is seeded', () => {
    const data = set([50, 11, 3]);
    const split = stratifiedSplit(data, 0.2, seededRandom(7), 'd');
    expect(classCounts(all(split.test))).toEqual([10, 2, 1]);
    expect(classCounts(all(split.train))).toEqual([40, 9, 2]);
    // Each image carries its own index in its first byte: none is lost or duplicated, and labels travel with images.
    const ids = [split.train, split.test].flatMap((s) => Array.from({ length: s.count }, (_, i) => [s.images[i * 36], s.labels[i]]));
    expect(ids.map(([id]) => id).sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    for (const [id, label] of ids) expect(label).toBe(data.labels[id]);
    expect(split.test.names).toEqual(['c0', 'c1', 'c2']);
    expect(stratifiedSplit(data, 0.2, seededRandom(7), 'd').test.images).toEqual(split.test.images);
    expect(stratifiedSplit(data, 0.2, seededRandom(8), 'd').test.images).not.toEqual(split.test.images);
  });

  it('refuses a class too small to split and a fraction outside (0, 1), naming them', () => {
    expect(() => stratifiedSplit(set([5, 1]), 0.2, seededRandom(1), 'photos')).toThrow(/photos: class "c1" has 1 image; a split needs at least 2 per class/);
    expect(() => stratifiedSplit(set([5, 5]), 1, seededRandom(1), 'photos')).toThrow(/between 0 and 1/);
    expect(() => stratifiedSplit(set([5, 5]), 0, seededRandom(1), 'photos')).toThrow(/between 0 and 1/);
  });
});
