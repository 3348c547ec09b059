import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../contract/backend-info.js';
import { KerasAdadelta } from '../ops/adadelta.js';
import type { ModelFiles } from '../artifacts/artifacts.js';
import { ImageFeeder } from '../data/batches.js';
import { baseFiles, baseOf, headFiles, headMetadata, headOf } from '../artifacts/bundle.js';
import { learningCurve, type CurvePoint } from '../training/curve.js';
import { selectClasses, type ClassSet, type Split } from '../data/dataset.js';
import { inputSpec, type Fit, type InputSpec } from '../data/input-shape.js';
import { finetune, type FinetuneMode, type FinetuneResult } from '../training/finetune.js';
import { buildModel, disposeModels } from '../model/model.js';
import { seededRandom } from '../data/random.js';
import type { FinetuneReport, PhaseReport, TransferReport } from './report.js';
import { ADADELTA } from '../seed.js';
import { formatSummary, summarize, type ModelSummary } from '../model/summary.js';
import { fit, type SetEvaluation, type TrainCallbacks } from '../training/train.js';
import { formatConfusion, perClassResults } from '../training/confusion.js';

export interface TransferOptions {
  pretrainClasses: number[];
  finetuneClasses: number[];
  epochs: number;
  finetuneEpochs: number;
  batchSize: number;
  seed: number;
  /** Fine-tune modes to run; the first one's head is saved, the others are measured for comparison. */
  finetuneModes: FinetuneMode[];
  /** Also measure the few-shot curve. */
  curve?: boolean;
  /** How the base will fit pictures to its input (default: the shape's, see defaultFit). */
  fit?: Fit;
  /** At most this many training images per phase. */
  limit?: number;
  maxFeatureBytes?: number;
}

export type Phase = 'pretrain' | 'finetune';

export interface TransferHooks {
  log(line: string): void;
  progress(phase: Phase): TrainCallbacks;
  signal?: AbortSignal;
}

/** The experiment's outputs, serialised and ready to be written by the runtime. */
export interface TransferResult {
  report: TransferReport;
  base: ModelFiles;
  heads: Partial<Record<Phase, ModelFiles>>;
}

const describeSets = (train: ClassSet, test: ClassSet) =>
  `classes ${train.names.join(',')}: ${train.count} train / ${test.count} test images`;

function logResult(hooks: TransferHooks, seconds: number, names: string[], score: SetEvaluation): void {
  hooks.log(`Training time: ${seconds.toFixed(1)} s`);
  hooks.log(`Test loss: ${score.loss.toFixed(4)}  Test accuracy: ${score.accuracy.toFixed(4)}`);
  hooks.log(`Confusion matrix on the test images:\n${formatConfusion(names, score.confusion)}`);
}

/** The test results a phase reports, per class included. */
const testReport = (classes: number[], score: SetEvaluation) => ({
  testLoss: score.loss,
  testAccuracy: score.accuracy,
  confusion: score.confusion,
  perClass: perClassResults(classes, score.confusion),
});

const phaseReport = (train: ClassSet, test: ClassSet, summary: ModelSummary) => ({
  classes: train.classes,
  classNames: train.names,
  trainSamples: train.count,
  testSamples: test.count,
  params: summary.params,
});

async function pretrain(model: tf.Sequential, train: ClassSet, test: ClassSet, options: TransferOptions, hooks: TransferHooks): Promise<PhaseReport> {
  const summary = summarize(model);
  hooks.log(`\nPretraining on ${describeSets(train, test)}`);
  hooks.log(formatSummary(summary));
  const optimizer = new KerasAdadelta(ADADELTA.learningRate, ADADELTA.rho, ADADELTA.epsilon);
  try {
    const validation = new ImageFeeder(test);
    const { epochs, validation: score } = await fit(
      model,
      new ImageFeeder(train),
      { epochs: options.epochs, batchSize: options.batchSize, optimizer, random: seededRandom(options.seed), validation, signal: hooks.signal },
      hooks.progress('pretrain'),
    );
    const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
    logResult(hooks, seconds, train.names, score!);
    return { ...phaseReport(train, test, summary), epochs, seconds, ...testReport(train.classes, score!) };
  } finally {
    optimizer.dispose();
  }
}

async function finetunePhase(
  base: tf.Sequential,
  mode: FinetuneMode,
  train: ClassSet,
  test: ClassSet,
  options: TransferOptions,
  hooks: TransferHooks,
): Promise<{ report: FinetuneReport; result: FinetuneResult }> {
  hooks.log(`\nFine-tuning (${mode} mode) on ${describeSets(train, test)}`);
  const result = await finetune(
    base,
    train,
    test,
    {
      mode,
      epochs: options.finetuneEpochs,
      batchSize: options.batchSize,
      seed: options.seed + 1,
      maxFeatureBytes: options.maxFeatureBytes,
      signal: hooks.signal,
      log: hooks.log,
    },
    hooks.progress('finetune'),
  );
  hooks.log(formatSummary(result.summary));
  const score = result.test!;
  logResult(hooks, result.seconds, train.names, score);
  return {
    result,
    report: {
      ...phaseReport(train, test, result.summary),
      mode,
      extractSeconds: result.extractSeconds,
      epochs: result.epochs,
      seconds: result.seconds,
      ...testReport(train.classes, score),
    },
  };
}

const phaseHeadMetadata = (
  name: Phase,
  report: PhaseReport,
  mode: FinetuneMode,
  base: { hash: string; input: InputSpec },
  options: TransferOptions,
  createdAt: string,
) =>
  headMetadata(
    { name, labels: report.classNames, baseHash: base.hash, input: base.input, createdAt },
    {
      mode,
      classes: report.classes,
      epochs: report.epochs.length,
      batchSize: options.batchSize,
      examples: report.trainSamples,
      learningRate: ADADELTA.learningRate,
      seed: options.seed,
    },
    { testLoss: report.testLoss, testAccuracy: report.testAccuracy, testSamples: report.testSamples },
  );

function logCurve(hooks: TransferHooks, curve: CurvePoint[]): void {
  hooks.log('\nFew-shot curve (cached features, fresh head per row):');
  hooks.log(' examples/class   train images   epochs   seconds   test accuracy');
  for (const p of curve) {
    hooks.log(
      ` ${String(p.examplesPerClass ?? 'all').padStart(14)}   ${String(p.trainSamples).padStart(12)}   ${String(p.epochs).padStart(6)}` +
        `   ${p.seconds.toFixed(1).padStart(7)}   ${(p.testAccuracy * 100).toFixed(2).padStart(12)}%`,
    );
  }
}

/**
 * The notebook's experiment, corrected: pretrain the whole CNN on one set of
 * classes, then train fresh classification layers for a disjoint set on the
 * frozen feature layers, and evaluate both. The new head does not start from
 * the pretrain head: its class meanings do not carry over. The caller checks
 * the class lists (checkClassLists) before it starts a backend.
 */
export async function runTransfer(
  data: Split,
  dataset: string,
  backend: BackendInfo,
  options: TransferOptions,
  hooks: TransferHooks,
): Promise<TransferResult> {
  const sets = (classes: number[]) => ({
    train: selectClasses(data.train, classes, options.limit),
    test: selectClasses(data.test, classes),
  });
  const pre = sets(options.pretrainClasses);
  const fine = sets(options.finetuneClasses);

  const input = inputSpec(data.train.shape, options.fit);
  const model = buildModel(pre.train.classes.length, options.seed, input);
  const base = baseOf(model);
  const owned: tf.LayersModel[] = [model];
  try {
    const pretrainReport = await pretrain(model, pre.train, pre.test, options, hooks);
    const runs: FinetuneReport[] = [];
    let saved: FinetuneResult | undefined;
    for (const mode of options.finetuneModes) {
      const { report, result } = await finetunePhase(base, mode, fine.train, fine.test, options, hooks);
      owned.push(result.head);
      runs.push(report);
      saved ??= result;
    }
    const curve = options.curve
      ? await learningCurve(base, fine.train, fine.test, {
          epochs: options.finetuneEpochs,
          batchSize: options.batchSize,
          seed: options.seed + 2,
          maxFeatureBytes: options.maxFeatureBytes,
          signal: hooks.signal,
        })
      : undefined;
    if (curve) logCurve(hooks, curve);

    const createdAt = new Date().toISOString();
    const baseArtifact = await baseFiles(base, { dataset, classes: options.pretrainClasses, createdAt, fit: input.fit });
    const { hash } = baseArtifact.metadata;
    const pretrainHead = headOf(model);
    const heads: TransferResult['heads'] = {
      pretrain: await headFiles(pretrainHead, phaseHeadMetadata('pretrain', pretrainReport, 'full', { hash, input }, options, createdAt)),
    };
    if (saved && !saved.baseChanged) {
      heads.finetune = await headFiles(saved.head, phaseHeadMetadata('finetune', runs[0], saved.mode, { hash, input }, options, createdAt));
    } else {
      hooks.log('\nThe full-mode head changed the feature layers, so it does not fit the saved base and is not saved.');
    }
    const report: TransferReport = {
      version: 1,
      backend,
      dataset: { name: dataset, trainSamples: data.train.count, testSamples: data.test.count, input },
      pretrain: pretrainReport,
      finetune: runs[0],
      ...(runs.length > 1 ? { finetuneModes: runs } : {}),
      ...(curve ? { curve } : {}),
      batchSize: options.batchSize,
      seed: options.seed,
      base: { hash },
      tfjs: tf.version.tfjs,
      createdAt,
    };
    return { report, base: baseArtifact.files, heads };
  } finally {
    disposeModels(owned);
  }
}
