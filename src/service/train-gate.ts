/**
 * One training job at a time per process: training saturates the CPU (and,
 * in Node, the wasm thread pool); a second job would only slow both. Others
 * are refused with 409 and a Retry-After hint rather than queued, so a
 * client always knows where it stands.
 */
export class TrainGate {
  private running: { name: string; since: number } | undefined;

  tryAcquire(name: string, now: number): (() => void) | undefined {
    if (this.running) return undefined;
    this.running = { name, since: now };
    return () => {
      this.running = undefined;
    };
  }

  get current(): { name: string; since: number } | undefined {
    return this.running;
  }
}
