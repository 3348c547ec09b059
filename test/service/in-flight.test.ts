import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/service/in-flight.js';

/** Work that never settles, as a request workerd cancelled leaves it. */
const never = () => new Promise<number>(() => {});

describe('InFlight: work shared between requests', () => {
  it('shares work under way, and passes its failure to every request waiting on it', async () => {
    const shared = new InFlight<number>();
    let starts = 0;
    const work = () => (starts++, new Promise<number>((resolve) => setTimeout(() => resolve(7), 20)));
    expect(await Promise.all([shared.run('k', work), shared.run('k', work), shared.run('k', work)])).toEqual([7, 7, 7]);
    expect(starts).toBe(1);
    const failing = () => (starts++, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no index')), 20)));
    const outcomes = await Promise.allSettled([shared.run('f', failing), shared.run('f', failing)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(starts).toBe(2);
  });

  it('starts afresh for a request that needs work begun after it arrived', async () => {
    let now = 0;
    const shared = new InFlight<number>(5_000, () => now);
    const first = shared.run('k', () => new Promise((r) => setTimeout(() => r(1), 20)));
    now = 10;
    expect(await shared.run('k', async () => 2, 10)).toBe(2);
    expect(await first).toBe(1);
  });

  it('does not leave requests waiting on work that never settles (a dropped request in workerd)', async () => {
    const shared = new InFlight<number>(100);
    const stuck = shared.run('k', never);
    // Joined while young: waits until the work is 100 ms old, then does it itself.
    const started = Date.now();
    expect(await shared.run('k', async () => 3)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Later requests no longer join the stalled work.
    const quick = Date.now();
    expect(await shared.run('k', async () => 4)).toBe(4);
    expect(Date.now() - quick).toBeLessThan(50);
    void stuck;
  });

  it('after forget, requests start afresh while the old work still settles for its own', async () => {
    const shared = new InFlight<number>();
    const old = shared.run('k', () => new Promise((r) => setTimeout(() => r(1), 20)));
    expect(shared.isLatest('k', old)).toBe(true);
    shared.forget('k');
    expect(shared.isLatest('k', old)).toBe(false);
    expect(await shared.run('k', async () => 2)).toBe(2);
    expect(await old).toBe(1);
  });
});
