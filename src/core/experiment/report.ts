import type { BackendInfo } from '../../contract/backend-info.js';
import type { InputSpec } from '../data/input-shape.js';
import type { CurvePoint } from '../training/curve.js';
import type { FinetuneMode } from '../training/finetune.js';
import type { ParamCounts } from '../model/summary.js';
import type { EpochLog } from '../training/train.js';
import type { ClassResult, ConfusionMatrix } from '../training/confusion.js';

/** One training phase of the transfer experiment. */
export interface PhaseReport {
  /** Labels in the dataset (an image folder's are its sorted class folders, from 0). */
  classes: number[];
  /** The classes' names: a folder's name, or the label itself for IDX data. */
  classNames: string[];
  trainSamples: number;
  testSamples: number;
  params: ParamCounts;
  epochs: EpochLog[];
  /** Training cost: feature extraction (cached mode) plus the epochs' steps; validation excluded. */
  seconds: number;
  testLoss: number;
  testAccuracy: number;
  /** On the test examples: confusion[t][p] counts class t predicted as p, in the order of `classes`. */
  confusion: ConfusionMatrix;
  /** Per class, in the order of `classes`: accuracy (recall; null without examples) and test examples. */
  perClass: ClassResult<number>[];
}

export interface FinetuneReport extends PhaseReport {
  mode: FinetuneMode;
  /** Seconds spent computing the cached features of the training images (0 unless cached). */
  extractSeconds: number;
}

/** `edgetune transfer --report FILE`. Version 1; fields are only ever added. */
export interface TransferReport {
  version: 1;
  backend: BackendInfo;
  dataset: { name: string; trainSamples: number; testSamples: number; input: InputSpec };
  pretrain: PhaseReport;
  /** The fine-tune run whose head was saved (the first of --finetune-mode). */
  finetune: FinetuneReport;
  /** Every fine-tune mode run, in order, when more than one was asked for. */
  finetuneModes?: FinetuneReport[];
  /** Few-shot curve on cached features (--curve). */
  curve?: CurvePoint[];
  batchSize: number;
  seed: number;
  base: { hash: string };
  tfjs: string;
  createdAt: string;
}
