import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_FEATURE_BYTES } from '../../core/training/features.js';
import { FINETUNE_MODES, type FinetuneMode } from '../../core/training/finetune.js';
import { positiveInt } from './integer-args.js';
import { parseShape, type InputShape } from '../../core/data/input-shape.js';
import { BACKENDS, defaultThreads, type BackendName, type NodeBackendOptions } from './backend.js';

/** "32x32x3" → the shape, for --input-shape. */
export function inputShapeArg(value: string): InputShape {
  try {
    return parseShape(value, 'shape');
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message.replace(/^shape: /, '')}.`);
  }
}

export const backendOptions = () => [
  new Option('--backend <name>', 'tfjs backend (tensorflow needs @tensorflow/tfjs-node installed)').choices(BACKENDS).default('wasm'),
  new Option('--threads <n>', 'wasm threads').argParser(positiveInt).default(defaultThreads(), 'all cores'),
  new Option('--no-simd', 'use the wasm binary without SIMD'),
];

export interface BackendFlags {
  backend: BackendName;
  threads: number;
  simd: boolean;
}

export const toBackendOptions = (flags: BackendFlags): NodeBackendOptions => ({
  backend: flags.backend,
  threads: flags.threads,
  simd: flags.simd,
});

/** "cached,frozen" → ['cached', 'frozen']; the first is the one whose head is kept. */
export function modeList(value: string): FinetuneMode[] {
  const modes = value.split(',').map((s) => s.trim());
  const bad = modes.filter((m) => !(FINETUNE_MODES as readonly string[]).includes(m));
  if (bad.length || new Set(modes).size !== modes.length) {
    throw new InvalidArgumentError(`must be one or more of ${FINETUNE_MODES.join(', ')}, comma-separated, without repeats.`);
  }
  return modes as FinetuneMode[];
}

export const finetuneModeOption = () =>
  new Option(
    '--finetune-mode <modes>',
    'cached (features once, head only), frozen (whole net per step, features frozen) or full (nothing frozen); ' +
      'a comma list runs each for comparison and keeps the first',
  )
    .argParser(modeList)
    .default(['cached'], 'cached');

export const maxFeatureMbOption = () =>
  new Option('--max-feature-mb <n>', 'memory bound for cached features, in MiB').argParser(positiveInt).default(DEFAULT_MAX_FEATURE_BYTES / 2 ** 20);

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

/** A TCP port; 0 asks the OS for a free one. */
export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535).');
  return n;
}
