// Regenerates data/examples/ from the MNIST test set: PNG digits for the
// README's curl examples and a small train request body of PNG examples.
import { mkdirSync, writeFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { selectClasses } from '../src/core/data/dataset.js';
import { defaultMnistDir, loadMnistDir } from '../src/runtimes/node/mnist-files.js';

const out = new URL('../data/examples/', import.meta.url);
mkdirSync(out, { recursive: true });
const { test } = await loadMnistDir(defaultMnistDir());
const png = (images: Uint8Array, i: number) => encode({ width: 28, height: 28, channels: 1, depth: 8, data: images.subarray(i * 784, (i + 1) * 784) });

for (const digit of [0, 3, 7]) {
  const set = selectClasses(test, [digit], 1);
  writeFileSync(new URL(`digit-${digit}.png`, out), png(set.images, 0));
}
// Last 200 test images of 1 and 7 (the README predicts with earlier ones).
const pair = selectClasses({ ...test, images: test.images.subarray(9000 * 784), labels: test.labels.subarray(9000), count: 1000 }, [1, 7]);
const examples = Array.from({ length: Math.min(40, pair.count) }, (_, i) => ({
  image: { png: Buffer.from(png(pair.images, i)).toString('base64') },
  label: pair.labels[i] === 0 ? 'one' : 'seven',
}));
writeFileSync(new URL('train-one-seven.json', out), `${JSON.stringify({ labels: ['one', 'seven'], examples })}\n`);
