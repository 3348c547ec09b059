import { IMAGE } from '../core/seed.js';

/** Request limits, per runtime (the Worker's are tighter: CPU time per request). */
export interface Limits {
  /** Images in one predict request. */
  maxPredictImages: number;
  /** Examples in one train request. */
  maxTrainExamples: number;
  /** Classes of one head. */
  maxLabels: number;
  maxEpochs: number;
  /** epochs x examples of one train request: the work it may cost. */
  maxTrainWork: number;
  /** Request body bytes. */
  maxBodyBytes: number;
  /** Pixels of one PNG (width x height) before decoding is refused. */
  maxPngPixels: number;
}

export const NODE_LIMITS: Limits = {
  maxPredictImages: 256,
  maxTrainExamples: 10_000,
  maxLabels: 64,
  maxEpochs: 500,
  maxTrainWork: 1_000_000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxPngPixels: 4096 * 4096,
};

export const PIXELS = IMAGE.rows * IMAGE.cols;

/**
 * Workers: one thread, and the Paid plan's CPU time per request (30 s by
 * default, up to 5 min). Sized from measurements in workerd; see README.
 */
export const WORKER_LIMITS: Limits = {
  maxPredictImages: 128,
  maxTrainExamples: 2_000,
  maxLabels: 64,
  maxEpochs: 200,
  maxTrainWork: 100_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxPngPixels: 1024 * 1024,
};
