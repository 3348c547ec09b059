import type { z } from '@hono/zod-openapi';
import { PIXELS } from './limits.js';
import type { FieldError } from './problem.js';

type Path = ReadonlyArray<PropertyKey>;

/** `images[3][17]`, `examples[0].label`: the path as a client writes it. */
export function fieldName(path: Path): string {
  if (path.length === 0) return 'body';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

const at = (input: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, k) => (v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);

const IMAGE_FORMS = `must be ${PIXELS} numbers in [0, 1], 28 rows of 28 numbers in [0, 1], or {"png": "<base64>"}`;

/** Which branch of the Image union the client evidently meant, from the value's shape. */
function imageBranch(value: unknown): number | undefined {
  if (Array.isArray(value)) {
    if (value.length === PIXELS) return 0;
    if (value.length === 28 && value.every(Array.isArray)) return 1;
    return undefined;
  }
  if (value !== null && typeof value === 'object' && 'png' in value) return 2;
  return undefined;
}

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

/**
 * Turns zod's issues into one error per offending field. Union failures
 * (an image) are reported against the form the client evidently used,
 * else as the list of accepted forms.
 */
export function fieldErrors(error: z.ZodError, input: unknown): FieldError[] {
  const out: FieldError[] = [];
  const visit = (issue: z.core.$ZodIssue, prefix: Path) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const branch = imageBranch(at(input, path));
      const chosen = branch === undefined ? undefined : issue.errors[branch];
      if (chosen && chosen.length > 0) chosen.forEach((inner) => visit(inner, path));
      else out.push({ field: fieldName(path), message: IMAGE_FORMS });
      return;
    }
    out.push({ field: fieldName(path), message: issueMessage(issue) });
  };
  error.issues.forEach((issue) => visit(issue, []));
  return out;
}
