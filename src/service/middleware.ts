import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { Problem } from './problem.js';

const unauthorized = (detail: string) => () =>
  new Problem(401, 'unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="edgetune"' }).response();

/** RFC 6750 token characters: all a bearer header may carry (and all Hono's bearerAuth accepts). */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Why `token` could never authenticate, or undefined when it can. */
export const checkToken = (token: string): string | undefined =>
  TOKEN.test(token) ? undefined : 'the write token may hold only letters, digits and - . _ ~ + / (then = padding), the characters of an RFC 6750 bearer token';

/** Write routes: `Authorization: Bearer <token>`, compared in constant time (hashed by Hono's bearerAuth). */
export const tokenAuth = (token: string): MiddlewareHandler =>
  bearerAuth({
    token,
    realm: 'edgetune',
    noAuthenticationHeader: { message: unauthorized('this route needs Authorization: Bearer <token>') },
    invalidAuthenticationHeader: { message: unauthorized('the Authorization header must be "Bearer <token>"') },
    invalidToken: { message: unauthorized('the bearer token is not valid') },
  });

export const limitBody = (maxSize: number): MiddlewareHandler =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new Problem(413, 'too-large', `the request body is over the limit of ${maxSize} bytes`);
    },
  });

/** The request's media type, lower-cased and without parameters. */
export const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();

/** The request again with `content-type` set to `type` (or removed), the body given, and the client's abort signal kept. */
function withContentType(c: Context, type: string | undefined, body: ArrayBuffer | undefined): Request {
  const headers = new Headers(c.req.raw.headers);
  if (type) headers.set('content-type', type);
  else headers.delete('content-type');
  return new Request(c.req.url, { method: c.req.method, headers, body, signal: c.req.raw.signal });
}

/**
 * 415 unless the body is one of `types` (parameters and spacing as RFC 9110
 * allows, e.g. `application/json ; charset=utf-8`); with `optional`, an
 * empty body counts as none. Runs after the body limit, which bounds the read.
 */
export const requireContentType =
  (types: string[], { optional = false } = {}): MiddlewareHandler =>
  async (c, next) => {
    const type = mediaType(c);
    const accepted = types.includes(type);
    const refuse = () =>
      new Problem(415, 'unsupported-media-type', `send ${types.join(' or ')}${type ? `, not ${type}` : ' (no Content-Type was given)'}`, undefined, {
        'Accept-Post': types.join(', '),
      });
    if (!accepted && !optional) throw refuse();
    const body = c.req.raw.body === null ? new ArrayBuffer(0) : await c.req.arrayBuffer();
    if (optional && body.byteLength === 0) {
      c.req.raw = withContentType(c, undefined, undefined);
      return next();
    }
    if (!accepted) throw refuse();
    // The route validators that follow recognise only the bare media type.
    if (c.req.header('content-type') !== type) c.req.raw = withContentType(c, type, body);
    await next();
  };

