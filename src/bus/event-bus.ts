import type { LefEvent } from '../events'

/** Where an event came from, as far as delivery is concerned. */
export interface Delivery {
  /** Already in the database (an upload, or an event another node stored): do not write it again. */
  stored: boolean
  /** Published on this node (connector, upload) rather than relayed from another node. */
  local: boolean
}

export type EventHandler = (event: LefEvent, delivery: Delivery) => void

/**
 * Publish/subscribe for events. Connectors and uploads publish; the writer, the bridge and SSE
 * subscribe. Handlers run synchronously in publish order; one failing handler never stops
 * delivery to the others.
 */
export interface EventBus {
  publish(event: LefEvent, delivery?: Partial<Delivery>): void
  subscribe(handler: EventHandler): () => void
  close(): Promise<void>
}

export interface BusErrorSink {
  (err: unknown, event: LefEvent): void
}

/** The in-process bus: fan-out to every subscriber of this process. */
export class LocalEventBus implements EventBus {
  private handlers: EventHandler[] = []

  constructor(private readonly onHandlerError: BusErrorSink = () => {}) {}

  publish(event: LefEvent, delivery: Partial<Delivery> = {}): void {
    this.deliver(event, { stored: delivery.stored ?? false, local: delivery.local ?? true })
  }

  /** Hand an event to local subscribers (used by adapters relaying other nodes' events too). */
  deliver(event: LefEvent, delivery: Delivery): void {
    // Iterate a snapshot: a handler may unsubscribe itself while we loop.
    for (const h of this.handlers) {
      try {
        h(event, delivery)
      } catch (err) {
        this.onHandlerError(err, event)
      }
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.handlers = [...this.handlers, handler]
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler)
    }
  }

  get subscriberCount(): number {
    return this.handlers.length
  }

  async close(): Promise<void> {
    this.handlers = []
  }
}
