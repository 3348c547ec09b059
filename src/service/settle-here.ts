/**
 * A promise of the calling request's own that settles as `shared` does, or
 * rejects with Stalled after `timeoutMs`. workerd cancels a request that
 * waits on a promise only another request can settle ("the Worker's code had
 * hung"), so a request that shares another's work waits on a timer of its
 * own and polls the shared outcome.
 */
export function settleHere<T>(shared: Promise<T>, timeoutMs: number, pollMs = 1): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  shared.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  const deadline = Date.now() + timeoutMs;
  return new Promise<T>((resolve, reject) => {
    const check = () => {
      if (outcome) 'value' in outcome ? resolve(outcome.value) : reject(outcome.error);
      else if (Date.now() >= deadline) reject(new Stalled('shared work did not settle in time'));
      else setTimeout(check, pollMs);
    };
    setTimeout(check, 0);
  });
}

/** settleHere's answer when the shared work did not settle in time. */
export class Stalled extends Error {
  override name = 'Stalled';
}
