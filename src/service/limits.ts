
/**
 * Request limits, per runtime (the Worker's are tighter: one thread, 128 MB,
 * CPU time per request). Each bounds what one unauthenticated or
 * authenticated request can cost before any of that cost is paid.
 */
export interface Limits {
  /** Images in one predict request (model call size, response size). */
  maxPredictImages: number;
  /** Examples in one train request (feature cache memory). */
  maxTrainExamples: number;
  /** Classes of one head. */
  maxLabels: number;
  maxEpochs: number;
  /** epochs x examples of one train request: the per-example work it may cost. */
  maxTrainWork: number;
  /** Optimizer steps of one train request (epochs x batches, or the default minimum): the per-step work, which small batches multiply. */
  maxTrainSteps: number;
  /** Request body bytes, refused (413) before they are read. */
  maxBodyBytes: number;
  /** Pixels of one PNG or JPEG (width x height, from its header) before decoding is refused. */
  maxImagePixels: number;
  /** Decoded pixels of all images in one request: the memory and CPU its decoding may take. */
  maxDecodedPixels: number;
}

export const NODE_LIMITS: Limits = {
  maxPredictImages: 256,
  maxTrainExamples: 10_000,
  maxLabels: 64,
  maxEpochs: 500,
  maxTrainWork: 1_000_000,
  maxTrainSteps: 20_000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxImagePixels: 2048 * 2048,
  maxDecodedPixels: 4 * 2048 * 2048,
};

/**
 * Workers: one thread, 128 MB, and the Paid plan's CPU time per request
 * (30 s by default, up to 5 min). Sized from measurements in workerd; see README.
 */
export const WORKER_LIMITS: Limits = {
  maxPredictImages: 128,
  maxTrainExamples: 2_000,
  maxLabels: 64,
  maxEpochs: 200,
  maxTrainWork: 100_000,
  maxTrainSteps: 4_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxImagePixels: 1024 * 1024,
  maxDecodedPixels: 4 * 1024 * 1024,
};
