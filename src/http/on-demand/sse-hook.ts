import { parseStreamFilter, type RoomResolver } from '../../bus/stream-filter'
import type { OnDemandRooms } from '../../rooms/on-demand'
import { createRouter } from '../openapi'
import { encodeSseProgress } from './progress-format'

/**
 * ON_DEMAND_ROOMS for `GET /sse`: a middleware mounted before the SSE route. Once the stream is
 * open it asks for the `?rooms=` rooms and interleaves their progress with the events; when
 * the stream ends (client gone, cut off, shutdown) the client is detached.
 */
export function onDemandSseRoutes(onDemand: OnDemandRooms, resolveRoom: RoomResolver) {
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
    c.res = new Response(withProgress(res.body, onDemand, rooms), { status: res.status, headers: res.headers })
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
