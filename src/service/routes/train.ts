import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { TrainingStopped, type EpochLog } from '../../core/training/train.js';
import { randomSeed } from '../../core/data/random.js';
import type { RouteContext } from '../context.js';
import { imagesToPixels } from '../images.js';
import type { Limits } from '../limits.js';
import { requireContentType } from '../middleware.js';
import { Problem, validationProblem, type FieldError } from '../problem.js';
import { problemResponses } from '../problem-schema.js';
import { EpochEvent, NameParams, TrainDoneEvent, TrainResponse, trainBody, type TrainBody } from '../schemas.js';
import { trainHead, trainingPlan } from '../train-head.js';
import { headView } from './heads.js';

const epochEvent = (e: EpochLog) => ({
  epoch: e.epoch,
  loss: e.loss,
  accuracy: e.accuracy,
  valLoss: Number.isNaN(e.valLoss) ? null : e.valLoss,
  valAccuracy: Number.isNaN(e.valAccuracy) ? null : e.valAccuracy,
  seconds: e.seconds,
});

/** What zod cannot see: labels unique, every example's label known, every label with an example, the work bounded. */
function checkSemantics(body: TrainBody, limits: Limits): void {
  const errors: FieldError[] = [];
  body.labels.forEach((label, i) => {
    if (body.labels.indexOf(label) !== i) errors.push({ field: `labels[${i}]`, message: `duplicate label "${label}"` });
  });
  const known = new Set(body.labels);
  const seen = new Set<string>();
  body.examples.forEach((e, i) => {
    if (!known.has(e.label)) errors.push({ field: `examples[${i}].label`, message: `"${e.label}" is not one of labels` });
    seen.add(e.label);
  });
  body.labels.forEach((label, i) => {
    if (!seen.has(label) && body.labels.indexOf(label) === i) errors.push({ field: `labels[${i}]`, message: `no example has label "${label}"` });
  });
  const plan = trainingPlan(body);
  const work = plan.epochsRun * body.examples.length;
  if (work > limits.maxTrainWork) {
    errors.push({ field: 'epochs', message: `epochs x examples = ${work} is over this server's limit of ${limits.maxTrainWork}` });
  } else if (plan.steps > limits.maxTrainSteps) {
    const field = body.batchSize !== undefined ? 'batchSize' : 'epochs';
    errors.push({ field, message: `${plan.epochsRun} epochs of batches of ${plan.batchSize} make ${plan.steps} steps, over this server's limit of ${limits.maxTrainSteps}` });
  }
  if (errors.length) throw validationProblem(errors);
}

/** Aborts when any of `signals` does. */
function anyOf(...signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort();
    else s.addEventListener('abort', () => controller.abort(), { once: true });
  }
  return controller.signal;
}

export function trainRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { deps } = ctx;
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/heads/{name}/train',
      tags: ['train'],
      summary: 'Train a head on the frozen base (cached features) and store it as the next version',
      description:
        'With Accept: text/event-stream, streams an `epoch` event per epoch and a final `done` event ' +
        '(or `error`, a problem). Otherwise answers when done. One training job runs at a time; ' +
        'another is refused with 409 and Retry-After. The new version serves only once completely stored. ' +
        'A client that disconnects, streaming or not, stops its job: nothing is stored. ' +
        `Without "epochs", small example sets get at least 200 steps; at most ${deps.limits.maxTrainSteps} steps in all. ` +
        'With validationSplit > 0, the response and the done event carry `validation`: loss, accuracy, per-class accuracy ' +
        'and a confusion matrix on the held-out examples (absent when nothing is held out).',
      security: [{ bearer: [] }],
      middleware: [ctx.auth, ctx.bodyLimit, requireContentType(['application/json'])] as const,
      request: { params: NameParams, body: { content: { 'application/json': { schema: trainBody(deps.limits) } }, required: true } },
      responses: {
        200: {
          content: {
            'application/json': { schema: TrainResponse },
            'text/event-stream': {
              schema: z.union([EpochEvent, TrainDoneEvent]).openapi({ description: 'event: epoch (EpochEvent) | done (TrainDoneEvent) | error (a problem)' }),
            },
          },
          description: 'the trained head',
        },
        ...problemResponses({ 401: 'missing or bad token', 409: 'another training job is running', 413: 'body too large', 415: 'not JSON', 422: 'invalid examples or settings' }),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      checkSemantics(body, deps.limits);
      const base = await deps.base();
      const pixels = await imagesToPixels(
        body.examples.map((e) => e.image),
        (i) => `examples[${i}].image`,
        base.input,
        ctx.decoding,
      );
      const lease = ctx.gate.tryAcquire(name, Date.now());
      if (!lease) {
        const running = ctx.gate.current(Date.now())!;
        throw new Problem(409, 'training-busy', `a training job (head "${running.name}") is running; one runs at a time`, undefined, { 'Retry-After': '5' });
      }
      const stopped = new AbortController();
      const job = {
        name,
        body,
        pixels,
        seed: deps.seed?.() ?? randomSeed(),
        createdAt: () => deps.clock().toISOString(),
        signal: anyOf(c.req.raw.signal, stopped.signal),
        pause: () => {
          lease.touch(Date.now());
          return deps.pause();
        },
      };
      const run = async (onEpoch?: (e: EpochLog) => void) => {
        try {
          const result = await trainHead(base, deps.heads, { ...job, onEpoch });
          return { result, record: (await deps.heads.get(name))! };
        } finally {
          lease.release();
        }
      };
      if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
        return streamSSE(c, async (stream) => {
          // Released here too: in workerd a dropped stream's request may never run again.
          stream.onAbort(() => {
            stopped.abort();
            lease.release();
          });
          try {
            // A write that fails means the client is gone: stop, as on abort (and never leave the rejection unhandled, which workerd punishes by dropping the request).
            const { result, record } = await run((e) => void stream.writeSSE({ event: 'epoch', data: JSON.stringify(epochEvent(e)) }).catch(() => stopped.abort()));
            await stream.writeSSE({
              event: 'done',
              data: JSON.stringify({
                head: headView(record),
                version: result.version.version,
                extractSeconds: result.extractSeconds,
                seconds: result.seconds,
                // Undefined, so left out of the JSON, when nothing was held out.
                validation: result.validation,
              }),
            });
          } catch (err) {
            if (err instanceof TrainingStopped) return;
            const p = ctx.problemOf(err);
            await stream.writeSSE({ event: 'error', data: JSON.stringify(p.body()) }).catch(() => undefined);
          }
        });
      }
      const { result, record } = await run();
      return c.json(
        { head: headView(record), epochs: result.epochs.map(epochEvent), extractSeconds: result.extractSeconds, seconds: result.seconds, validation: result.validation },
        200,
      );
    },
  );
}
