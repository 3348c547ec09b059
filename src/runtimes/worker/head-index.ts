import { DurableObject } from 'cloudflare:workers';
import { checkHeadName, rollbackTarget, UnknownHeadError, type HeadRecord, type HeadVersion } from '../../service/head-store.js';

type Stored = Omit<HeadRecord, 'name'>;

/**
 * The index of all heads and their versions, in one Durable Object. Why a
 * Durable Object and not KV: KV is eventually consistent (up to a minute
 * between locations), so a head just trained could be predicted with its
 * previous version elsewhere; one Durable Object serialises every change
 * and every read sees the latest, in any location. Weights live in R2,
 * which is strongly consistent for reads after writes.
 */
export class HeadIndex extends DurableObject {
  private async read(name: string): Promise<Stored | undefined> {
    return this.ctx.storage.get<Stored>(`head:${name}`);
  }

  async list(): Promise<HeadRecord[]> {
    const all = await this.ctx.storage.list<Stored>({ prefix: 'head:' });
    return [...all.entries()].map(([key, h]) => ({ name: key.slice(5), ...h })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<HeadRecord | undefined> {
    const h = await this.read(name);
    return h && { name, ...h };
  }

  /**
   * A fresh version number for `name`; numbers are never handed out twice,
   * even after a delete. With `onlyIfNew`, none (undefined) for a name that
   * has a head or had one.
   */
  async reserve(name: string, onlyIfNew = false): Promise<number | undefined> {
    checkHeadName(name);
    if (onlyIfNew && ((await this.read(name)) || (await this.ctx.storage.get(`gone:${name}`)))) return undefined;
    const next = ((await this.ctx.storage.get<number>(`seq:${name}`)) ?? 0) + 1;
    await this.ctx.storage.put(`seq:${name}`, next);
    return next;
  }

  /** Makes an uploaded version the current one; with `onlyIfAbsent`, leaves an existing head alone (false). */
  async commit(name: string, entry: HeadVersion, onlyIfAbsent = false): Promise<boolean> {
    const h = await this.read(name);
    if (h && onlyIfAbsent) return false;
    const next: Stored = { current: entry.version, versions: [...(h?.versions ?? []), entry] };
    await this.ctx.storage.put(`head:${name}`, next);
    return true;
  }

  async remove(name: string): Promise<boolean> {
    const removed = await this.ctx.storage.delete(`head:${name}`);
    // Remembered, so that the heads shipped in the assets are not seeded again.
    if (removed) await this.ctx.storage.put(`gone:${name}`, true);
    return removed;
  }

  /** The head now serving the chosen version, or what is missing (null: the head itself). */
  async rollback(name: string, version?: number): Promise<HeadRecord | { missing: number | null }> {
    const h = await this.read(name);
    if (!h) return { missing: null };
    try {
      h.current = rollbackTarget({ name, ...h }, version);
    } catch (err) {
      if (err instanceof UnknownHeadError) return { missing: err.version ?? null };
      throw err;
    }
    await this.ctx.storage.put(`head:${name}`, h);
    return { name, ...h };
  }
}
