import path from 'node:path';
import { Command, Option } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { checkClassList, classCounts, nameOf, presentLabels, selectClasses, selectPerClass } from '../../../core/data/dataset.js';
import { resolveClasses, splitList } from '../../../core/data/classes.js';
import { InputError } from '../../../core/errors.js';
import { finetune, type FinetuneMode } from '../../../core/training/finetune.js';
import { headFiles, headMetadata } from '../../../core/artifacts/bundle.js';
import { declaredInput, loadBase } from '../../../core/artifacts/loaded.js';
import { disposeModels } from '../../../core/model/model.js';
import { randomSeed, seededRandom } from '../../../core/data/random.js';
import { ADADELTA, FINETUNE_CLASSES, TRAINING } from '../../../core/seed.js';
import { formatSummary } from '../../../core/model/summary.js';
import { formatConfusion } from '../../../core/training/confusion.js';
import { HEAD_NAME } from '../../../service/head-store.js';
import { startNodeBackend } from '../backend.js';
import { FileHeadStore } from '../file-head-store.js';
import { interruptible } from '../interrupt.js';
import { DEFAULT_HEADS_DIR } from '../heads.js';
import { consoleLog, describeBackend, type Log } from '../log.js';
import { dataOptions, loadData, type DataFlags } from '../datasets.js';
import { layout, loadModelDir } from '../model-files.js';
import {
  backendOptions,
  finetuneModeOption,
  maxFeatureMbOption,
  positiveNumber,
  toBackendOptions,
  type BackendFlags,
} from '../options.js';
import { nonNegativeInt, positiveInt } from '../integer-args.js';
import { kerasProgress } from '../progress.js';
import { DEFAULT_OUT } from './transfer.js';

export interface FinetuneFlags extends BackendFlags, DataFlags {
  base: string;
  classes?: string[];
  name: string;
  examples?: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  finetuneMode: FinetuneMode[];
  seed?: number;
  heads: string;
  maxFeatureMb: number;
}

/** Trains a new head for --classes on the frozen base and stores it as a new version of --name. */
export async function runFinetune(flags: FinetuneFlags, log: Log = consoleLog): Promise<void> {
  if (!HEAD_NAME.test(flags.name)) throw new InputError(`--name "${flags.name}": use 1-64 letters, digits, '-' or '_'`);
  if (flags.finetuneMode.length !== 1) throw new InputError('--finetune-mode takes one mode here (compare modes with edgetune transfer)');
  const [mode] = flags.finetuneMode;
  const baseFiles = await loadModelDir(flags.base);
  const seed = flags.seed ?? randomSeed();
  const shape = declaredInput(baseFiles, flags.base);
  const { data } = await loadData(flags, shape, seed, log);
  const present = presentLabels(data.train);
  // Default: the seed's 0-4 for IDX data, every class of an image folder.
  const classes = flags.classes ? resolveClasses('--classes', flags.classes, data.train) : data.train.names ? present : [...FINETUNE_CLASSES];
  checkClassList('--classes', classes, present, (label) => nameOf(data.train, label));

  const backend = await startNodeBackend(toBackendOptions(flags), log.warn);
  log.info(`Backend: ${describeBackend(backend)}`);
  const base = await loadBase(baseFiles, flags.base);
  const train = flags.examples
    ? selectPerClass(data.train, classes, flags.examples, seededRandom(seed))
    : selectClasses(data.train, classes);
  const test = selectClasses(data.test, classes);
  log.info(`Head "${flags.name}" on base ${base.hash.slice(0, 12)}: classes ${train.names.join(',')}, ` +
    `${train.count} train images (${classCounts(train).join('/')} per class), ${test.count} test images; seed ${seed}`);

  let head: tf.Sequential | undefined;
  try {
    await interruptible(log, async (signal) => {
      const result = await finetune(
        base.model as tf.Sequential,
        train,
        test,
        { mode, epochs: flags.epochs, batchSize: flags.batchSize, learningRate: flags.learningRate, seed, maxFeatureBytes: flags.maxFeatureMb * 2 ** 20, signal, log: log.info },
        kerasProgress(),
      );
      head = result.head;
      const score = result.test!;
      log.info(formatSummary(result.summary));
      log.info(`Training time: ${result.seconds.toFixed(1)} s (features ${result.extractSeconds.toFixed(1)} s)`);
      log.info(`Test loss: ${score.loss.toFixed(4)}  Test accuracy: ${score.accuracy.toFixed(4)}`);
      log.info(`Confusion matrix on the test images:\n${formatConfusion(train.names, score.confusion)}`);
      if (result.baseChanged) {
        log.info('Full mode changed the feature layers, so this head does not fit the base; nothing was saved.');
        return;
      }
      const metadata = headMetadata(
        { name: flags.name, labels: train.names, baseHash: base.hash, input: base.input, createdAt: new Date().toISOString() },
        {
          mode,
          classes,
          epochs: result.epochs.length,
          batchSize: flags.batchSize,
          examples: train.count,
          examplesPerClass: flags.examples ?? null,
          learningRate: flags.learningRate,
          seed,
          extractSeconds: result.extractSeconds,
          seconds: result.seconds,
        },
        { testLoss: score.loss, testAccuracy: score.accuracy, testSamples: test.count },
      );
      const stored = await new FileHeadStore(flags.heads).put(flags.name, await headFiles(result.head, metadata), metadata);
      log.info(`Saved head "${flags.name}" version ${stored.version} in ${flags.heads}`);
    });
  } finally {
    disposeModels([base.model, ...(head ? [head] : [])]);
  }
}

export const finetuneCommand = () => {
  const cmd = new Command('finetune')
    .description('Train a new classification head on the frozen base for some classes and store it under a name')
    .option('--base <dir>', 'base model directory', layout(DEFAULT_OUT).base)
    .addOption(
      new Option('--classes <list>', `classes of the new head: labels, or class folder names (default: ${FINETUNE_CLASSES.join(',')} for IDX data, every class of an image folder)`).argParser(
        splitList,
      ),
    )
    .requiredOption('--name <name>', 'head name (letters, digits, - and _, at most 64)')
    .option('--examples <n>', 'at most N training examples per class, drawn with --seed (default: all)', positiveInt)
    .option('--epochs <n>', 'epochs', positiveInt, TRAINING.epochs)
    .option('--learning-rate <x>', 'Adadelta learning rate', positiveNumber, ADADELTA.learningRate)
    .option('--batch-size <n>', 'batch size', positiveInt, TRAINING.batchSize)
    .addOption(finetuneModeOption())
    .option('--seed <n>', 'seed for sampling, initialisation and shuffling (default: random, printed)', nonNegativeInt)
    .option('--heads <dir>', 'head store directory', DEFAULT_HEADS_DIR)
    .addOption(maxFeatureMbOption());
  for (const option of [...dataOptions(), ...backendOptions()]) cmd.addOption(option);
  return cmd.action(async (flags: FinetuneFlags) => {
    await runFinetune({ ...flags, heads: path.normalize(flags.heads) });
  });
};
