import { cp, mkdir, mkdtemp, symlink } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from '../../harness/wrangler.js';

/**
 * A project of one's own that depends on edgetune, made from a fixture in
 * test/fixtures/embed: inside this repository's test-output/ (so hono and
 * the other packages resolve from its node_modules), with
 * node_modules/edgetune a link to this package as an install would make it.
 */
export async function embeddingProject(fixture: 'node' | 'worker'): Promise<string> {
  await mkdir(path.join(root, 'test-output'), { recursive: true });
  const dir = await mkdtemp(path.join(root, 'test-output', `embed-${fixture}-`));
  await cp(path.join(root, 'test/fixtures/embed', fixture), dir, { recursive: true });
  await mkdir(path.join(dir, 'node_modules'));
  await symlink(root, path.join(dir, 'node_modules', 'edgetune'));
  return dir;
}

/** Type-checks the project against the package's built .d.ts files. */
export function typecheck(dir: string): { status: number | null; output: string } {
  const done = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  return { status: done.status, output: done.stdout + done.stderr };
}
