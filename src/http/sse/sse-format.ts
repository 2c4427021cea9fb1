import { eventJson, type LefEvent } from '../../events'

/** Text/event-stream framing (WHATWG HTML §9.2). Each block ends with a blank line. */

const encoder = new TextEncoder()

/** The SSE `event:` name of lef's own error notices; not a LaplaceEvent type, so never confused with one. */
export const SSE_ERROR_EVENT = 'lef-error'

/** A client must ignore an `id:` holding CR, LF or NUL, so such ids are not sent as ids. */
const UNSAFE_ID = /[\r\n\0]/

/**
 * One event: `event:` the type, `id:` the event id (what `Last-Event-ID` resumes from), `data:`
 * the JSON. JSON.stringify escapes newlines, so the data is always one line.
 */
export function encodeSseEvent(event: LefEvent): Uint8Array {
  const id = typeof event.id === 'string' && !UNSAFE_ID.test(event.id) ? `id: ${event.id}\n` : ''
  return encoder.encode(`event: ${event.type}\n${id}data: ${eventJson(event)}\n\n`)
}

/** A comment line: clients ignore it; proxies see traffic (keep-alive). */
export function encodeSseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`)
}

/** How long the client waits before reconnecting. */
export function encodeSseRetry(ms: number): Uint8Array {
  return encoder.encode(`retry: ${Math.max(0, Math.floor(ms))}\n\n`)
}

export function encodeSseError(message: string, timestamp: number): Uint8Array {
  return encoder.encode(`event: ${SSE_ERROR_EVENT}\ndata: ${JSON.stringify({ type: 'error', message, timestamp })}\n\n`)
}
