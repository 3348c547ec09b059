import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { classCounts, selectClasses, type ClassSet } from '../../../src/core/data/dataset.js';
import { InputError } from '../../../src/core/errors.js';
import { loadImageFolders, type FolderOptions } from '../../../src/runtimes/node/image-folders.js';
import { tempDataDir, writeClassFolders } from '../../helpers/image-folders.js';
import { mnist } from '../../helpers/mnist.js';

const NAMES = ['zero', 'one', 'two'];

function options(overrides: Partial<FolderOptions> = {}): FolderOptions & { warnings: string[] } {
  const warnings: string[] = [];
  return { shape: { rows: 28, cols: 28, channels: 1, fit: 'digit' }, testSplit: 0.2, seed: 1, log: { info: () => {}, warn: (l) => warnings.push(l) }, warnings, ...overrides };
}

const sorted = (set: { images: Uint8Array; count: number }, size: number) =>
  Array.from({ length: set.count }, (_, i) => Buffer.from(set.images.subarray(i * size, (i + 1) * size)).toString('hex')).sort();

describe('image folders as a dataset (real MNIST digits written as PNG and JPEG)', () => {
  let digits: ClassSet;
  beforeAll(async () => {
    digits = selectClasses((await mnist()).test, [0, 1, 2], 90);
  });

  it('reads DIR/<class>/*: classes from folder names (sorted), a seeded stratified split, PNGs bit for bit as the IDX bytes', async () => {
    const dir = await tempDataDir();
    await writeClassFolders(dir, digits, { name: (l) => NAMES[l] });
    const data = await loadImageFolders(dir, options());
    expect(data.train.names).toEqual(['one', 'two', 'zero']);
    const total = classCounts({ ...digits });
    const byName = (set: typeof data.train) => Object.fromEntries(classCounts({ ...set, classes: [0, 1, 2], names: set.names! }).map((n, l) => [set.names![l], n]));
    const heldOut = byName(data.test);
    NAMES.forEach((name, l) => {
      expect(heldOut[name]).toBe(Math.round(total[l] * 0.2));
      expect(byName(data.train)[name] + heldOut[name]).toBe(total[l]);
    });
    // Lossless PNG of 28x28 digits: exactly MNIST's bytes, nothing re-centred.
    expect([...sorted(data.train, 784), ...sorted(data.test, 784)].sort()).toEqual(sorted(digits, 784));
    const again = await loadImageFolders(dir, options());
    expect(again.test.images).toEqual(data.test.images);
  });

  it('takes DIR/train and DIR/test as given, JPEGs and colour at other sizes, converted to the shape', async () => {
    const dir = await tempDataDir();
    const half = Math.floor(digits.count / 2);
    const part = (from: number, to: number) => ({ ...digits, images: digits.images.subarray(from * 784, to * 784), labels: digits.labels.subarray(from, to), count: to - from });
    await writeClassFolders(path.join(dir, 'train'), part(0, half), { format: 'both', colour: true, size: 40 });
    await writeClassFolders(path.join(dir, 'test'), part(half, digits.count), { format: 'jpeg', colour: true, size: 20 });
    const data = await loadImageFolders(dir, options({ shape: { rows: 32, cols: 32, channels: 3, fit: 'resize' } }));
    expect(data.train.count).toBe(half);
    expect(data.test.count).toBe(digits.count - half);
    expect(data.train.shape).toEqual({ rows: 32, cols: 32, channels: 3 });
    expect(data.train.images.length).toBe(half * 32 * 32 * 3);
    // The colour survives: some pixel has channels that differ a lot.
    let spread = 0;
    const px = data.train.images;
    for (let p = 0; p < 32 * 32; p++) spread = Math.max(spread, ...[0, 1, 2].map((c) => Math.abs(px[p * 3 + c] - px[p * 3 + ((c + 1) % 3)])));
    expect(spread).toBeGreaterThan(100);
  });

  const refused = async (build: (dir: string) => Promise<unknown>, message: RegExp, overrides: Partial<FolderOptions> = {}) => {
    const dir = await tempDataDir();
    await build(dir);
    const err = await loadImageFolders(dir, options(overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  };
  const some = (dir: string, perClass = 5) => writeClassFolders(dir, digits, { perClass, name: (l) => NAMES[l] });

  it('refuses bad folders with a clear error naming the problem', async () => {
    await refused(async () => {}, /found 0 class folders/);
    await refused((dir) => writeClassFolders(dir, digits, { name: () => 'only' }), /found 1 class folder;/);
    await refused(async (dir) => {
      await some(dir);
      await mkdir(path.join(dir, 'empty'));
      await writeFile(path.join(dir, 'empty', 'notes.txt'), 'no images here');
    }, /class folder "empty" holds no .png, .jpg or .jpeg images/);
    await refused(async (dir) => {
      await some(dir);
      await writeClassFolders(dir, digits, { perClass: 1, name: () => 'rare' });
    }, /class "rare" has 1 image; a split needs at least 2 per class/);
    await refused(async (dir) => {
      await some(dir);
      await writeClassFolders(dir, digits, { perClass: 2, name: () => 'Zero' });
    }, /class folders "Zero" and "zero" differ only in case/);
    await refused(async (dir) => {
      await some(path.join(dir, 'train'));
      await writeClassFolders(path.join(dir, 'test'), digits, { perClass: 2, name: (l) => (l === 2 ? 'deux' : NAMES[l]) });
    }, /train and test must have the same class folders; test lacks two; test has deux that train does not/);
    const missing = await loadImageFolders('/nonexistent/edgetune-photos', options()).catch((e: Error) => e.message);
    expect(missing).toMatch(/\/nonexistent\/edgetune-photos: no such directory/);
  });

  it('lists every unreadable image (corrupt, truncated, not really an image) together, and reads nothing half', async () => {
    await refused(async (dir) => {
      await some(dir);
      await writeFile(path.join(dir, 'one', 'broken.png'), new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0]));
      await writeFile(path.join(dir, 'two', 'cut.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
      await writeFile(path.join(dir, 'zero', 'text.jpg'), 'hello');
    }, /^3 images could not be read; fix or remove them:\n {2}.*one\/broken\.png: .*\n {2}.*two\/cut\.jpg: .*\n {2}.*zero\/text\.jpg: /);
  });

  it('warns about what it skips: other files, files beside the class folders; hidden files silently', async () => {
    const dir = await tempDataDir();
    await some(dir);
    await writeFile(path.join(dir, 'README.md'), '# digits');
    await writeFile(path.join(dir, 'one', 'labels.csv'), 'a,b');
    await writeFile(path.join(dir, 'one', '.DS_Store'), 'x');
    await mkdir(path.join(dir, '.cache'));
    const opts = options();
    const data = await loadImageFolders(dir, opts);
    expect(data.train.count + data.test.count).toBe(15);
    expect(opts.warnings).toEqual([`${path.join(dir, 'one')}: skipped 1 entry (not .png, .jpg or .jpeg files)`, `${dir}: skipped 1 file beside the class folders`]);
    await rm(dir, { recursive: true });
  });
});
