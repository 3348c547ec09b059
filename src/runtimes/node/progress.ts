import cliProgress from 'cli-progress';
import type { EpochLog, Evaluation, TrainCallbacks } from '../../core/training/train.js';

const metrics = (r: Evaluation) => `accuracy: ${r.accuracy.toFixed(4)} - loss: ${r.loss.toFixed(4)}`;
const valMetrics = (l: EpochLog) =>
  Number.isNaN(l.valLoss) ? '' : ` - val_accuracy: ${l.valAccuracy.toFixed(4)} - val_loss: ${l.valLoss.toFixed(4)}`;

/** How often a pipe gets a progress line during an epoch (fractions of the epoch). */
const PIPE_MARKS = [0.25, 0.5, 0.75];

/**
 * Keras-style progress: "Epoch 1/5" then, per step, steps done, elapsed,
 * ms/step, running accuracy and loss; at the end of the epoch the validation
 * metrics. A live bar on a TTY; plain lines (a few per epoch) in a pipe.
 */
export function kerasProgress(stream: NodeJS.WriteStream = process.stdout): TrainCallbacks {
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  let steps = 0;
  let step = 0;
  let running: Evaluation = { loss: NaN, accuracy: NaN };
  let nextMark = 0;
  const elapsed = () => (performance.now() - started) / 1000;
  const perStep = (seconds = elapsed()) => `${Math.round((seconds * 1000) / Math.max(step, 1))}ms/step`;
  const line = (text: string) => stream.write(`${text}\n`);

  return {
    onEpochBegin(epoch, epochs, n) {
      line(`Epoch ${epoch}/${epochs}`);
      started = performance.now();
      steps = n;
      step = 0;
      nextMark = 0;
      if (tty) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: (_options, params, payload) =>
              `${params.value}/${params.total} ${'━'.repeat(Math.round(params.progress * 20)).padEnd(20, '─')} ${payload.text}`,
            hideCursor: true,
            clearOnComplete: true,
            fps: 10,
          },
          cliProgress.Presets.rect,
        );
        bar.start(n, 0, { text: '' });
      }
    },
    onBatchEnd(s, r) {
      step = s;
      running = r;
      const text = `${Math.round(elapsed())}s ${perStep()} - ${metrics(r)}`;
      if (bar) {
        bar.update(s, { text });
      } else if (nextMark < PIPE_MARKS.length && s >= PIPE_MARKS[nextMark] * steps) {
        while (nextMark < PIPE_MARKS.length && s >= PIPE_MARKS[nextMark] * steps) nextMark++;
        line(`${s}/${steps} ${text}`);
      }
    },
    onEpochEnd(log) {
      bar?.stop();
      bar = undefined;
      line(`${steps}/${steps} ${Math.round(log.seconds)}s ${perStep(log.seconds)} - ${metrics(running)}${valMetrics(log)}`);
    },
  };
}

/** A bar counting `what` (images read, ...) on a TTY; silent in a pipe, where the caller logs the total. */
export function countProgress(what: string, stream: NodeJS.WriteStream = process.stderr) {
  let bar: cliProgress.SingleBar | undefined;
  return {
    update: (done: number, total: number) => {
      if (stream.isTTY !== true) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ stream, format: `{value}/{total} ${what} {bar} {percentage}%`, hideCursor: true, clearOnComplete: true, fps: 10 }, cliProgress.Presets.rect);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}
