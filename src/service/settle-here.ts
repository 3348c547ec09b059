/**
 * A promise of the calling request's own that settles as `shared` does.
 * workerd cancels a request that waits on a promise only another request
 * can settle ("the Worker's code had hung"), so a request that shares
 * another's work (a head being loaded) waits on a timer of its own and
 * polls the shared outcome.
 */
export function settleHere<T>(shared: Promise<T>, pollMs = 1): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  shared.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  return new Promise<T>((resolve, reject) => {
    const check = () => {
      if (!outcome) setTimeout(check, pollMs);
      else if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    setTimeout(check, 0);
  });
}
