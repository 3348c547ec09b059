interface Slot<R> {
  pixels: Float32Array;
  count: number;
  outcome?: { results: R[] } | { error: unknown };
}

interface Queue<R> {
  slots: Array<Slot<R>>;
  images: number;
  /** Values per image: the same for every request of one key (one head on one base). */
  imageSize: number;
  run: (pixels: Float32Array, count: number) => R[];
}

export interface MicroBatchOptions {
  /** How long a request waits for company; 0 turns batching off. */
  windowMs: number;
  /** A batch is run at once when it holds this many images. */
  maxImages: number;
}

/**
 * Dynamic micro-batching: concurrent predictions for the same key (head
 * version) that arrive within a short window run as one model call, and
 * each caller gets its own slice of the results. One call of 32 images
 * costs far less than 32 calls of one (per-op overhead, better GEMM shapes).
 *
 * Every request settles its own promise, from a timer of its own: workerd
 * cancels a request that waits on a promise another request resolves ("the
 * Worker's code had hung"). So the model call is synchronous, run by
 * whichever request's timer fires first (or by the request that fills the
 * batch), and the others find their results when their own timers fire.
 */
export class MicroBatcher<R> {
  private readonly queues = new Map<string, Queue<R>>();

  constructor(private readonly options: MicroBatchOptions) {}

  /** `run` answers a batch for `key`; every caller of one key must pass an equivalent one. */
  submit(key: string, pixels: Float32Array, count: number, run: (pixels: Float32Array, count: number) => R[]): Promise<R[]> {
    if (this.options.windowMs <= 0) return new Promise((resolve) => resolve(run(pixels, count)));
    let queue = this.queues.get(key);
    if (queue && queue.images + count > this.options.maxImages) {
      this.flush(key);
      queue = undefined;
    }
    if (!queue) {
      queue = { slots: [], images: 0, imageSize: pixels.length / count, run };
      this.queues.set(key, queue);
    }
    const slot: Slot<R> = { pixels, count };
    queue.slots.push(slot);
    queue.images += count;
    if (queue.images >= this.options.maxImages) this.flush(key);
    return new Promise<R[]>((resolve, reject) => {
      const settle = () => {
        // Not yet run: the slot is in the key's open queue.
        if (!slot.outcome) this.flush(key);
        const outcome = slot.outcome!;
        if ('results' in outcome) resolve(outcome.results);
        else reject(outcome.error);
      };
      if (slot.outcome) settle();
      else setTimeout(settle, this.options.windowMs);
    });
  }

  private flush(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    this.queues.delete(key);
    const size = queue.imageSize;
    const pixels = new Float32Array(queue.images * size);
    let offset = 0;
    for (const slot of queue.slots) {
      pixels.set(slot.pixels.subarray(0, slot.count * size), offset * size);
      offset += slot.count;
    }
    let results: R[];
    try {
      results = queue.run(pixels, queue.images);
    } catch (error) {
      for (const slot of queue.slots) slot.outcome = { error };
      return;
    }
    let start = 0;
    for (const slot of queue.slots) {
      slot.outcome = { results: results.slice(start, start + slot.count) };
      start += slot.count;
    }
  }
}
