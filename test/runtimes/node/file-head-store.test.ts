import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HeadMetadata } from '../../../src/core/artifacts/bundle.js';
import { FileHeadStore } from '../../../src/runtimes/node/file-head-store.js';

const meta = (name: string, n: number): HeadMetadata => ({
  kind: 'head',
  name,
  labels: ['a', 'b'],
  baseHash: 'abc',
  training: { n },
  metrics: { testAccuracy: n / 10 },
  createdAt: new Date(2026, 0, n).toISOString(),
});
const files = (n: number) => ({ 'model.json': new TextEncoder().encode(`{"n":${n}}`), 'weights.bin': new Uint8Array([n, n, n]) });
const tempStore = async () => new FileHeadStore(await mkdtemp(path.join(os.tmpdir(), 'edgetune-heads-')));

describe('FileHeadStore', () => {
  it('stores versions, serves the current one, rolls back, removes, and persists across instances', async () => {
    const store = await tempStore();
    expect(await store.list()).toEqual([]);
    expect(await store.files('letters')).toBeUndefined();
    expect((await store.put('letters', files(1), meta('letters', 1))).version).toBe(1);
    expect((await store.put('letters', files(2), meta('letters', 2))).version).toBe(2);
    await store.put('digits', files(3), meta('digits', 3));

    const reopened = new FileHeadStore(store.root);
    expect((await reopened.list()).map((h) => [h.name, h.current])).toEqual([['digits', 1], ['letters', 2]]);
    expect((await reopened.files('letters'))!['weights.bin'].join()).toBe('2,2,2');
    expect((await reopened.files('letters', 1))!['weights.bin'].join()).toBe('1,1,1');
    expect(await reopened.files('letters', 7)).toBeUndefined();

    expect((await reopened.rollback('letters')).current).toBe(1);
    expect((await reopened.files('letters'))!['weights.bin'].join()).toBe('1,1,1');
    await expect(reopened.rollback('letters')).rejects.toThrow(/has no version 0/);
    expect((await reopened.rollback('letters', 2)).current).toBe(2);
    await expect(reopened.rollback('nope')).rejects.toThrow(/no head named "nope"/);

    expect(await reopened.remove('letters')).toBe(true);
    expect(await reopened.remove('letters')).toBe(false);
    expect((await reopened.list()).map((h) => h.name)).toEqual(['digits']);
    expect(await readdir(store.root)).not.toContain('letters');
  });

  it('sees what another process wrote to the index, though it keeps a parsed copy', async () => {
    const reader = await tempStore();
    await reader.put('shared', files(1), meta('shared', 1));
    expect((await reader.get('shared'))!.current).toBe(1);
    const writer = new FileHeadStore(reader.root);
    await writer.put('shared', files(2), meta('shared', 2));
    await writer.rollback('shared', 1);
    await writer.put('other', files(3), meta('other', 3));
    expect((await reader.get('shared'))!).toMatchObject({ current: 1, versions: [{ version: 1 }, { version: 2 }] });
    expect((await reader.list()).map((h) => h.name)).toEqual(['other', 'shared']);
  });

  it('refuses names that could escape the store', async () => {
    const store = await tempStore();
    for (const name of ['../x', 'a/b', '', 'x'.repeat(65), 'sp ace']) {
      expect(() => store.put(name, files(1), meta(name, 1))).toThrow(/invalid head name/);
    }
  });

  it('serialises concurrent writes without losing versions', async () => {
    const store = await tempStore();
    const versions = await Promise.all([1, 2, 3, 4, 5].map((n) => store.put('busy', files(n), meta('busy', n))));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.get('busy'))!.versions).toHaveLength(5);
  });

  it('skips version directories a crash left unindexed', async () => {
    const store = await tempStore();
    await mkdir(path.join(store.root, 'h', '1'), { recursive: true });
    expect((await store.put('h', files(1), meta('h', 1))).version).toBe(2);
  });

  it('keeps a readable index and whole versions when the writer is killed with SIGKILL mid-write', async () => {
    const store = await tempStore();
    const writer = fileURLToPath(new URL('../../helpers/store-writer.ts', import.meta.url));
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, store.root]);
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await sleep(50 + 97 * round);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));

      const index = JSON.parse(await readFile(path.join(store.root, 'index.json'), 'utf8'));
      const head = index.heads.crashy;
      expect(head.versions.length).toBeGreaterThan(0);
      for (const v of head.versions) {
        const f = (await store.files('crashy', v.version))!;
        expect(JSON.parse(new TextDecoder().decode(f['model.json'])).i).toBe(v.metadata.training.i);
        expect(f['weights.bin'].length).toBe(2 * 1024 * 1024);
      }
    }
    const last = (await store.get('crashy'))!;
    const next = await store.put('crashy', files(9), meta('crashy', 9));
    expect(next.version).toBeGreaterThan(Math.max(...last.versions.map((v) => v.version)));
  });

  it('never hands out a version number twice, even after a delete, and seeds a name only once', async () => {
    const store = await tempStore();
    expect((await store.seed('shipped', files(1), meta('shipped', 1)))!.version).toBe(1);
    expect(await store.seed('shipped', files(2), meta('shipped', 2))).toBeUndefined();
    await store.put('shipped', files(3), meta('shipped', 3));
    expect(await store.remove('shipped')).toBe(true);
    const reopened = await FileHeadStore.open(store.root);
    expect(await reopened.seed('shipped', files(4), meta('shipped', 4))).toBeUndefined();
    expect(await reopened.get('shipped')).toBeUndefined();
    expect((await reopened.put('shipped', files(5), meta('shipped', 5))).version).toBe(3);
    // Even an index rebuilt from the directories remembers a deleted name and its numbers.
    await reopened.put('gone', files(6), meta('gone', 6));
    await reopened.put('gone', files(7), meta('gone', 7));
    await reopened.remove('gone');
    await writeFile(path.join(store.root, 'index.json'), '{"version":1,"he');
    const rebuilt = await FileHeadStore.open(store.root);
    expect(await rebuilt.get('gone')).toBeUndefined();
    expect(await rebuilt.seed('gone', files(8), meta('gone', 8))).toBeUndefined();
    expect((await rebuilt.put('gone', files(9), meta('gone', 9))).version).toBe(3);
  });

  it('keeps names that are Object.prototype keys apart from the prototype', async () => {
    const store = await tempStore();
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(await store.get(name)).toBeUndefined();
      expect(await store.files(name)).toBeUndefined();
      expect(await store.remove(name)).toBe(false);
      await expect(store.rollback(name)).rejects.toThrow(`no head named "${name}"`);
      expect((await store.put(name, files(1), meta(name, 1))).version).toBe(1);
    }
    const reopened = await FileHeadStore.open(store.root);
    expect((await reopened.list()).map((h) => h.name).sort()).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('opens a corrupt, empty or inconsistent index by rebuilding or repairing it, and says so', async () => {
    const store = await tempStore();
    const real = (n: number) => ({
      'model.json': new TextEncoder().encode(JSON.stringify({ userDefinedMetadata: { edgetune: meta('h', n) } })),
      'weights.bin': new Uint8Array([n]),
    });
    await store.put('h', real(1), meta('h', 1));
    await store.put('h', real(2), meta('h', 2));
    const index = path.join(store.root, 'index.json');
    for (const broken of ['', '{"version":1,"heads":', '{"version":1,"heads":{"h":{"current":"x"}}}']) {
      await writeFile(index, broken);
      await expect(new FileHeadStore(store.root).list()).rejects.toThrow(`${index} is not a valid head index`);
      const warnings: string[] = [];
      const reopened = await FileHeadStore.open(store.root, (l) => warnings.push(l));
      expect(warnings[0]).toMatch(/rebuilt the index from the version directories \(1 heads; each serves its newest version\)/);
      expect((await reopened.get('h'))!).toMatchObject({ current: 2, versions: [{ version: 1 }, { version: 2 }] });
    }
    const valid = JSON.parse(await readFile(index, 'utf8'));
    valid.heads.h.current = 7;
    await writeFile(index, JSON.stringify(valid));
    await rm(path.join(store.root, 'h', '1'), { recursive: true });
    const warnings: string[] = [];
    const repaired = await FileHeadStore.open(store.root, (l) => warnings.push(l));
    expect(warnings).toEqual([expect.stringMatching(/version 1: its files are gone/), expect.stringMatching(/current version 7 is not in the index; serving version 2/)]);
    expect((await repaired.list()).map((h) => [h.name, h.current, h.versions.length])).toEqual([['h', 2, 1]]);
  });

  it('removes what crashed writes left: temp index files, staging directories, old unindexed versions', async () => {
    const store = await tempStore();
    await store.put('h', files(1), meta('h', 1));
    const dead = 2 ** 22 + 12345;
    const leftovers = [path.join(store.root, `.index.json.${dead}-0a1b2c3d.tmp`), path.join(store.root, 'h', `.2.${dead}-0a1b2c3d.tmp`), path.join(store.root, 'h', '5')];
    await writeFile(leftovers[0], '{');
    await mkdir(leftovers[1], { recursive: true });
    await mkdir(leftovers[2]);
    const fresh = path.join(store.root, 'h', '6');
    await mkdir(fresh);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(leftovers[2], old, old);
    const warnings: string[] = [];
    await FileHeadStore.open(store.root, (l) => warnings.push(l));
    expect(warnings).toEqual([`Removed 3 files and directories that interrupted writes left in ${store.root}`]);
    expect((await readdir(path.join(store.root, 'h'))).sort()).toEqual(['1', '6']);
    expect(await readdir(store.root)).not.toContain(path.basename(leftovers[0]));
  });
});
