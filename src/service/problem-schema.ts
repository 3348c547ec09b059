import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details, as every error response carries them (apart from problem.ts, which stays free of zod so the page can use the service's image code). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** OpenAPI responses for problem statuses, by status: their descriptions. */
export function problemResponses<S extends number>(descriptions: Record<S, string>) {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [status, { content: { 'application/problem+json': { schema: ProblemSchema } }, description }]),
  ) as Record<S, { content: { 'application/problem+json': { schema: typeof ProblemSchema } }; description: string }>;
}
