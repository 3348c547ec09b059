import { describe, expect, it } from 'vitest';
import { checkClassLists, imageSet, presentLabels, selectClasses } from '../../../src/core/data/dataset.js';
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
    expect(() => imageSet({ dims: [2, 27, 28], data: new Uint8Array(2 * 27 * 28) }, { dims: [2], data: new Uint8Array(2) }, 'x')).toThrow(
      /must be N x 28 x 28/,
    );
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
