import { PIXELS } from './limits.js';

interface Pending<R> {
  pixels: Float32Array;
  count: number;
  resolve(results: R[]): void;
  reject(err: unknown): void;
}

interface Queue<R> {
  items: Array<Pending<R>>;
  images: number;
  timer: ReturnType<typeof setTimeout>;
}

export interface MicroBatchOptions {
  /** How long the first request of a batch waits for company; 0 turns batching off. */
  windowMs: number;
  /** A batch is sent at once when it holds this many images. */
  maxImages: number;
}

/**
 * Dynamic micro-batching: concurrent predictions for the same key (head)
 * that arrive within a short window run as one model call, and each caller
 * gets its own slice of the results. One call of 32 images costs far less
 * than 32 calls of one (per-op overhead, better GEMM shapes).
 */
export class MicroBatcher<R> {
  private readonly queues = new Map<string, Queue<R>>();

  constructor(
    private readonly options: MicroBatchOptions,
    private readonly run: (key: string, pixels: Float32Array, count: number) => Promise<R[]>,
  ) {}

  submit(key: string, pixels: Float32Array, count: number): Promise<R[]> {
    if (this.options.windowMs <= 0) return this.run(key, pixels, count);
    return new Promise<R[]>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (queue && queue.images + count > this.options.maxImages) {
        this.flush(key);
        queue = undefined;
      }
      if (!queue) {
        queue = { items: [], images: 0, timer: setTimeout(() => this.flush(key), this.options.windowMs) };
        this.queues.set(key, queue);
      }
      queue.items.push({ pixels, count, resolve, reject });
      queue.images += count;
      if (queue.images >= this.options.maxImages) this.flush(key);
    });
  }

  private flush(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    this.queues.delete(key);
    clearTimeout(queue.timer);
    const pixels = new Float32Array(queue.images * PIXELS);
    let offset = 0;
    for (const item of queue.items) {
      pixels.set(item.pixels.subarray(0, item.count * PIXELS), offset * PIXELS);
      offset += item.count;
    }
    this.run(key, pixels, queue.images).then(
      (results) => {
        let start = 0;
        for (const item of queue.items) {
          item.resolve(results.slice(start, start + item.count));
          start += item.count;
        }
      },
      (err) => queue.items.forEach((item) => item.reject(err)),
    );
  }
}
