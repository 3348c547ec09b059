import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Dependencies core may use: plain JavaScript that runs in Node, workerd and browsers alike. */
const PURE_PACKAGES = ['fast-png', 'fflate'];

const src = fileURLToPath(new URL('../../src/', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(src, dir), { recursive: true });
  return entries.filter((e) => e.endsWith('.ts')).map((e) => path.join(dir, e));
}

const imports = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);

describe('layering', () => {
  it('core imports only tfjs and other core files (no Node, service or runtime code)', async () => {
    for (const file of await sources('core')) {
      const text = await readFile(path.join(src, file), 'utf8');
      for (const spec of imports(text)) {
        const ok =
          spec.startsWith('@tensorflow/tfjs') ||
          PURE_PACKAGES.includes(spec) ||
          (spec.startsWith('./') && !spec.includes('..')) ||
          spec === '../backend/backend-info.js';
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
      expect(text, `${file} touches the DOM or Node globals`).not.toMatch(/\b(document|window|process|Buffer|require)\b/);
    }
  });

  it('the shared backend code stays out of Node except for its Node adapters (node-*.ts)', async () => {
    for (const file of await sources('backend')) {
      if (path.basename(file).startsWith('node-')) continue;
      const text = await readFile(path.join(src, file), 'utf8');
      for (const spec of imports(text)) expect(spec.startsWith('node:'), `${file} imports ${spec}`).toBe(false);
    }
  });
});
