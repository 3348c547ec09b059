import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { checkClassLists, nameOf, presentLabels, type ImageSet } from '../../../core/data/dataset.js';
import { resolveClasses, splitList } from '../../../core/data/classes.js';
import { describeShape, FITS, inputSpec, SEED_SHAPE, type Fit, type InputShape } from '../../../core/data/input-shape.js';
import { InputError } from '../../../core/errors.js';
import { randomSeed } from '../../../core/data/random.js';
import { FINETUNE_CLASSES, PRETRAIN_CLASSES, TRAINING } from '../../../core/seed.js';
import type { FinetuneMode } from '../../../core/training/finetune.js';
import { runTransfer, type TransferResult } from '../../../core/experiment/transfer.js';
import { writeFileAtomic } from '../atomic.js';
import { startNodeBackend } from '../backend.js';
import { interruptible } from '../interrupt.js';
import { consoleLog, describeBackend, type Log } from '../log.js';
import { dataOptions, loadData, type DataFlags } from '../datasets.js';
import { layout, saveModelDir } from '../model-files.js';
import {
  backendOptions,
  finetuneModeOption,
  inputShapeArg,
  maxFeatureMbOption,
  toBackendOptions,
  type BackendFlags,
} from '../options.js';
import { nonNegativeInt, positiveInt } from '../integer-args.js';
import { kerasProgress } from '../progress.js';

export interface TransferFlags extends BackendFlags, DataFlags {
  inputShape: InputShape;
  fit?: Fit;
  pretrainClasses?: string[];
  finetuneClasses?: string[];
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
  const seed = flags.seed ?? randomSeed();
  const input = inputSpec(flags.inputShape, flags.fit);
  const { data, name: dataset, dir } = await loadData(flags, input, seed, log);
  const { pretrainClasses, finetuneClasses } = transferClasses(flags, data.train);

  const backend = await startNodeBackend(toBackendOptions(flags), log.warn);
  log.info(`Backend: ${describeBackend(backend)}`);
  log.info(
    `Dataset: ${dataset} (${data.train.count} train / ${data.test.count} test images of ${describeShape(data.train.shape)} from ${dir}); seed ${seed}`,
  );

  return interruptible(log, async (signal) => {
    const progress = kerasProgress();
    const result = await runTransfer(
      data,
      dataset,
      backend,
      {
        pretrainClasses,
        finetuneClasses,
        fit: input.fit,
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

/**
 * The two class lists as labels, checked (the experiment's one check, before
 * the backend starts). Defaults: the seed's 5-9 and 0-4 for IDX data; for
 * image folders the later half of the sorted classes and the earlier half,
 * which is the same split for folders named 0 to 9.
 */
function transferClasses(flags: TransferFlags, train: ImageSet): { pretrainClasses: number[]; finetuneClasses: number[] } {
  const present = presentLabels(train);
  const half = Math.floor(present.length / 2);
  const pretrainClasses = flags.pretrainClasses
    ? resolveClasses('--pretrain-classes', flags.pretrainClasses, train)
    : train.names ? present.slice(half) : [...PRETRAIN_CLASSES];
  const finetuneClasses = flags.finetuneClasses
    ? resolveClasses('--finetune-classes', flags.finetuneClasses, train)
    : train.names ? present.slice(0, half) : [...FINETUNE_CLASSES];
  checkClassLists(pretrainClasses, finetuneClasses, present, (label) => nameOf(train, label));
  return { pretrainClasses, finetuneClasses };
}

const classOption = (flags: string, description: string, classes: readonly number[]) =>
  new Option(flags, `${description} (default: ${classes.join(',')} for IDX data; for image folders, the ${flags.startsWith('--pretrain') ? 'later' : 'earlier'} half of the class folders)`).argParser(splitList);

export const transferOptions = (cmd: Command): Command => {
  for (const option of dataOptions()) cmd.addOption(option);
  cmd
    .addOption(
      new Option('--input-shape <RxCxC>', 'the base\'s input: rows x columns x channels (1 gray, 3 RGB); image folders are converted to it')
        .argParser(inputShapeArg)
        .default(SEED_SHAPE, describeShape(SEED_SHAPE)),
    )
    .addOption(
      new Option('--fit <how>', 'how pictures become input: digit (MNIST-style: ink found, cropped, centred; 28x28x1 only) or resize (the whole picture)')
        .choices(FITS)
        .default(undefined, 'digit for 28x28x1, else resize'),
    )
    .addOption(classOption('--pretrain-classes <list>', 'classes to pretrain on: labels, or class folder names', PRETRAIN_CLASSES))
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
