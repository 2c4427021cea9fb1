import type { EventBus } from '../bus/event-bus'
import type { EventWriter } from './event-writer'

/**
 * The one path from the bus to the database: every event published on this node is queued for
 * storage, except those already stored before they were published (uploads, producers), which are
 * only repositioned after the live events published before them. Events relayed from other nodes
 * are stored by the node that published them. Answers the unsubscribe.
 */
export function storePublished(bus: EventBus, writer: Pick<EventWriter, 'write' | 'restamp'>): () => void {
  return bus.subscribe((event, delivery) => {
    if (!delivery.local) return
    if (!delivery.stored) writer.write(event)
    else writer.restamp(event.id)
  })
}
