import type { EventBus } from '../../bus/event-bus'
import type { LefEvent } from '../../events'
import { toLefEvent, uploadedEventSchema } from '../upload/event-schema'

export type ProducedMessage = { ok: true; events: LefEvent[] } | { ok: false; message: string }

const MAX_EVENTS_PER_MESSAGE = 10_000

/**
 * A producer's (server role) message: one LaplaceEvent, or an array of them. Validated exactly
 * like `POST /upload` and all-or-nothing, so a bad producer cannot push half a batch.
 */
export function parseProducedMessage(parsed: unknown): ProducedMessage {
  const items = Array.isArray(parsed) ? parsed : [parsed]
  if (items.length > MAX_EVENTS_PER_MESSAGE) return { ok: false, message: `too many events in one message (at most ${MAX_EVENTS_PER_MESSAGE})` }
  const events: LefEvent[] = []
  for (const [i, item] of items.entries()) {
    const r = uploadedEventSchema.safeParse(item)
    if (!r.success) {
      const why = r.error.issues.map((iss) => (iss.path.length ? `${iss.path.join('.')}: ` : '') + iss.message).join('; ')
      return { ok: false, message: `invalid event${items.length > 1 ? ` ${i}` : ''}: ${why}` }
    }
    events.push(toLefEvent(r.data))
  }
  return { ok: true, events }
}

/** Publish produced events as live events of this node: the writer stores them, every client gets them. */
export function publishProduced(bus: EventBus, events: LefEvent[]): void {
  for (const e of events) bus.publish(e)
}
