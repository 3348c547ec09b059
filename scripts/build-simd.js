// Assembles src/backend/simd/kernels.wat into build/ with wabt (an npm
// package, so no system toolchain is needed): once importing a shared
// memory (tfjs's threaded binary) and once a plain one (single-threaded).
// The unrolled Winograd transforms, the register-blocked matrix product and
// the single-channel conv are generated (scripts/*-wat.js) into their marked
// lines.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';
import { matmulWat } from './matmul-wat.js';
import { singleChannelConvWat } from './single-channel-conv-wat.js';
import { winogradWat } from './winograd-wat.js';

const here = (p) => new URL(`../${p}`, import.meta.url);
const source = readFileSync(here('src/backend/simd/kernels.wat'), 'utf8')
  .replace(/^ *;; WINOGRAD:.*$/m, () => winogradWat())
  .replace(/^ *;; MATMUL:.*$/m, () => matmulWat())
  .replace(/^ *;; SINGLE-CHANNEL CONV:.*$/m, () => singleChannelConvWat());
const tools = await wabt();
mkdirSync(here('build'), { recursive: true });
for (const [file, memory] of [
  ['edgetune-simd-shared.wasm', '(memory 1 65536 shared)'],
  ['edgetune-simd.wasm', '(memory 1)'],
]) {
  const text = source.replace(/\(memory 1 65536 shared\)\) ;; MEMORY-IMPORT/, `${memory})`);
  const module = tools.parseWat(file, text, { simd: true, threads: true, bulk_memory: true });
  writeFileSync(here(`build/${file}`), module.toBinary({}).buffer);
  module.destroy();
}
console.log('build-simd: build/edgetune-simd{,-shared}.wasm');
