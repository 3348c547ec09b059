import { expect } from 'vitest';
import { TOKEN } from './service.js';

export const auth = { authorization: `Bearer ${TOKEN}` };
/** A binary body (no Content-Type is implied, unlike a string body's text/plain). */
export const bytes = (data: Uint8Array) => data as unknown as BodyInit;
const json = { 'content-type': 'application/json' };
export const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { ...json, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

export async function expectProblem(res: Response, status: number, type: string, detail?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> };
  expect(body.type).toBe(`urn:edgetune:problem:${type}`);
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}
