// wrangler.toml's [build] command (npm run build:worker): fills the Worker's
// static assets, so that `wrangler dev` and `wrangler deploy` work on a fresh
// clone with no step of their own: the base model and the transfer heads
// (under models/, with a manifest of the heads) and the web page (under web/).
// Without trained models it runs the transfer experiment first, as `npm start`
// does. --models (or EDGETUNE_MODELS; default data/models) names the models,
// and --out (or EDGETUNE_WORKER_ASSETS; default dist/worker-assets) where the
// assets go: the directory wrangler.toml's [assets] (or wrangler's --assets)
// names. Relative paths are from the working directory, where wrangler runs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { models: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node scripts/worker-build.js [--models DIR] [--out DIR]\nFills a Worker\'s static assets (base, heads, web page); trains the models first if DIR has none.');
  process.exit(0);
}
const models = path.resolve(values.models || process.env.EDGETUNE_MODELS || path.join(root, 'data/models'));
const out = path.resolve(values.out || process.env.EDGETUNE_WORKER_ASSETS || path.join(root, 'dist/worker-assets'));

const fail = (message) => {
  console.error(`worker-build: ${message}`);
  process.exit(1);
};
const run = (what, script, args) => {
  const done = spawnSync(process.execPath, [path.join(root, script), ...args], { stdio: 'inherit' });
  if (done.status !== 0) fail(`${what} failed (exit ${done.status ?? done.signal})`);
};

const built = (file) => existsSync(path.join(root, file)) || fail(`${file} is missing; run "npm install" (or "npm run build") first`);
built('build/edgetune-simd.wasm');
if (!existsSync(path.join(models, 'base', 'model.json'))) {
  built('dist/runtimes/node/main.js');
  console.log(`worker-build: no trained models in ${models}; running the transfer experiment first (2-3 minutes on 2 cores)`);
  run('edgetune transfer', 'bin/edgetune.js', ['transfer', '--out', models]);
}

run('the web page', 'scripts/build-web.js', ['--out', path.join(out, 'web')]);

// The models go in whole or not at all: a staging directory, renamed into
// place; what a killed build left is removed, as it would be uploaded too.
const target = path.join(out, 'models');
const staging = `${target}.tmp-${process.pid}`;
for (const left of readdirSync(out).filter((f) => f.startsWith('models.tmp-'))) rmSync(path.join(out, left), { recursive: true, force: true });
mkdirSync(path.join(staging, 'heads'), { recursive: true });
cpSync(path.join(models, 'base'), path.join(staging, 'base'), { recursive: true });
const headsDir = path.join(models, 'heads');
const heads = existsSync(headsDir) ? readdirSync(headsDir).filter((h) => existsSync(path.join(headsDir, h, 'model.json'))).sort() : [];
for (const head of heads) cpSync(path.join(headsDir, head), path.join(staging, 'heads', head), { recursive: true });
writeFileSync(path.join(staging, 'heads', 'index.json'), JSON.stringify(heads));
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
console.log(`worker-build: base and ${heads.length} head(s) from ${models} in ${out}`);
