import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.js';
import { checkToken } from '../../service/middleware.js';
import { writeFileAtomic } from './atomic.js';

export type TokenSource = 'env' | 'file' | 'generated';

/**
 * The write token: EDGETUNE_TOKEN if set; else the one kept in `file`;
 * else a new random one, saved there with mode 0600. A token that no
 * Authorization header could carry is refused here, not at the first write.
 */
export async function resolveToken(file: string, env = process.env): Promise<{ token: string; source: TokenSource }> {
  const usable = (token: string, where: string) => {
    const problem = checkToken(token);
    if (problem) throw new InputError(`${where}: ${problem}`);
    return token;
  };
  const fromEnv = env.EDGETUNE_TOKEN?.trim();
  if (fromEnv) return { token: usable(fromEnv, 'EDGETUNE_TOKEN'), source: 'env' };
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved) return { token: usable(saved, file), source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return { token, source: 'generated' };
}
