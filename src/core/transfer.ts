import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend/backend-info.js';
import { KerasAdadelta } from './adadelta.js';
import { baseFiles, baseOf, headFiles, headOf, type HeadMetadata } from './bundle.js';
import type { ModelFiles } from './artifacts.js';
import { checkClassLists, presentLabels, selectClasses, type ClassSet, type Split } from './dataset.js';
import { buildModel, classifierLayers, disposeModels } from './model.js';
import { seededRandom } from './random.js';
import type { PhaseReport, TransferReport } from './report.js';
import { ADADELTA } from './seed.js';
import { formatSummary, summarize } from './summary.js';
import { evaluate, fit, type TrainCallbacks } from './train.js';

export interface TransferOptions {
  pretrainClasses: number[];
  finetuneClasses: number[];
  epochs: number;
  finetuneEpochs: number;
  batchSize: number;
  seed: number;
  /** At most this many training images per phase. */
  limit?: number;
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
  heads: Record<Phase, ModelFiles>;
}

const PHASE_TITLE: Record<Phase, string> = { pretrain: 'Pretraining', finetune: 'Fine-tuning (feature layers frozen)' };

async function trainPhase(
  phase: Phase,
  model: tf.LayersModel,
  train: ClassSet,
  test: ClassSet,
  epochs: number,
  options: TransferOptions,
  hooks: TransferHooks,
): Promise<PhaseReport> {
  const summary = summarize(model);
  hooks.log(`\n${PHASE_TITLE[phase]} on classes ${train.classes.join(',')}: ${train.count} train / ${test.count} test images`);
  hooks.log(formatSummary(summary));
  const optimizer = new KerasAdadelta(ADADELTA.learningRate, ADADELTA.rho, ADADELTA.epsilon);
  try {
    const started = performance.now();
    const logs = await fit(
      model,
      train,
      { epochs, batchSize: options.batchSize, optimizer, random: seededRandom(options.seed + (phase === 'pretrain' ? 0 : 1)), validation: test, signal: hooks.signal },
      hooks.progress(phase),
    );
    const seconds = (performance.now() - started) / 1000;
    const score = await evaluate(model, test);
    hooks.log(`Training time: ${seconds.toFixed(1)} s`);
    hooks.log(`Test loss: ${score.loss.toFixed(4)}  Test accuracy: ${score.accuracy.toFixed(4)}`);
    return {
      classes: train.classes,
      trainSamples: train.count,
      testSamples: test.count,
      params: summary.params,
      epochs: logs,
      seconds,
      testLoss: score.loss,
      testAccuracy: score.accuracy,
    };
  } finally {
    optimizer.dispose();
  }
}

function headMetadata(name: Phase, report: PhaseReport, baseHash: string, options: TransferOptions, epochs: number, createdAt: string): HeadMetadata {
  return {
    kind: 'head',
    name,
    labels: report.classes.map(String),
    baseHash,
    training: {
      mode: name === 'pretrain' ? 'full' : 'frozen',
      classes: report.classes,
      epochs,
      batchSize: options.batchSize,
      examples: report.trainSamples,
      optimizer: { name: 'adadelta', ...ADADELTA },
      seed: options.seed,
    },
    metrics: { testLoss: report.testLoss, testAccuracy: report.testAccuracy, testSamples: report.testSamples },
    createdAt,
  };
}

/**
 * The notebook's experiment, corrected: pretrain the whole CNN on one set of
 * classes, freeze the feature layers, train fresh classification layers on a
 * disjoint set, and evaluate both. The fine-tune head starts from fresh
 * weights: the pretrain head's class meanings do not carry over.
 */
export async function runTransfer(
  data: Split,
  dataset: string,
  backend: BackendInfo,
  options: TransferOptions,
  hooks: TransferHooks,
): Promise<TransferResult> {
  checkClassLists(options.pretrainClasses, options.finetuneClasses, presentLabels(data.train));
  const sets = (classes: number[]) => ({
    train: selectClasses(data.train, classes, options.limit),
    test: selectClasses(data.test, classes),
  });
  const pre = sets(options.pretrainClasses);
  const fine = sets(options.finetuneClasses);

  // Layers are shared between these models; each model holds a reference
  // to its layers' weights, so all of them are disposed at the end.
  const model = buildModel(pre.train.classes.length, options.seed);
  const baseModel = baseOf(model);
  const finetuneModel = tf.sequential({
    name: 'sequential_finetune',
    layers: [...baseModel.layers, ...classifierLayers(fine.train.classes.length, options.seed + 100)],
  });
  const models: tf.LayersModel[] = [model, baseModel, finetuneModel];
  try {
    const pretrain = await trainPhase('pretrain', model, pre.train, pre.test, options.epochs, options, hooks);
    baseModel.layers.forEach((layer) => {
      layer.trainable = false;
    });
    const finetune = await trainPhase('finetune', finetuneModel, fine.train, fine.test, options.finetuneEpochs, options, hooks);

    const createdAt = new Date().toISOString();
    const base = await baseFiles(baseModel, { dataset, classes: options.pretrainClasses, createdAt });
    const hash = base.metadata.hash;
    const pretrainHead = headOf(model);
    const finetuneHead = headOf(finetuneModel);
    models.push(pretrainHead, finetuneHead);
    const heads = {
      pretrain: await headFiles(pretrainHead, headMetadata('pretrain', pretrain, hash, options, options.epochs, createdAt)),
      finetune: await headFiles(finetuneHead, headMetadata('finetune', finetune, hash, options, options.finetuneEpochs, createdAt)),
    };
    const report: TransferReport = {
      version: 1,
      backend,
      dataset: { name: dataset, trainSamples: data.train.count, testSamples: data.test.count },
      pretrain,
      finetune,
      batchSize: options.batchSize,
      seed: options.seed,
      base: { hash },
      tfjs: tf.version.tfjs,
      createdAt,
    };
    return { report, base: base.files, heads };
  } finally {
    disposeModels(models);
  }
}
