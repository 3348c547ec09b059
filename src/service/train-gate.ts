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
 * in workerd, a request whose client went away may simply never run again,
 * so its `finally` never releases the gate. A running job touches its lease
 * every step, so only a dead one goes stale.
 */
export class TrainGate {
  private running: { name: string; since: number; touched: number } | undefined;

  constructor(private readonly staleMs = 30_000) {}

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

  get current(): { name: string; since: number } | undefined {
    return this.running && { name: this.running.name, since: this.running.since };
  }
}
