import type { RoomProgress } from '../../rooms/on-demand'
import { SSE_ERROR_EVENT } from '../sse/sse-format'

/** SSE event name of an on-demand room's progress (`data` is the RoomProgress JSON). */
export const SSE_STATUS_EVENT = 'lef-status'

const encoder = new TextEncoder()

/** Progress as an SSE block: `lef-status` for phases, `lef-error` (as for other notices) for errors. */
export function encodeSseProgress(p: RoomProgress): Uint8Array {
  return encoder.encode(`event: ${p.type === 'error' ? SSE_ERROR_EVENT : SSE_STATUS_EVENT}\ndata: ${JSON.stringify(p)}\n\n`)
}

/**
 * Progress as a bridge frame. Errors use the bridge's own `error` frame (type, message,
 * timestamp) with the room added, so SDK clients show them like other bridge errors; phases are
 * `lef-status` frames, which plain LAPLACE clients ignore as an unknown type.
 */
export function bridgeProgressFrame(p: RoomProgress): Record<string, unknown> {
  if (p.type === 'error') return { ...p, message: `${p.platform}:${p.room}: ${p.message}` }
  return { ...p, type: SSE_STATUS_EVENT }
}
