/**
 * A job touches its lease every training step and extraction batch (a few ms
 * apart; the longest gap, storing the head, is well under a second), so a
 * lease this old belongs to a job that will never run again.
 */
export const STALE_MS = 5_000;

/** A hold on the gate: released once the job is done, touched while it makes progress. */
export interface TrainLease {
  readonly name: string;
  readonly since: number;
  /** The job is still making progress (called between training steps). */
  touch(now: number): void;
  /** Idempotent; a lease that was already taken over releases nothing. */
  release(): void;
}

/**
 * One training job at a time per process: training saturates the CPU (and,
 * in Node, the wasm thread pool); a second job would only slow both. Others
 * are refused with 409 and a Retry-After hint rather than queued, so a
 * client always knows where it stands.
 *
 * A lease that has not been touched for `staleMs` is free for the next job:
 * in workerd, a request whose client went away is cancelled and never runs
 * again, so neither its abort handler nor its `finally` releases the gate.
 * Taking over a live but slow job would only run two at once, never lose one.
 */
export class TrainGate {
  private running: { name: string; since: number; touched: number } | undefined;

  constructor(private readonly staleMs = STALE_MS) {}

  tryAcquire(name: string, now: number): TrainLease | undefined {
    const held = this.running;
    if (held && now - held.touched < this.staleMs) return undefined;
    const mine = { name, since: now, touched: now };
    this.running = mine;
    return {
      name,
      since: now,
      touch: (at) => {
        mine.touched = at;
      },
      release: () => {
        if (this.running === mine) this.running = undefined;
      },
    };
  }

  /** The job holding the gate at `now`, if any (a stale lease holds nothing). */
  current(now: number): { name: string; since: number } | undefined {
    const held = this.running;
    return held && now - held.touched < this.staleMs ? { name: held.name, since: held.since } : undefined;
  }
}
