import { z } from '@hono/zod-openapi';
import { HEAD_NAME } from './head-store.js';
import { FITS } from '../core/data/input-shape.js';
import type { Limits } from './limits.js';
import { checkImages } from './validation.js';

/**
 * One image: numbers in [0, 1] for the base's input shape (784, or 28 rows
 * of 28, for the seed's 28x28x1), or an encoded file as
 * {"png": base64}, {"jpeg": base64} or {"image": base64} (sniffed). Its
 * contents are checked by the list that holds it (checkImages), which stops
 * after the first few problems; the schema below is what the OpenAPI
 * document shows.
 */
const pixels = { type: 'number', minimum: 0, maximum: 1 } as const;
const ENCODED = {
  png: 'a PNG file of any size, converted to the base\'s input shape (MNIST-style digits for 28x28x1, else resized)',
  jpeg: 'a JPEG file (baseline or progressive, gray or colour; EXIF orientation is ignored) of any size, converted as a PNG is',
  image: 'a PNG or JPEG file, told apart by its first bytes',
};
export const Image = (z.unknown() as z.ZodType<ImageInput>).openapi('Image', {
  oneOf: [
    {
      type: 'array',
      items: pixels,
      description: 'rows x cols x channels numbers in [0, 1] for the base\'s input shape (GET /v1/model: inputShape), row-major, channels interleaved; 784 for the seed\'s 28x28x1, 1 = ink',
    },
    {
      type: 'array',
      items: { type: 'array', items: pixels },
      description: 'rows lists of cols x channels numbers in [0, 1] (28 rows of 28 for the seed\'s 28x28x1)',
    },
    ...(['png', 'jpeg', 'image'] as const).map((key) => ({
      type: 'object' as const,
      properties: { [key]: { type: 'string' as const, contentEncoding: 'base64', description: ENCODED[key] } },
      required: [key],
      additionalProperties: false,
    })),
  ],
});
export type ImageInput = number[] | number[][] | { png: string } | { jpeg: string } | { image: string };

export const HeadName = z
  .string()
  .regex(HEAD_NAME, 'must be 1-64 letters, digits, "-" or "_"')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'finetune' });

export const NameParams = z.object({ name: HeadName });

export const VersionQuery = z.object({
  // Digits only: Number() would also take "0x1", "+1" and "1.0" for 1.
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a version number: 1, 2, 3, ...')
    .transform(Number)
    .optional()
    .openapi({
      param: { name: 'version', in: 'query' },
      description: 'exactly this version (as a train response named it), never an older one; default: the current version as this server last knew it',
      example: '3',
    }),
});

export const predictBody = (limits: Limits) =>
  z
    .object({ images: z.array(Image).min(1).max(limits.maxPredictImages).superRefine(checkImages((image) => image, (i) => [i])) })
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
        .max(limits.maxTrainExamples)
        .superRefine(checkImages((example) => example.image, (i) => [i, 'image'])),
      epochs: z.number().int().min(1).max(limits.maxEpochs).optional(),
      batchSize: z.number().int().min(1).max(1024).optional(),
      learningRate: z.number().positive().max(100).optional(),
      validationSplit: z
        .number()
        .min(0)
        .max(0.5)
        .optional()
        .openapi({ description: "share of each label's examples held out to validate the head (never a label's last example)" }),
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
    input: z
      .object({ rows: z.number().int(), cols: z.number().int(), channels: z.number().int(), fit: z.enum(FITS) })
      .optional()
      .openapi({ description: 'the images it takes: its base\'s input shape and fit (absent for heads saved before shapes were a choice: 28x28x1, digit)' }),
    versions: z.array(HeadVersionSchema),
  })
  .openapi('Head');

export const HeldOutSchema = z
  .object({
    examples: z.number().int().openapi({ description: 'held-out examples (validationSplit of the body), never trained on' }),
    loss: z.number(),
    accuracy: z.number(),
    labels: z.array(z.string()).openapi({ description: 'the order of confusion rows and columns and of perClass' }),
    confusion: z.array(z.array(z.number().int())).openapi({ description: 'confusion[t][p]: held-out examples of labels[t] predicted as labels[p]' }),
    perClass: z.array(
      z.object({
        class: z.string(),
        accuracy: z.number().nullable().openapi({ description: 'share of its held-out examples predicted right (recall); null when none was held out' }),
        examples: z.number().int(),
      }),
    ),
  })
  .openapi('HeldOutResult', {
    description: 'How the new head does on the held-out examples; present only when the body held some out (validationSplit > 0)',
  });

export const TrainResponse = z
  .object({
    head: HeadSchema,
    epochs: z.array(EpochEvent),
    extractSeconds: z.number(),
    seconds: z.number(),
    validation: HeldOutSchema.optional(),
  })
  .openapi('TrainResult');

export const TrainDoneEvent = z
  .object({
    head: HeadSchema,
    version: z.number().int(),
    extractSeconds: z.number(),
    seconds: z.number(),
    validation: HeldOutSchema.optional(),
  })
  .openapi('TrainDoneEvent');

export const RollbackBody = z
  .object({ version: z.number().int().min(1).optional() })
  .strict()
  .openapi('RollbackRequest');


export const ModelSchema = z
  .object({
    hash: z.string(),
    inputShape: z.array(z.number()).openapi({ description: 'rows, cols, channels (1 gray, 3 RGB) of the images the base takes' }),
    fit: z.enum(FITS).openapi({ description: 'how a PNG or JPEG becomes input: digit (MNIST-style: ink found, cropped, centred) or resize (the whole picture, area-averaged)' }),
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

export const MetricsSchema = z
  .object({
    tensors: z.number().int().openapi({ description: 'tfjs tensors alive (base and loaded heads included)' }),
    tensorBytes: z.number().int(),
    decoding: z.object({
      bytes: z.number().int().openapi({ description: 'bytes held by image decodes running now' }),
      peakBytes: z.number().int(),
      images: z.number().int().openapi({ description: 'images (PNG, JPEG) decoded since start' }),
      refused: z.number().int().openapi({ description: 'images refused (corrupt, unsupported, oversized, over the request budget)' }),
    }),
    training: z.object({ head: z.string(), since: z.string() }).nullable(),
    index: z
      .object({
        reads: z.number().int().openapi({ description: 'reads that went to the head index itself (in a Worker: Durable Object calls)' }),
        hits: z.number().int().openapi({ description: 'head lookups answered from this isolate' }),
        entries: z.number().int(),
        ttlMs: z.number().int().openapi({ description: 'how stale a cached head record may be' }),
      })
      .optional()
      .openapi({ description: "the head store's cache of its index, where it has one" }),
  })
  .openapi('Metrics');
