import type * as tf from '@tensorflow/tfjs';
import { modelFromFiles } from '../core/artifacts/artifacts.js';
import { headMetadataFor } from '../core/artifacts/loaded.js';
import type { HeadMetadata } from '../core/artifacts/bundle.js';
import { UnknownHeadError, type HeadStore } from './head-store.js';
import { InFlight } from './in-flight.js';

export interface ServingHead {
  name: string;
  version: number;
  metadata: HeadMetadata;
  model: tf.LayersModel;
}

interface Entry extends ServingHead {
  /** Requests using the model right now; an evicted model is disposed when the last one is done. */
  users: number;
  evicted: boolean;
}

/**
 * Loaded head models by name and version, at most `capacity` of them (least
 * recently used go first). When a head's current version changes, the new
 * one is loaded and the other loaded versions of that head are disposed once
 * no request uses them, so memory follows the store and a prediction never
 * meets a disposed model. A version asked for by number is loaded beside the
 * current one.
 */
export class HeadCache {
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new InFlight<Entry>();

  constructor(
    private readonly store: HeadStore,
    private readonly capacity = 8,
  ) {}

  /** Runs `work` with head `name` at `version` (default: the current one), which stays loaded until `work` is done. */
  async use<T>(name: string, baseHash: string, work: (head: ServingHead) => Promise<T>, version?: number): Promise<T> {
    const head = await this.get(name, baseHash, version);
    head.users++;
    try {
      return await work(head);
    } finally {
      head.users--;
      if (head.evicted && head.users === 0) head.model.dispose();
    }
  }

  private async get(name: string, baseHash: string, version?: number): Promise<Entry> {
    const record = await this.store.get(name, version);
    if (!record) throw new UnknownHeadError(name);
    const wanted = version ?? record.current;
    if (!record.versions.some((v) => v.version === wanted)) throw new UnknownHeadError(name, wanted);
    const key = `${name}@${wanted}`;
    const cached = this.loaded.get(key);
    if (cached) {
      this.loaded.delete(key);
      this.loaded.set(key, cached);
      return cached;
    }
    return this.loading.run(key, () => this.load(name, wanted, baseHash, wanted === record.current));
  }

  private async load(name: string, version: number, baseHash: string, current: boolean): Promise<Entry> {
    const files = await this.store.files(name, version);
    if (!files) throw new UnknownHeadError(name, version);
    const metadata = headMetadataFor(files, baseHash, name);
    const head: Entry = { name, version, metadata, model: await modelFromFiles(files), users: 0, evicted: false };
    // A load that another request started again after it stalled may have got here first.
    this.drop(`${name}@${version}`);
    if (current) this.evict(name);
    this.loaded.set(`${name}@${version}`, head);
    while (this.loaded.size > this.capacity) this.drop(this.loaded.keys().next().value!);
    return head;
  }

  /** Disposes every loaded version of head `name` (as soon as no request uses it). */
  evict(name: string): void {
    for (const [key, head] of [...this.loaded]) if (head.name === name) this.drop(key);
  }

  private drop(key: string): void {
    const head = this.loaded.get(key);
    if (!head) return;
    this.loaded.delete(key);
    head.evicted = true;
    if (head.users === 0) head.model.dispose();
  }

  dispose(): void {
    for (const key of [...this.loaded.keys()]) this.drop(key);
  }
}
