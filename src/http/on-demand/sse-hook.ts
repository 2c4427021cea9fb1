import { parseStreamFilter, type RoomResolver } from '../../fanout/stream-filter'
import type { OnDemandRooms, RoomProgress } from '../../rooms/on-demand'
import { createRouter } from '../openapi'
import { encodeSseProgress } from './progress-format'
import { refusedRooms, startRefusal } from './refusal'

/**
 * ON_DEMAND_ROOMS for `GET /sse`: a middleware mounted before the SSE route. Once the stream is
 * open it asks for the `?rooms=` rooms and interleaves their progress with the events; when
 * the stream ends (client gone, cut off, shutdown) the client is detached.
 */
export function onDemandSseRoutes(onDemand: OnDemandRooms, resolveRoom: RoomResolver, authKeySet: boolean) {
  const router = createRouter()
  router.use('/sse', async (c, next) => {
    await next()
    const res = c.res
    if (res.status !== 200 || !res.body) return
    let rooms
    try {
      rooms = parseStreamFilter({ rooms: c.req.query('rooms') }, resolveRoom).rooms
    } catch {
      return // the SSE route has answered the bad filter already
    }
    if (!rooms || rooms.length === 0) return
    // With AUTH_KEY set, /sse itself demands it, so every client here holds one.
    const stream = authKeySet ? withProgress(res.body, onDemand, rooms) : withRefusal(res.body, refusedRooms(rooms, startRefusal(false), Date.now()))
    c.res = new Response(stream, { status: res.status, headers: res.headers })
  })
  return router
}

/** The SSE body with progress blocks added; pulls from the original only as the client reads. */
function withProgress(body: ReadableStream<Uint8Array>, onDemand: OnDemandRooms, rooms: Parameters<OnDemandRooms['attach']>[0]): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let detach = () => {}
  let ended = false
  const end = () => {
    ended = true
    detach()
  }
  return new ReadableStream<Uint8Array>({
    start: (controller) => {
      detach = onDemand.attach(rooms, {
        notify: (p) => {
          if (ended) return
          try {
            controller.enqueue(encodeSseProgress(p))
          } catch {
            end()
          }
        },
      })
    },
    pull: async (controller) => {
      try {
        const { done, value } = await reader.read()
        if (done) {
          end()
          controller.close()
          return
        }
        controller.enqueue(value)
      } catch (err) {
        end()
        controller.error(err)
      }
    },
    cancel: async (reason) => {
      end()
      await reader.cancel(reason)
    },
  })
}

/** The SSE body led by one error block per asked room: starting rooms is refused, events still flow. */
function withRefusal(body: ReadableStream<Uint8Array>, refusals: RoomProgress[]): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    start: (controller) => {
      for (const p of refusals) controller.enqueue(encodeSseProgress(p))
    },
    pull: async (controller) => {
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        controller.error(err)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
}
