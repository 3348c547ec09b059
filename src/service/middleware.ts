import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { Problem } from './problem.js';

const unauthorized = (detail: string) => () =>
  new Problem(401, 'unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="edgetune"' }).response();

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

const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();

/** 415 unless the body is one of `types`. */
export const requireContentType =
  (...types: string[]): MiddlewareHandler =>
  async (c, next) => {
    const type = mediaType(c);
    if (!types.includes(type)) {
      throw new Problem(415, 'unsupported-media-type', `send ${types.join(' or ')}${type ? `, not ${type}` : ' (no Content-Type was given)'}`, undefined, {
        'Accept-Post': types.join(', '),
      });
    }
    await next();
  };

export const isPngRequest = (c: Context) => mediaType(c) === 'image/png';
