import type * as tf from '@tensorflow/tfjs';
import { modelFromFiles } from '../core/artifacts.js';
import { headMetadataFor } from '../core/loaded.js';
import type { HeadMetadata } from '../core/bundle.js';
import { UnknownHeadError, type HeadStore } from './head-store.js';

export interface ServingHead {
  name: string;
  version: number;
  metadata: HeadMetadata;
  model: tf.LayersModel;
}

/**
 * Loaded head models by name, at most `capacity` of them (least recently
 * used go first). A head is reloaded when its current version changes, and
 * the replaced model is disposed, so memory follows the store.
 */
export class HeadCache {
  private readonly loaded = new Map<string, ServingHead>();
  private readonly loading = new Map<string, Promise<ServingHead>>();

  constructor(
    private readonly store: HeadStore,
    private readonly capacity = 8,
  ) {}

  async get(name: string, baseHash: string): Promise<ServingHead> {
    const record = await this.store.get(name);
    if (!record) throw new UnknownHeadError(name);
    const cached = this.loaded.get(name);
    if (cached && cached.version === record.current) {
      this.loaded.delete(name);
      this.loaded.set(name, cached);
      return cached;
    }
    const key = `${name}@${record.current}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(name, record.current, baseHash).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(name: string, version: number, baseHash: string): Promise<ServingHead> {
    const files = await this.store.files(name, version);
    if (!files) throw new UnknownHeadError(name, version);
    const metadata = headMetadataFor(files, baseHash, name);
    const head: ServingHead = { name, version, metadata, model: await modelFromFiles(files) };
    this.evict(name);
    this.loaded.set(name, head);
    while (this.loaded.size > this.capacity) this.evict(this.loaded.keys().next().value!);
    return head;
  }

  evict(name: string): void {
    const head = this.loaded.get(name);
    if (head) {
      head.model.dispose();
      this.loaded.delete(name);
    }
  }

  dispose(): void {
    for (const name of [...this.loaded.keys()]) this.evict(name);
  }
}
