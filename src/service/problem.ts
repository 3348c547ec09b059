/** One offending field of a request, named by its path (e.g. `images[3][17]`). */
export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Problem types: stable identifiers clients can switch on. */
export type ProblemType =
  | 'malformed-request'
  | 'validation'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  | 'training-busy'
  | 'client-closed'
  | 'too-large'
  | 'unsupported-media-type'
  | 'internal'
  | 'unavailable';

/**
 * An RFC 9457 problem. Thrown anywhere in a request; the app's error
 * handler turns it into an application/problem+json response.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly kind: ProblemType,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(): ProblemBody {
    return {
      type: `urn:edgetune:problem:${this.kind}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }

  response(): Response {
    return new Response(JSON.stringify(this.body()), {
      status: this.status,
      headers: { 'content-type': 'application/problem+json', ...this.headers },
    });
  }
}

/** At most this many field errors are listed (and image checks stop one past it); the detail says whether there were more. */
export const MAX_FIELD_ERRORS = 20;

export function validationProblem(errors: FieldError[]): Problem {
  const shown = errors.slice(0, MAX_FIELD_ERRORS);
  const more = errors.length - shown.length;
  const detail =
    errors.length === 1
      ? `${errors[0].field}: ${errors[0].message}`
      : more > 0
        ? `more than ${shown.length} fields are invalid (the first ${shown.length} are listed)`
        : `${errors.length} fields are invalid`;
  return new Problem(422, 'validation', detail, shown);
}
