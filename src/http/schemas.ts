import { z } from '@hono/zod-openapi'

/** Shared response schemas for the OpenAPI document. */
export const errorSchema = z
  .object({ success: z.literal(false), status: z.number().int(), message: z.string() })
  .openapi('Error')

export const envelopeOf = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), status: z.number().int(), data })

export const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } })

/** What every write answers while AUTH_KEY is unset (see http-app.ts). */
export const writesDisabledResponse = errorResponse('AUTH_KEY is not configured: writes are refused (reads stay open)')
