// Builds edgetune's SIMD module from src/backend/simd (manifest.js and the
// kernel families it lists) into build/ with wabt (an npm package, so no
// system toolchain is needed): once importing a shared memory (tfjs's
// threaded binary) and once a plain one (single-threaded).
import { mkdirSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';
import { assemble } from '../src/backend/simd/assemble.js';

const here = (p) => new URL(`../${p}`, import.meta.url);
const { text } = await assemble();
const tools = await wabt();
mkdirSync(here('build'), { recursive: true });
for (const [file, memory] of [
  ['edgetune-simd-shared.wasm', '(memory 1 65536 shared)'],
  ['edgetune-simd.wasm', '(memory 1)'],
]) {
  const module = tools.parseWat(file, `(module (import "env" "memory" ${memory})\n${text})`, { simd: true, threads: true, bulk_memory: true });
  writeFileSync(here(`build/${file}`), module.toBinary({}).buffer);
  module.destroy();
}
console.log('build-simd: build/edgetune-simd{,-shared}.wasm');
