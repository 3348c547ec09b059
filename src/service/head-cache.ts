import type * as tf from '@tensorflow/tfjs';
import { modelFromFiles } from '../core/artifacts.js';
import { headMetadataFor } from '../core/loaded.js';
import type { HeadMetadata } from '../core/bundle.js';
import { UnknownHeadError, type HeadStore } from './head-store.js';
import { settleHere } from './settle-here.js';

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
 * Loaded head models by name, at most `capacity` of them (least recently
 * used go first). A head is reloaded when its current version changes, and
 * the replaced model is disposed once no request uses it, so memory follows
 * the store and a prediction never meets a disposed model.
 */
export class HeadCache {
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly store: HeadStore,
    private readonly capacity = 8,
  ) {}

  /** Runs `work` with the current version of head `name`, which stays loaded until `work` is done. */
  async use<T>(name: string, baseHash: string, work: (head: ServingHead) => Promise<T>): Promise<T> {
    const head = await this.get(name, baseHash);
    head.users++;
    try {
      return await work(head);
    } finally {
      head.users--;
      if (head.evicted && head.users === 0) head.model.dispose();
    }
  }

  private async get(name: string, baseHash: string): Promise<Entry> {
    const record = await this.store.get(name);
    if (!record) throw new UnknownHeadError(name);
    const cached = this.loaded.get(name);
    if (cached && cached.version === record.current) {
      this.loaded.delete(name);
      this.loaded.set(name, cached);
      return cached;
    }
    const key = `${name}@${record.current}`;
    const pending = this.loading.get(key);
    if (pending) return settleHere(pending);
    const load = this.load(name, record.current, baseHash).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async load(name: string, version: number, baseHash: string): Promise<Entry> {
    const files = await this.store.files(name, version);
    if (!files) throw new UnknownHeadError(name, version);
    const metadata = headMetadataFor(files, baseHash, name);
    const head: Entry = { name, version, metadata, model: await modelFromFiles(files), users: 0, evicted: false };
    this.evict(name);
    this.loaded.set(name, head);
    while (this.loaded.size > this.capacity) this.evict(this.loaded.keys().next().value!);
    return head;
  }

  evict(name: string): void {
    const head = this.loaded.get(name);
    if (!head) return;
    this.loaded.delete(name);
    head.evicted = true;
    if (head.users === 0) head.model.dispose();
  }

  dispose(): void {
    for (const name of [...this.loaded.keys()]) this.evict(name);
  }
}
