import * as tf from '@tensorflow/tfjs';

/**
 * What an operator or a soak test watches to see memory stay flat: image
 * bytes being decoded right now (and their peak), and the tfjs tensors alive.
 */
export class ServiceMetrics {
  private decodingBytes = 0;
  private peakDecodingBytes = 0;
  private decodedImages = 0;
  private refusedImages = 0;

  /** Runs one image decode, counting the bytes it may hold while it runs (inflated data plus luminance). */
  decode<T>(bytes: number, work: () => T): T {
    this.decodingBytes += bytes;
    this.peakDecodingBytes = Math.max(this.peakDecodingBytes, this.decodingBytes);
    try {
      const out = work();
      this.decodedImages++;
      return out;
    } finally {
      this.decodingBytes -= bytes;
    }
  }

  refused(count = 1): void {
    this.refusedImages += count;
  }

  snapshot() {
    const memory = tf.memory();
    return {
      tensors: memory.numTensors,
      tensorBytes: memory.numBytes,
      decoding: { bytes: this.decodingBytes, peakBytes: this.peakDecodingBytes, images: this.decodedImages, refused: this.refusedImages },
    };
  }
}
