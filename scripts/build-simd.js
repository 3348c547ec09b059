// Builds edgetune's SIMD module from src/backend/simd (manifest.js and the
// kernel families it lists) into build/ with wabt (an npm package, so no
// system toolchain is needed): once importing a shared memory (tfjs's
// threaded binary) and once a plain one (single-threaded). Writes the
// module's TypeScript side to src/backend/simd/exports.generated.ts; with
// --check, only says whether that file is current.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';
import { assemble } from '../src/backend/simd/assemble.js';
import { exportsTs } from '../src/backend/simd/exports-ts.js';

const here = (p) => new URL(`../${p}`, import.meta.url);
const { text, exports } = await assemble((url) => readFileSync(url, 'utf8'));
const typescript = exportsTs(exports);
const generated = here('src/backend/simd/exports.generated.ts');
const current = existsSync(generated) ? readFileSync(generated, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== typescript) {
    console.error('build-simd: src/backend/simd/exports.generated.ts is not what manifest.js makes; run node scripts/build-simd.js');
    process.exit(1);
  }
  process.exit(0);
}
if (current !== typescript) writeFileSync(generated, typescript);
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
console.log('build-simd: build/edgetune-simd{,-shared}.wasm, src/backend/simd/exports.generated.ts');
