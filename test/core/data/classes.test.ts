import { describe, expect, it } from 'vitest';
import { checkClassNames, resolveClasses } from '../../../src/core/data/classes.js';

const shape = { rows: 6, cols: 6, channels: 1 as const };
const folders = { images: new Uint8Array(3 * 36), labels: Uint8Array.from([0, 1, 2]), count: 3, shape, names: ['cat', 'dog', 'emu'] };
const idx = { images: new Uint8Array(3 * 36), labels: Uint8Array.from([0, 5, 9]), count: 3, shape };

describe('class names and lists', () => {
  it('resolves folder names to labels and IDX lists to numbers', () => {
    expect(resolveClasses('--classes', ['emu', 'cat'], folders)).toEqual([2, 0]);
    expect(resolveClasses('--classes', ['9', '5'], idx)).toEqual([9, 5]);
    expect(() => resolveClasses('--classes', ['cat', 'cow'], folders)).toThrow('--classes: no class "cow" in the data (classes: cat, dog, emu)');
    expect(() => resolveClasses('--classes', ['5', 'x'], idx)).toThrow(/"x" is not a class label/);
    expect(() => resolveClasses('--classes', ['256'], idx)).toThrow(/"256" is not a class label/);
  });

  it('refuses folder names that collide after case folding or Unicode normalisation, and overlong ones', () => {
    expect(() => checkClassNames(['Cat', 'dog', 'cat'], 'photos')).toThrow('photos: class folders "Cat" and "cat" differ only in case or Unicode form; rename one');
    expect(() => checkClassNames(['caf\u00e9', 'cafe\u0301'], 'photos')).toThrow(/differ only in case or Unicode form/);
    expect(() => checkClassNames(['x'.repeat(65), 'y'], 'photos')).toThrow(/longer than 64 characters/);
    expect(() => checkClassNames(['x'.repeat(64), '\u732b', 'dog'], 'photos')).not.toThrow();
  });
});
