import { settleHere, Stalled } from './settle-here.js';

/** How long work shared between requests may run before a request stops waiting on it. */
export const STALLED_MS = 5_000;

interface Running<T> {
  startedAt: number;
  promise: Promise<T>;
}

/**
 * Work shared between requests by key: a base being loaded, a head, an index
 * read. A request that finds the work under way waits on it through a promise
 * of its own (settleHere: workerd cancels a request that waits on one only
 * another request settles). workerd never resumes a request the client
 * dropped, so work it started may never settle: a request waits at most until
 * that work is `stalledMs` old, then starts the work again itself, and newer
 * requests no longer join the stalled one.
 */
export class InFlight<T> {
  private readonly running = new Map<string, Running<T>>();

  constructor(
    private readonly stalledMs = STALLED_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The work under way for `key` if it started no earlier than `notBefore` and has not stalled, else `start()`ed anew. */
  run(key: string, start: () => Promise<T>, notBefore = -Infinity): Promise<T> {
    const under = this.running.get(key);
    const asked = this.now();
    if (!under || under.startedAt < notBefore || asked - under.startedAt >= this.stalledMs) return this.start(key, start);
    return settleHere(under.promise, under.startedAt + this.stalledMs - asked).catch((err: unknown) => {
      if (!(err instanceof Stalled)) throw err;
      return this.running.get(key) === under ? this.start(key, start) : this.run(key, start, notBefore);
    });
  }

  /** True while `promise` is the newest work for `key`: its result is the one to keep. */
  isLatest(key: string, promise: Promise<T>): boolean {
    return this.running.get(key)?.promise === promise;
  }

  /** Later requests start afresh; work under way still settles for those waiting on it. */
  forget(key: string): void {
    this.running.delete(key);
  }

  private start(key: string, start: () => Promise<T>): Promise<T> {
    const entry: Running<T> = { startedAt: this.now(), promise: start() };
    this.running.set(key, entry);
    const done = () => {
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    entry.promise.then(done, done);
    return entry.promise;
  }
}

