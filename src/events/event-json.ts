import type { LefEvent } from './event'

// The event serialised last, and its text. One published event is serialised by every
// subscriber in turn during the same publish (the store's COPY line, the bridge, SSE, the Redis
// relay): three to four JSON.stringify calls of one object, ~6% of lef's CPU in the fan-out
// benchmark. One slot, not a map: nothing outlives the publish, so a backlog of queued events
// holds no extra text. Published events are never changed afterwards (handlers build fresh
// objects and the normaliser tags them before emitting), so the text cannot go stale.
let lastEvent: object | undefined
let lastText = ''

/** `JSON.stringify(event)`, computed once while one event is passed from subscriber to subscriber. */
export function eventJson(event: LefEvent): string {
  if (event !== lastEvent) {
    lastText = JSON.stringify(event)
    lastEvent = event
  }
  return lastText
}
