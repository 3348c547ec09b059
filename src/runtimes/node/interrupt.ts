import { InputError } from '../../core/errors.js';
import { TrainingStopped } from '../../core/training/train.js';
import type { Log } from './log.js';

/**
 * Runs long work that Ctrl-C stops cleanly: the first SIGINT aborts the
 * signal (training stops after its current step, nothing is written), a
 * second one quits at once.
 */
export async function interruptible<T>(log: Log, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    log.warn('stopping after this step (Ctrl-C again to quit at once); nothing will be written');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } catch (err) {
    if (err instanceof TrainingStopped) throw new InputError('stopped by Ctrl-C; nothing was written');
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
