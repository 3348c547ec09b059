import type { z } from '@hono/zod-openapi';
import { MAX_FIELD_ERRORS, type FieldError } from './problem.js';
import { describeShape, sizeOf, type InputShape } from '../core/data/input-shape.js';

type Path = ReadonlyArray<PropertyKey>;

/** `images[3][17]`, `examples[0].label`: the path as a client writes it. */
export function fieldName(path: Path): string {
  if (path.length === 0) return 'body';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

const ENCODED_KEYS = ['png', 'jpeg', 'image'];
const ENCODED_FORMS = 'one of {"png": "<base64>"}, {"jpeg": "<base64>"}, {"image": "<base64>"}';
const IMAGE_FORMS = `must be numbers in [0, 1] (flat, or a list of rows), or ${ENCODED_FORMS}`;

/** What a pixel array for a base of `shape` must be, as a message; its size is checked once the base is known (images.ts). */
export const pixelForms = (shape: InputShape): string =>
  `must be ${sizeOf(shape)} numbers in [0, 1], ${shape.rows} rows of ${shape.cols * shape.channels} numbers in [0, 1] ` +
  `(the base takes ${describeShape(shape)} images${shape.channels === 3 ? ', RGB interleaved' : ''}), or ${ENCODED_FORMS}`;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function pixelProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  if (value > 1) return 'must be at most 1';
  if (value < 0) return 'must be at least 0';
  return undefined;
}

/**
 * The problems with one image, in the form the client evidently used (flat,
 * rows or an encoded file), each at its path inside the image; lazily, so that a caller
 * can stop after the first few.
 */
function* imageProblems(value: unknown): Generator<[Path, string]> {
  if (Array.isArray(value)) {
    if (value.length > 0 && Array.isArray(value[0])) {
      const cols = (value[0] as unknown[]).length;
      for (let r = 0; r < value.length; r++) {
        const row = value[r] as unknown;
        if (!Array.isArray(row) || row.length !== cols) {
          yield [[r], `must be a row of ${cols} numbers, as the first row is`];
          continue;
        }
        for (let c = 0; c < cols; c++) {
          const problem = pixelProblem(row[c]);
          if (problem) yield [[r, c], problem];
        }
      }
    } else {
      for (let i = 0; i < value.length; i++) {
        const problem = pixelProblem(value[i]);
        if (problem) yield [[i], problem];
      }
    }
    return;
  }
  const key = value !== null && typeof value === 'object' ? ENCODED_KEYS.find((k) => k in value) : undefined;
  if (key) {
    const extra = Object.keys(value as object).filter((k) => k !== key);
    if (extra.length) yield [[], `unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (one of ${ENCODED_KEYS.join(', ')} per image)`];
    const encoded = (value as Record<string, unknown>)[key];
    if (typeof encoded !== 'string' || encoded.length % 4 !== 0 || !BASE64.test(encoded)) yield [[key], 'must be a base64 string'];
    return;
  }
  yield [[], IMAGE_FORMS];
}

/**
 * A zod refinement for a list whose items hold an image (at `imageAt`):
 * checks them in order and stops after the first MAX_FIELD_ERRORS + 1
 * problems, so a body of a million bad pixels costs a few issues, not a
 * million (zod's issue list overflowed the stack at ~100k).
 */
export const checkImages =
  <T>(imageAt: (item: T) => unknown, pathIn: (i: number) => Path) =>
  (items: T[], ctx: z.RefinementCtx): void => {
    let count = 0;
    for (let i = 0; i < items.length; i++) {
      for (const [path, message] of imageProblems(imageAt(items[i]))) {
        ctx.addIssue({ code: 'custom', path: [...pathIn(i), ...path], message });
        if (++count > MAX_FIELD_ERRORS) return;
      }
    }
  };

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'array' ? `must have at most ${issue.maximum} items` : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${issue.minimum} items` : `must be at least ${issue.minimum}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'number' ? 'a finite number' : `of type ${issue.expected}`}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** zod's issues as one error per offending field. */
export const fieldErrors = (error: z.ZodError): FieldError[] => error.issues.map((issue) => ({ field: fieldName(issue.path), message: issueMessage(issue) }));
