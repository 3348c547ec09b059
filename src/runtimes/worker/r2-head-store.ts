import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../../core/artifacts/artifacts.js';
import type { HeadMetadata } from '../../core/artifacts/bundle.js';
import { checkHeadName, UnknownHeadError, type HeadRecord, type HeadStore, type HeadVersion } from '../../service/head-store.js';
import { IndexCache } from '../../service/index-cache.js';
import type { Env } from './env.js';

const key = (name: string, version: number, file: string) => `heads/${name}/${version}/${file}`;

/**
 * Heads in Workers storage: files in R2 under heads/<name>/<version>/, the
 * index in the HeadIndex Durable Object. A version's files are uploaded
 * under a freshly reserved number before the index names it, so a new
 * version never serves half-written; a failed upload leaves only
 * unreferenced objects.
 *
 * Reads by name go through an IndexCache of this isolate, so a prediction
 * reaches the Durable Object at most once per head per `ttlMs` (see the
 * README's consistency promise); a version's files never change once the
 * index names it, so they need no such care.
 */
export class R2HeadStore implements HeadStore {
  private readonly cache: IndexCache;

  constructor(
    private readonly env: Env,
    ttlMs: number,
  ) {
    this.cache = new IndexCache(async (name) => (await this.index.get(name)) ?? undefined, ttlMs);
  }

  private get index() {
    return this.env.HEAD_INDEX.get(this.env.HEAD_INDEX.idFromName('heads'));
  }

  list(): Promise<HeadRecord[]> {
    return this.index.list();
  }

  get(name: string, version?: number): Promise<HeadRecord | undefined> {
    return this.cache.get(name, version);
  }

  indexStats() {
    return this.cache.stats();
  }

  async files(name: string, version?: number): Promise<ModelFiles | undefined> {
    const record = await this.get(name, version);
    const v = version ?? record?.current;
    if (!record || v === undefined || !record.versions.some((x) => x.version === v)) return undefined;
    const [json, weights] = await Promise.all([MODEL_JSON, WEIGHTS_BIN].map((f) => this.env.HEADS.get(key(name, v, f))));
    if (!json || !weights) return undefined;
    return { [MODEL_JSON]: new Uint8Array(await json.arrayBuffer()), [WEIGHTS_BIN]: new Uint8Array(await weights.arrayBuffer()) };
  }

  async put(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion> {
    return (await this.add(name, files, metadata, false))!;
  }

  seed(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion | undefined> {
    return this.add(name, files, metadata, true);
  }

  private async add(name: string, files: ModelFiles, metadata: HeadMetadata, onlyIfNew: boolean): Promise<HeadVersion | undefined> {
    checkHeadName(name);
    const version = await this.index.reserve(name, onlyIfNew);
    if (version === undefined) return undefined;
    const names = [MODEL_JSON, WEIGHTS_BIN] as const;
    const keys = names.map((f) => key(name, version, f));
    await Promise.all(names.map((f, i) => this.env.HEADS.put(keys[i], files[f])));
    const entry: HeadVersion = { version, createdAt: metadata.createdAt, metadata };
    const committed = await this.index.commit(name, entry, onlyIfNew);
    this.cache.forget(name);
    if (committed) return entry;
    // Another isolate seeded the same head first.
    await this.env.HEADS.delete(keys);
    return undefined;
  }

  async remove(name: string): Promise<boolean> {
    const removed = await this.index.remove(name);
    this.cache.forget(name);
    if (removed) {
      const listed = await this.env.HEADS.list({ prefix: `heads/${name}/` });
      if (listed.objects.length) await this.env.HEADS.delete(listed.objects.map((o) => o.key));
    }
    return removed;
  }

  async rollback(name: string, version?: number): Promise<HeadRecord> {
    const result = await this.index.rollback(name, version);
    this.cache.forget(name);
    if ('missing' in result) throw new UnknownHeadError(name, result.missing ?? undefined);
    return result;
  }
}
