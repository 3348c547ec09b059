import type { ModelFiles } from '../core/artifacts/artifacts.js';
import type { HeadMetadata } from '../core/artifacts/bundle.js';
import type { IndexCacheStats } from './index-cache.js';

export interface HeadVersion {
  version: number;
  createdAt: string;
  metadata: HeadMetadata;
}

export interface HeadRecord {
  name: string;
  /** The version predictions use. */
  current: number;
  versions: HeadVersion[];
}

/** Head names: letters, digits, '-' and '_', 1-64 characters (safe as path and key segments). */
export const HEAD_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class UnknownHeadError extends Error {
  override name = 'UnknownHeadError';
  constructor(readonly head: string, readonly version?: number) {
    super(version === undefined ? `no head named "${head}"` : `head "${head}" has no version ${version}`);
  }
}

/**
 * Where heads live. Each put() adds a version that becomes current only once
 * completely stored; readers never see a partial head. Implementations: files
 * (Node), R2 + a Durable Object (workerd), memory (tests).
 */
export interface HeadStore {
  list(): Promise<HeadRecord[]>;
  /**
   * The head's record. A store that caches records may answer with one up to
   * its documented staleness old, but never with one that lacks `version`
   * when the store now has that version.
   */
  get(name: string, version?: number): Promise<HeadRecord | undefined>;
  /** A version's files (default: the current one), or undefined when absent. */
  files(name: string, version?: number): Promise<ModelFiles | undefined>;
  put(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion>;
  /** put(), only if the name was never used: a head shipped with the models is added once, and once deleted stays deleted. */
  seed(name: string, files: ModelFiles, metadata: HeadMetadata): Promise<HeadVersion | undefined>;
  /** Removes the head and all its versions; false when there was none. Its version numbers are not handed out again. */
  remove(name: string): Promise<boolean>;
  /** Makes `version` (default: the one before current) the current version. */
  rollback(name: string, version?: number): Promise<HeadRecord>;
  /** A caching store's counters for /metrics: reads of its index, cache hits. */
  indexStats?(): IndexCacheStats;
}

export function checkHeadName(name: string): void {
  if (!HEAD_NAME.test(name)) throw new Error(`invalid head name "${name}": use 1-64 letters, digits, '-' or '_'`);
}

/** The version rollback() goes to: the given one, or the newest one older than current. */
export function rollbackTarget(record: HeadRecord, version?: number): number {
  if (version !== undefined) {
    if (!record.versions.some((v) => v.version === version)) throw new UnknownHeadError(record.name, version);
    return version;
  }
  const older = record.versions.map((v) => v.version).filter((v) => v < record.current);
  if (older.length === 0) throw new UnknownHeadError(record.name, record.current - 1);
  return Math.max(...older);
}
