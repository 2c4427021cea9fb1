import { createRoute, z } from '@hono/zod-openapi'
import { EventStats } from '../../store/event-stats'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'

const unauthorized = errorResponse('AUTH_KEY is set and the request has no or a wrong key')
const platform = z.enum(['bilibili', 'douyin', 'tiktok'])
const currency = z.enum(['CNY', 'USD'])

const activityRoute = createRoute({
  method: 'get',
  path: '/stats/activity',
  summary: 'Events per room (of the rooms table) in the last minutes, by event time, from every node',
  request: { query: z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(5) }) },
  responses: {
    200: {
      description: 'Per-room activity',
      content: { 'application/json': { schema: envelopeOf(z.array(z.object({ platform, room: z.string(), events: z.number().int(), perMinute: z.number(), lastEventAt: z.number().nullable() }))) } },
    },
    400: errorResponse('Bad query value'),
    401: unauthorized,
  },
})

const paidRoute = createRoute({
  method: 'get',
  path: '/stats/paid',
  summary: 'Paid totals per room per day, and per hour for a chart, in each platform\'s own currency (the events\' priceOriginal: CNY for Bilibili/Douyin, USD for TikTok)',
  request: { query: z.object({ hours: z.coerce.number().int().min(1).max(24 * 31).default(72) }) },
  responses: {
    200: {
      description: 'Totals',
      content: {
        'application/json': {
          schema: envelopeOf(z.object({
            since: z.number(),
            timeZone: z.string(),
            days: z.array(z.object({ platform, room: z.string(), day: z.string(), currency, count: z.number().int(), total: z.number() })),
            hours: z.array(z.object({ platform, room: z.string(), hour: z.number(), currency, total: z.number() })),
          })),
        },
      },
    },
    400: errorResponse('Bad query value'),
    401: unauthorized,
  },
})

export function statsRoutes(deps: Pick<HttpDeps, 'database' | 'config'>) {
  const stats = new EventStats(deps.database.db)
  return createRouter()
    .openapi(activityRoute, async (c) => {
      const { minutes } = c.req.valid('query')
      return ok(c, await stats.activity(minutes * 60_000, Date.now()))
    })
    .openapi(paidRoute, async (c) => {
      const { hours } = c.req.valid('query')
      // Whole hours, so the chart's first bar is not a partial one.
      const since = Math.floor((Date.now() - hours * 3_600_000) / 3_600_000) * 3_600_000
      // Days are the operator's days: TZ when set, else UTC.
      const timeZone = deps.config.TZ ?? 'UTC'
      const [days, hourly] = await Promise.all([stats.paidByDay(since, timeZone), stats.paidByHour(since)])
      return ok(c, { since, timeZone, days, hours: hourly })
    })
}
