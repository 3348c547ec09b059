import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../../core/artifacts.js';
import type { HeadMetadata } from '../../core/bundle.js';
import {
  checkHeadName,
  rollbackTarget,
  UnknownHeadError,
  type HeadRecord,
  type HeadStore,
  type HeadVersion,
} from '../../service/head-store.js';
import { replaceDirAtomic, writeFileAtomic } from './atomic.js';

interface Index {
  version: 1;
  heads: Record<string, { current: number; versions: HeadVersion[] }>;
}

/**
 * Heads as files: <root>/<name>/<version>/{model.json,weights.bin} plus
 * <root>/index.json, the source of truth. A version directory is written in
 * full before the index (replaced atomically) names it, so a kill -9 at any
 * point leaves the previous index and, at worst, an unreferenced directory.
 * One process owns a root; writes within it are serialised.
 */
export class FileHeadStore implements HeadStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {}

  private get indexFile(): string {
    return path.join(this.root, 'index.json');
  }

  private async readIndex(): Promise<Index> {
    try {
      return JSON.parse(await readFile(this.indexFile, 'utf8')) as Index;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, heads: {} };
      throw err;
    }
  }

  private writeIndex(index: Index): Promise<void> {
    return writeFileAtomic(this.indexFile, `${JSON.stringify(index, null, 2)}\n`);
  }

  /** Runs index read-modify-writes one at a time. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private dir(name: string, version: number): string {
    checkHeadName(name);
    return path.join(this.root, name, String(version));
  }

  async list(): Promise<HeadRecord[]> {
    const index = await this.readIndex();
    return Object.entries(index.heads)
      .map(([name, h]) => ({ name, ...h }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<HeadRecord | undefined> {
    const h = (await this.readIndex()).heads[name];
    return h && { name, ...h };
  }

  async files(name: string, version?: number): Promise<ModelFiles | undefined> {
    const record = await this.get(name);
    const v = version ?? record?.current;
    if (!record || v === undefined || !record.versions.some((x) => x.version === v)) return undefined;
    const dir = this.dir(name, v);
    const [json, weights] = await Promise.all([readFile(path.join(dir, MODEL_JSON)), readFile(path.join(dir, WEIGHTS_BIN))]);
    return { [MODEL_JSON]: json, [WEIGHTS_BIN]: weights };
  }

  put(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion> {
    checkHeadName(name);
    return this.exclusive(async () => {
      const index = await this.readIndex();
      const existing = index.heads[name];
      // Directories a crash left behind must not be reused as if they were indexed.
      const onDisk = await readdir(path.join(this.root, name)).catch(() => [] as string[]);
      const version = Math.max(0, ...(existing?.versions.map((v) => v.version) ?? []), ...onDisk.map(Number).filter(Number.isFinite)) + 1;
      await replaceDirAtomic(this.dir(name, version), files);
      const entry: HeadVersion = { version, createdAt: metadata.createdAt, metadata };
      index.heads[name] = { current: version, versions: [...(existing?.versions ?? []), entry] };
      await this.writeIndex(index);
      return entry;
    });
  }

  remove(name: string): Promise<boolean> {
    return this.exclusive(async () => {
      const index = await this.readIndex();
      if (!index.heads[name]) return false;
      delete index.heads[name];
      await this.writeIndex(index);
      await rm(path.join(this.root, name), { recursive: true, force: true });
      return true;
    });
  }

  rollback(name: string, version?: number): Promise<HeadRecord> {
    return this.exclusive(async () => {
      const index = await this.readIndex();
      const head = index.heads[name];
      if (!head) throw new UnknownHeadError(name);
      head.current = rollbackTarget({ name, ...head }, version);
      await this.writeIndex(index);
      return { name, ...head };
    });
  }
}
