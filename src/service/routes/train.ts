import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { TrainingStopped, type EpochLog } from '../../core/train.js';
import { randomSeed } from '../../core/random.js';
import type { RouteContext } from '../context.js';
import { imagesToPixels } from '../images.js';
import { requireContentType } from '../middleware.js';
import { Problem, validationProblem, type FieldError } from '../problem.js';
import { EpochEvent, NameParams, ProblemSchema, TrainResponse, trainBody, type TrainBody } from '../schemas.js';
import { trainHead } from '../train-head.js';
import { headView } from './heads.js';

const problem = (description: string) => ({ content: { 'application/problem+json': { schema: ProblemSchema } }, description });

const epochEvent = (e: EpochLog) => ({
  epoch: e.epoch,
  loss: e.loss,
  accuracy: e.accuracy,
  valLoss: Number.isNaN(e.valLoss) ? null : e.valLoss,
  valAccuracy: Number.isNaN(e.valAccuracy) ? null : e.valAccuracy,
  seconds: e.seconds,
});

/** What zod cannot see: labels unique, every example's label known, every label with an example, the work bounded. */
function checkSemantics(body: TrainBody, maxWork: number): void {
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
  if (body.epochs !== undefined && body.epochs * body.examples.length > maxWork) {
    errors.push({ field: 'epochs', message: `epochs x examples = ${body.epochs * body.examples.length} is over this server's limit of ${maxWork}` });
  }
  if (errors.length) throw validationProblem(errors);
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
        `Without "epochs", small example sets get at least 200 steps.`,
      security: [{ bearer: [] }],
      middleware: [ctx.auth, ctx.bodyLimit, requireContentType('application/json')] as const,
      request: { params: NameParams, body: { content: { 'application/json': { schema: trainBody(deps.limits) } }, required: true } },
      responses: {
        200: {
          content: {
            'application/json': { schema: TrainResponse },
            'text/event-stream': { schema: EpochEvent.openapi({ description: 'event: epoch | done | error' }) },
          },
          description: 'the trained head',
        },
        401: problem('missing or bad token'),
        409: problem('another training job is running'),
        413: problem('body too large'),
        415: problem('not JSON'),
        422: problem('invalid examples or settings'),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      checkSemantics(body, deps.limits.maxTrainWork);
      const pixels = imagesToPixels(
        body.examples.map((e) => e.image),
        (i) => `examples[${i}].image`,
        deps.limits,
      );
      const release = ctx.gate.tryAcquire(name, deps.clock().getTime());
      if (!release) {
        const running = ctx.gate.current!;
        throw new Problem(409, 'training-busy', `a training job (head "${running.name}") is running; one runs at a time`, undefined, { 'Retry-After': '5' });
      }
      const base = await deps.base().catch((err) => {
        release();
        throw err;
      });
      const job = {
        name,
        body,
        pixels,
        seed: deps.seed?.() ?? randomSeed(),
        createdAt: () => deps.clock().toISOString(),
        pause: deps.pause,
      };
      if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
        const controller = new AbortController();
        return streamSSE(c, async (stream) => {
          stream.onAbort(() => controller.abort());
          try {
            const result = await trainHead(base, deps.heads, {
              ...job,
              signal: controller.signal,
              onEpoch: (e) => void stream.writeSSE({ event: 'epoch', data: JSON.stringify(epochEvent(e)) }),
            });
            const record = (await deps.heads.get(name))!;
            await stream.writeSSE({
              event: 'done',
              data: JSON.stringify({ head: headView(record), version: result.version.version, extractSeconds: result.extractSeconds, seconds: result.seconds }),
            });
          } catch (err) {
            if (!(err instanceof TrainingStopped)) {
              const p = err instanceof Problem ? err : new Problem(500, 'internal', 'training failed');
              await stream.writeSSE({ event: 'error', data: JSON.stringify(p.body()) });
            }
          } finally {
            release();
          }
        });
      }
      try {
        const result = await trainHead(base, deps.heads, job);
        const record = (await deps.heads.get(name))!;
        return c.json({ head: headView(record), epochs: result.epochs.map(epochEvent), extractSeconds: result.extractSeconds, seconds: result.seconds }, 200);
      } finally {
        release();
      }
    },
  );
}
