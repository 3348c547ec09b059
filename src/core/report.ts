import type { BackendInfo } from '../backend/backend-info.js';
import type { ParamCounts } from './summary.js';
import type { EpochLog } from './train.js';

/** One training phase of the transfer experiment. */
export interface PhaseReport {
  classes: number[];
  trainSamples: number;
  testSamples: number;
  params: ParamCounts;
  epochs: EpochLog[];
  seconds: number;
  testLoss: number;
  testAccuracy: number;
}

/** `edgetune transfer --report FILE`. Version 1; fields are only ever added. */
export interface TransferReport {
  version: 1;
  backend: BackendInfo;
  dataset: { name: string; trainSamples: number; testSamples: number };
  pretrain: PhaseReport;
  finetune: PhaseReport;
  batchSize: number;
  seed: number;
  base: { hash: string };
  tfjs: string;
  createdAt: string;
}
