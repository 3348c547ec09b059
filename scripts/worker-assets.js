// Fills the Worker's static assets (wrangler.toml [assets]) from a transfer
// output: the base model and the heads, plus a manifest of the heads.
// Usage: node scripts/worker-assets.js [--models data/models] [--out dist/worker-assets]
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { models: { type: 'string', default: 'data/models' }, out: { type: 'string', default: 'dist/worker-assets' } } });
const base = path.join(values.models, 'base');
if (!existsSync(path.join(base, 'model.json'))) {
  console.error(`worker-assets: no base model in ${base}; run "npm start" or "npx edgetune transfer" first`);
  process.exit(1);
}
const target = path.join(values.out, 'models');
rmSync(target, { recursive: true, force: true });
mkdirSync(path.join(target, 'heads'), { recursive: true });
cpSync(base, path.join(target, 'base'), { recursive: true });
const headsDir = path.join(values.models, 'heads');
const heads = existsSync(headsDir) ? readdirSync(headsDir).filter((h) => existsSync(path.join(headsDir, h, 'model.json'))) : [];
for (const head of heads) cpSync(path.join(headsDir, head), path.join(target, 'heads', head), { recursive: true });
writeFileSync(path.join(target, 'heads', 'index.json'), JSON.stringify(heads));
console.log(`worker-assets: base and ${heads.length} head(s) from ${values.models} in ${values.out}`);
