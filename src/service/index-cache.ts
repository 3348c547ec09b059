import type { HeadRecord } from './head-store.js';
import { InFlight } from './in-flight.js';

interface Entry {
  record: HeadRecord | undefined;
  /** When the read that produced it started: what it shows is at least that recent. */
  readAt: number;
}

export interface IndexCacheStats {
  /** Reads that went to the index itself. */
  reads: number;
  /** Lookups answered from this cache. */
  hits: number;
  entries: number;
  ttlMs: number;
}

/**
 * Head records kept where the requests are (one per Worker isolate) for
 * `ttlMs`, so that predictions do not wait on the index, which lives in one
 * place. What a reader sees:
 * - without a version, the head as the index had it at most `ttlMs` ago;
 * - with a version, a record that names it if the index does now: a cached
 *   record that does not is read again, by a read that starts after the
 *   request did, so a client that was just told "version N" never gets less;
 * - its own writes at once: the store calls `forget` after each, and a read
 *   that was under way when it did is not kept.
 * Reads of one name are shared (one at a time per name unless a request needs
 * a newer one, or the one under way has stalled), and at most `maxEntries`
 * names are kept, so asking for many unknown names cannot grow memory.
 */
export class IndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly reading: InFlight<Entry>;
  private reads = 0;
  private hits = 0;

  constructor(
    private readonly source: (name: string) => Promise<HeadRecord | undefined>,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {
    this.reading = new InFlight<Entry>(undefined, now);
  }

  async get(name: string, version?: number): Promise<HeadRecord | undefined> {
    const asked = this.now();
    const entry = this.entries.get(name);
    const fresh = entry !== undefined && asked - entry.readAt < this.ttlMs;
    if (fresh && (version === undefined || names(entry.record, version))) {
      this.hits++;
      return entry.record;
    }
    return (await this.refresh(name, version === undefined ? -Infinity : asked)).record;
  }

  /** Drops what is known of `name` (after a write), including a read under way. */
  forget(name: string): void {
    this.entries.delete(name);
    this.reading.forget(name);
  }

  stats(): IndexCacheStats {
    return { reads: this.reads, hits: this.hits, entries: this.entries.size, ttlMs: this.ttlMs };
  }

  /** A read of `name` that started no earlier than `notBefore`: one under way, or a new one. */
  private refresh(name: string, notBefore: number): Promise<Entry> {
    return this.reading.run(
      name,
      () => {
        const startedAt = this.now();
        this.reads++;
        const read: Promise<Entry> = this.source(name).then((record) => {
          const entry = { record, readAt: startedAt };
          if (this.reading.isLatest(name, read)) this.keep(name, entry);
          return entry;
        });
        return read;
      },
      notBefore,
    );
  }

  private keep(name: string, entry: Entry): void {
    this.entries.delete(name);
    this.entries.set(name, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

const names = (record: HeadRecord | undefined, version: number) => record?.versions.some((v) => v.version === version) ?? false;
