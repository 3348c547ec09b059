import { describe, expect, it } from 'vitest';
import type { HeadRecord } from '../../src/service/head-store.js';
import { IndexCache } from '../../src/service/index-cache.js';

/** One index (the Durable Object) shared by several caches (isolates), with a clock the test moves. */
function world(ttlMs = 10_000) {
  const index = new Map<string, HeadRecord>();
  let now = 0;
  let reads = 0;
  /** Reads finish when the test says so, to order them against writes. */
  let hold: Promise<void> | undefined;
  const source = async (name: string) => {
    reads++;
    const snapshot = index.get(name) && structuredClone(index.get(name));
    if (hold) await hold;
    return snapshot;
  };
  const commit = (name: string, version: number) => {
    const h = index.get(name) ?? { name, current: 0, versions: [] };
    index.set(name, { name, current: version, versions: [...h.versions, { version, createdAt: '', metadata: {} as never }] });
  };
  return {
    isolate: (maxEntries?: number) => new IndexCache(source, ttlMs, () => now, maxEntries),
    commit,
    remove: (name: string) => index.delete(name),
    advance: (ms: number) => (now += ms),
    reads: () => reads,
    holdReads: () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe('IndexCache: head records kept in an isolate', () => {
  it('reads the index once per name per window, and shares a read between concurrent requests', async () => {
    const w = world();
    w.commit('digits', 1);
    const cache = w.isolate();
    const records = await Promise.all(Array.from({ length: 50 }, () => cache.get('digits')));
    expect(records.every((r) => r?.current === 1)).toBe(true);
    for (let i = 0; i < 100; i++) {
      w.advance(99);
      await cache.get('digits');
    }
    // 9.9 s of requests: still the first read.
    expect(w.reads()).toBe(1);
    w.advance(100);
    await cache.get('digits');
    expect(w.reads()).toBe(2);
    expect(cache.stats()).toMatchObject({ reads: 2, hits: 100, entries: 1, ttlMs: 10_000 });
  });

  it("sees another isolate's new version within the window, never later", async () => {
    const w = world();
    w.commit('digits', 1);
    const [a, b] = [w.isolate(), w.isolate()];
    await b.get('digits');
    w.advance(1);
    w.commit('digits', 2); // through isolate a's write path
    a.forget('digits');
    expect((await a.get('digits'))?.current).toBe(2);
    w.advance(9_998);
    expect((await b.get('digits'))?.current).toBe(1);
    w.advance(1);
    expect((await b.get('digits'))?.current).toBe(2);
  });

  it('answers a request for a version it has not seen with a read that started after the request', async () => {
    const w = world();
    w.commit('digits', 1);
    const cache = w.isolate();
    await cache.get('digits');
    // A read that starts now and finishes after the commit below must not answer for version 2.
    w.advance(20_000);
    const release = w.holdReads();
    const stale = cache.get('digits');
    w.advance(1);
    w.commit('digits', 2);
    const pinned = cache.get('digits', 2);
    release();
    expect((await stale)?.current).toBe(1);
    const record = await pinned;
    expect(record?.versions.map((v) => v.version)).toEqual([1, 2]);
    // Known now: no more reads for it within the window.
    const reads = w.reads();
    await cache.get('digits', 2);
    await cache.get('digits', 1);
    expect(w.reads()).toBe(reads);
    // A version nobody made costs a read and comes back absent: the caller answers 404.
    expect((await cache.get('digits', 99))?.versions.some((v) => v.version === 99)).toBe(false);
    expect(w.reads()).toBe(reads + 1);
  });

  it('does not keep a read that was under way when this isolate wrote', async () => {
    const w = world();
    w.commit('digits', 1);
    const cache = w.isolate();
    const release = w.holdReads();
    const before = cache.get('digits');
    w.commit('digits', 2);
    cache.forget('digits');
    release();
    expect((await before)?.current).toBe(1);
    expect((await cache.get('digits'))?.current).toBe(2);
  });

  it('keeps unknown and deleted names for the window too, and at most maxEntries names', async () => {
    const w = world();
    w.commit('digits', 1);
    const cache = w.isolate(100);
    expect(await cache.get('nope')).toBeUndefined();
    expect(await cache.get('nope')).toBeUndefined();
    expect(w.reads()).toBe(1);
    for (let i = 0; i < 1000; i++) await cache.get(`probe-${i}`);
    expect(cache.stats().entries).toBe(100);
    w.remove('digits');
    cache.forget('digits');
    expect(await cache.get('digits')).toBeUndefined();
  });

  it('passes a failed read on and keeps nothing of it', async () => {
    let fail = true;
    const cache = new IndexCache(async (name) => {
      if (fail) throw new Error('index unavailable');
      return { name, current: 1, versions: [] };
    }, 10_000);
    await expect(cache.get('digits')).rejects.toThrow('index unavailable');
    fail = false;
    expect((await cache.get('digits'))?.current).toBe(1);
  });
});
