// Copies the non-TypeScript runtime files tsc does not emit into dist/.
import { copyFileSync, mkdirSync } from 'node:fs';

const assets = ['runtimes/node/pthread-worker.cjs', 'runtimes/node/simd-worker.mjs'];
for (const file of assets) {
  mkdirSync(new URL(`../dist/${file}`, import.meta.url).pathname.replace(/[^/]+$/, ''), { recursive: true });
  copyFileSync(new URL(`../src/${file}`, import.meta.url), new URL(`../dist/${file}`, import.meta.url));
}
