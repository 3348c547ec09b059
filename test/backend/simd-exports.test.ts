import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const buildSimd = fileURLToPath(new URL('../../scripts/build-simd.js', import.meta.url));

describe('the SIMD module', () => {
  it('has the TypeScript side its manifest makes (exports.generated.ts is current)', () => {
    const checked = spawnSync(process.execPath, [buildSimd, '--check'], { encoding: 'utf8' });
    expect(checked.status, checked.stderr).toBe(0);
  });
});
