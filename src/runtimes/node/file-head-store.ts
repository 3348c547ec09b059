import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../../core/artifacts/artifacts.js';
import { metadataOf, type HeadMetadata } from '../../core/artifacts/bundle.js';
import {
  checkHeadName,
  HEAD_NAME,
  rollbackTarget,
  UnknownHeadError,
  type HeadRecord,
  type HeadStore,
  type HeadVersion,
} from '../../service/head-store.js';
import { replaceDirAtomic, tempOwner, writeFileAtomic } from './atomic.js';

interface Head {
  current: number;
  versions: HeadVersion[];
}

/** The index in memory: Maps, so that a head called `constructor` or `__proto__` is just a name. */
interface Index {
  heads: Map<string, Head>;
  /** The last version number handed out per name, kept after a delete: numbers are never reused, and a deleted head is not seeded again. */
  used: Map<string, number>;
}

/** What the API reads of a version's metadata; the rest passes through. */
const HeadMetadataFile = z.looseObject({
  kind: z.literal('head'),
  name: z.string(),
  labels: z.array(z.string()).min(1),
  baseHash: z.string(),
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

const IndexFile = z.object({
  version: z.literal(1),
  heads: z.record(
    z.string().regex(HEAD_NAME),
    z.object({
      current: z.number().int().positive(),
      versions: z.array(z.object({ version: z.number().int().positive(), createdAt: z.string(), metadata: HeadMetadataFile })).min(1),
    }),
  ),
  used: z.record(z.string().regex(HEAD_NAME), z.number().int().nonnegative()).optional(),
});

/** An index file that is not one; the message names the file and what repairs it. */
export class HeadIndexError extends Error {
  override name = 'HeadIndexError';
}

/** Unindexed version directories younger than this may belong to a put that is still running in another process (the CLI). */
const ORPHAN_GRACE_MS = 60_000;

const isVersionDir = (entry: string) => /^[1-9][0-9]*$/.test(entry);

/** Beside the index, rewritten at each delete: the names used and their last version numbers, so that a rebuilt index still knows them. */
const USED_FILE = 'used.json';

/**
 * Heads as files: <root>/<name>/<version>/{model.json,weights.bin} plus
 * <root>/index.json, the source of truth. A version directory is written in
 * full before the index (replaced atomically) names it, so a kill -9 at any
 * point leaves the previous index and, at worst, an unreferenced directory,
 * which open() removes. used.json keeps the names deleted heads had, for a
 * rebuilt index. Writes within one process are serialised.
 */
export class FileHeadStore implements HeadStore {
  private queue: Promise<unknown> = Promise.resolve();
  private cached: { key: string; index: Index } | undefined;

  constructor(readonly root: string) {}

  /**
   * The store, checked and repaired: an unreadable index is set aside and
   * rebuilt from the version directories, indexed versions whose files are
   * gone are dropped, and what crashes left (temp files, staging and
   * unindexed directories) is removed. Each repair is reported to `warn`.
   */
  static async open(root: string, warn: (line: string) => void = () => {}): Promise<FileHeadStore> {
    const store = new FileHeadStore(root);
    await store.exclusive(() => store.repair(warn));
    return store;
  }

  private get indexFile(): string {
    return path.join(this.root, 'index.json');
  }

  /**
   * The index as on disk, parsed and validated once per version of the file
   * (keyed by inode, size and mtime: every write is a rename, so a write by
   * another process shows too). Every predict reads it; parsing and
   * validating a 100-head index took ~8 ms a call. Shared: read only.
   */
  private async readIndex(): Promise<Index> {
    let info;
    try {
      info = await stat(this.indexFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { heads: new Map(), used: new Map() };
      throw err;
    }
    const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (this.cached?.key !== key) this.cached = { key, index: await this.parseIndex() };
    return this.cached.index;
  }

  /** A copy of the index to change and write back (a failed write must not leave the shared one changed). */
  private async indexForWrite(): Promise<Index> {
    return structuredClone(await this.readIndex());
  }

  private async parseIndex(): Promise<Index> {
    let text: string;
    try {
      text = await readFile(this.indexFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { heads: new Map(), used: new Map() };
      throw err;
    }
    // Validated, but read from JSON.parse's own objects: zod's copy would turn a head called __proto__ into a prototype.
    let parsed: z.infer<typeof IndexFile>;
    try {
      parsed = JSON.parse(text);
      IndexFile.parse(parsed);
    } catch (err) {
      const reason = err instanceof z.ZodError ? `${err.issues[0].path.join('.') || 'index'}: ${err.issues[0].message}` : (err as Error).message;
      throw new HeadIndexError(`${this.indexFile} is not a valid head index (${reason}); "edgetune serve" rebuilds it from the version directories when it starts`);
    }
    const heads = new Map(Object.entries(parsed.heads).map(([name, h]) => [name, h as unknown as Head]));
    const used = new Map(Object.entries(parsed.used ?? {}));
    for (const [name, h] of heads) used.set(name, Math.max(used.get(name) ?? 0, ...h.versions.map((v) => v.version)));
    return { heads, used };
  }

  private async writeIndex(index: Index): Promise<void> {
    const file = { version: 1, heads: Object.fromEntries(index.heads), used: Object.fromEntries(index.used) };
    this.cached = undefined;
    await writeFileAtomic(this.indexFile, `${JSON.stringify(file, null, 2)}\n`);
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

  private async hasFiles(name: string, version: number): Promise<boolean> {
    const sizes = await Promise.all([MODEL_JSON, WEIGHTS_BIN].map((f) => stat(path.join(this.dir(name, version), f)).then((s) => s.isFile(), () => false)));
    return sizes.every(Boolean);
  }

  private async repair(warn: (line: string) => void): Promise<void> {
    let index: Index;
    let changed = false;
    try {
      index = await this.indexForWrite();
    } catch (err) {
      if (!(err instanceof HeadIndexError)) throw err;
      const aside = `${this.indexFile}.corrupt-${Date.now()}`;
      await writeFileAtomic(aside, await readFile(this.indexFile));
      index = await this.rebuild();
      changed = true;
      warn(`${err.message.split(';')[0]}; kept it as ${aside} and rebuilt the index from the version directories (${index.heads.size} heads; each serves its newest version)`);
    }
    for (const [name, head] of index.heads) {
      const present: HeadVersion[] = [];
      for (const v of head.versions) {
        if (await this.hasFiles(name, v.version)) present.push(v);
        else warn(`head "${name}" version ${v.version}: its files are gone from ${this.dir(name, v.version)}; dropped it from the index`);
      }
      if (present.length !== head.versions.length) changed = true;
      if (present.length === 0) {
        index.heads.delete(name);
        continue;
      }
      head.versions = present;
      if (!present.some((v) => v.version === head.current)) {
        const newest = Math.max(...present.map((v) => v.version));
        warn(`head "${name}": current version ${head.current} is not in the index; serving version ${newest}`);
        head.current = newest;
        changed = true;
      }
    }
    if (changed) await this.writeIndex(index);
    const removed = await this.removeLeftovers(index);
    if (removed.length) warn(`Removed ${removed.length} files and directories that interrupted writes left in ${this.root}`);
  }

  /** An index from what is on disk: every complete version directory whose model.json says it is a head. */
  private async rebuild(): Promise<Index> {
    const used = await readFile(path.join(this.root, USED_FILE), 'utf8')
      .then((text) => Object.entries(JSON.parse(text) as Record<string, unknown>).filter((e): e is [string, number] => HEAD_NAME.test(e[0]) && Number.isInteger(e[1])))
      .catch(() => []);
    const index: Index = { heads: new Map(), used: new Map(used) };
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      if (!HEAD_NAME.test(name)) continue;
      const versions: HeadVersion[] = [];
      const used = index.used.get(name) ?? 0;
      for (const entry of await readdir(path.join(this.root, name)).catch(() => [] as string[])) {
        if (!isVersionDir(entry) || !(await this.hasFiles(name, Number(entry)))) continue;
        const metadata = await readFile(path.join(this.dir(name, Number(entry)), MODEL_JSON))
          .then((json) => metadataOf({ [MODEL_JSON]: json, [WEIGHTS_BIN]: new Uint8Array() }))
          .catch(() => undefined);
        if (metadata?.kind === 'head') versions.push({ version: Number(entry), createdAt: metadata.createdAt, metadata });
      }
      if (!versions.length) continue;
      versions.sort((a, b) => a.version - b.version);
      const newest = versions[versions.length - 1].version;
      index.heads.set(name, { current: newest, versions });
      index.used.set(name, Math.max(used, newest));
    }
    return index;
  }

  /** Temp files and staging directories of dead processes, and version directories the index does not name. */
  private async removeLeftovers(index: Index): Promise<string[]> {
    const removed: string[] = [];
    const remove = async (target: string) => {
      await rm(target, { recursive: true, force: true });
      removed.push(target);
    };
    const isDeadTemp = (entry: string) => {
      const owner = tempOwner(entry);
      return owner !== undefined && (owner === process.pid || !alive(owner));
    };
    for (const entry of await readdir(this.root).catch(() => [] as string[])) {
      const full = path.join(this.root, entry);
      if (isDeadTemp(entry)) {
        await remove(full);
        continue;
      }
      if (!HEAD_NAME.test(entry) || !(await stat(full)).isDirectory()) continue;
      const head = index.heads.get(entry);
      for (const child of await readdir(full)) {
        const target = path.join(full, child);
        if (isDeadTemp(child)) await remove(target);
        else if (isVersionDir(child) && !head?.versions.some((v) => v.version === Number(child))) {
          if (Date.now() - (await stat(target)).mtimeMs > ORPHAN_GRACE_MS) await remove(target);
        }
      }
      if (!head && (await readdir(full)).length === 0) await rm(full, { recursive: true, force: true });
    }
    return removed;
  }

  async list(): Promise<HeadRecord[]> {
    const index = await this.readIndex();
    return [...index.heads].map(([name, h]) => ({ name, ...h })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<HeadRecord | undefined> {
    const h = (await this.readIndex()).heads.get(name);
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
    return this.exclusive(async () => (await this.add(name, files, metadata, false))!);
  }

  seed(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion | undefined> {
    checkHeadName(name);
    return this.exclusive(() => this.add(name, files, metadata, true));
  }

  private async add(name: string, files: ModelFiles, metadata: HeadMetadata, onlyIfNew: boolean): Promise<HeadVersion | undefined> {
    const index = await this.indexForWrite();
    if (onlyIfNew && (index.heads.has(name) || index.used.has(name))) return undefined;
    const existing = index.heads.get(name);
    // Directories a crash left behind must not be reused as if they were indexed.
    const onDisk = await readdir(path.join(this.root, name)).catch(() => [] as string[]);
    const version = Math.max(index.used.get(name) ?? 0, ...onDisk.filter(isVersionDir).map(Number)) + 1;
    await replaceDirAtomic(this.dir(name, version), files);
    const entry: HeadVersion = { version, createdAt: metadata.createdAt, metadata };
    index.heads.set(name, { current: version, versions: [...(existing?.versions ?? []), entry] });
    index.used.set(name, version);
    await this.writeIndex(index);
    return entry;
  }

  remove(name: string): Promise<boolean> {
    return this.exclusive(async () => {
      const index = await this.indexForWrite();
      if (!index.heads.delete(name)) return false;
      await this.writeIndex(index);
      await rm(path.join(this.root, name), { recursive: true, force: true });
      await writeFileAtomic(path.join(this.root, USED_FILE), `${JSON.stringify(Object.fromEntries(index.used))}\n`);
      return true;
    });
  }

  rollback(name: string, version?: number): Promise<HeadRecord> {
    return this.exclusive(async () => {
      const index = await this.indexForWrite();
      const head = index.heads.get(name);
      if (!head) throw new UnknownHeadError(name);
      head.current = rollbackTarget({ name, ...head }, version);
      await this.writeIndex(index);
      return { name, ...head };
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
