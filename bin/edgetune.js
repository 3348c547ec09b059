#!/usr/bin/env node
import { existsSync } from 'node:fs';

const entry = new URL('../dist/runtimes/node/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('edgetune: not built yet; run "npm run build" (npm install does it)\n');
  process.exit(1);
}
await import(entry.href);
