import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const tempName = (target: string) =>
  path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

/** The process that made a temp file or staging directory of this module (by its name), if it is one. */
export function tempOwner(entry: string): number | undefined {
  const match = /^\..+\.([0-9]+)-[0-9a-f]{8}\.tmp(\.old)?$/.exec(entry);
  return match ? Number(match[1]) : undefined;
}

/** Writes and fsyncs a file (creating its directory). */
export async function writeDurable(file: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` in one step (temp file + rename): readers see the old or the new content, never a part. */
export async function writeFileAtomic(file: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const temp = tempName(file);
  try {
    await writeDurable(temp, data, mode);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Replaces the directory `target` with a new one holding `files` (relative
 * paths). The new directory is written completely beside the target, then
 * swapped in by renames, so `target` is always either the old or the new
 * complete directory.
 */
export async function replaceDirAtomic(target: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const staging = tempName(target);
  const retired = `${staging}.old`;
  try {
    for (const [name, data] of Object.entries(files)) await writeDurable(path.join(staging, name), data);
    try {
      await rename(target, retired);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(retired, { recursive: true, force: true });
  }
}
