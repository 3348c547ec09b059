import { z } from '@hono/zod-openapi';
import { IMAGE } from '../core/seed.js';
import { HEAD_NAME } from './head-store.js';
import { PIXELS, type Limits } from './limits.js';

const Pixel = z.number().min(0).max(1);

export const FlatImage = z.array(Pixel).length(PIXELS).openapi({ description: `${PIXELS} numbers in [0, 1], row-major, 1 = ink` });
export const RowsImage = z.array(z.array(Pixel).length(IMAGE.cols)).length(IMAGE.rows).openapi({ description: '28 rows of 28 numbers in [0, 1]' });
export const PngImage = z
  .object({ png: z.base64().openapi({ description: 'a PNG file, base64; any size, MNIST-style preprocessing' }) })
  .strict();

export const Image = z.union([FlatImage, RowsImage, PngImage]).openapi('Image');
export type ImageInput = z.infer<typeof Image>;

export const HeadName = z
  .string()
  .regex(HEAD_NAME, 'must be 1-64 letters, digits, "-" or "_"')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'finetune' });

export const NameParams = z.object({ name: HeadName });

export const predictBody = (limits: Limits) =>
  z
    .object({ images: z.array(Image).min(1).max(limits.maxPredictImages) })
    .strict()
    .openapi('PredictRequest');

export const Prediction = z
  .object({
    label: z.string(),
    confidence: z.number(),
    probabilities: z.record(z.string(), z.number()),
  })
  .openapi('Prediction');

export const PredictResponse = z
  .object({
    head: z.object({ name: z.string(), version: z.number().int() }),
    predictions: z.array(Prediction),
  })
  .openapi('PredictResponse');

export const trainBody = (limits: Limits) =>
  z
    .object({
      labels: z.array(z.string().min(1).max(64)).min(2).max(limits.maxLabels),
      examples: z
        .array(z.object({ image: Image, label: z.string() }).strict())
        .min(1)
        .max(limits.maxTrainExamples),
      epochs: z.number().int().min(1).max(limits.maxEpochs).optional(),
      batchSize: z.number().int().min(1).max(1024).optional(),
      learningRate: z.number().positive().max(100).optional(),
      validationSplit: z.number().min(0).max(0.5).optional(),
    })
    .strict()
    .openapi('TrainRequest');
export type TrainBody = z.infer<ReturnType<typeof trainBody>>;

export const EpochEvent = z
  .object({
    epoch: z.number().int(),
    loss: z.number(),
    accuracy: z.number(),
    valLoss: z.number().nullable(),
    valAccuracy: z.number().nullable(),
    seconds: z.number(),
  })
  .openapi('EpochEvent');

export const HeadVersionSchema = z
  .object({
    version: z.number().int(),
    createdAt: z.string(),
    labels: z.array(z.string()),
    metrics: z.record(z.string(), z.number()),
    training: z.record(z.string(), z.unknown()),
  })
  .openapi('HeadVersion');

export const HeadSchema = z
  .object({
    name: z.string(),
    version: z.number().int().openapi({ description: 'the version predictions use' }),
    labels: z.array(z.string()),
    metrics: z.record(z.string(), z.number()),
    createdAt: z.string(),
    baseHash: z.string(),
    versions: z.array(HeadVersionSchema),
  })
  .openapi('Head');

export const TrainResponse = z
  .object({
    head: HeadSchema,
    epochs: z.array(EpochEvent),
    extractSeconds: z.number(),
    seconds: z.number(),
  })
  .openapi('TrainResult');

export const RollbackBody = z
  .object({ version: z.number().int().min(1).optional() })
  .strict()
  .openapi('RollbackRequest');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const ModelSchema = z
  .object({
    hash: z.string(),
    inputShape: z.array(z.number()),
    featureSize: z.number(),
    layers: z.array(z.object({ name: z.string(), type: z.string(), outputShape: z.array(z.number().nullable()), params: z.number() })),
    params: z.object({ total: z.number(), trainable: z.number(), nonTrainable: z.number() }),
    dataset: z.string().optional(),
    classes: z.array(z.number()).optional(),
  })
  .openapi('BaseModel');

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    backend: z.object({ name: z.string(), simd: z.boolean(), threads: z.number(), kernels: z.enum(['simd', 'javascript']).optional() }),
    base: z.object({ hash: z.string() }),
  })
  .openapi('Health');
