const DEFAULT_INDEX_TTL_SECONDS = 10;

/** HEAD_INDEX_TTL_SECONDS as milliseconds; a value that is not a number from 0 to 3600 is reported and the default used. */
export function indexTtlMs(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_INDEX_TTL_SECONDS * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    console.error(`HEAD_INDEX_TTL_SECONDS: "${value}" is not a number of seconds from 0 to 3600; using ${DEFAULT_INDEX_TTL_SECONDS}`);
    return DEFAULT_INDEX_TTL_SECONDS * 1000;
  }
  return seconds * 1000;
}
