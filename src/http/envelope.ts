import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every JSON answer: `{ success, status, data }`; errors `{ success:false, status, message }`. */
export interface Envelope<T> {
  success: true
  status: number
  data: T
}

export interface ErrorEnvelope {
  success: false
  status: number
  message: string
}

export function ok<T>(c: Context, data: T) {
  return c.json({ success: true as const, status: 200, data } satisfies Envelope<T>, 200)
}

export function fail<S extends ContentfulStatusCode>(c: Context, status: S, message: string) {
  return c.json({ success: false as const, status: status as number, message } satisfies ErrorEnvelope, status)
}
