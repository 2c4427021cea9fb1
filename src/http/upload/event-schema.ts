import { z } from 'zod'
import { EVENT_TYPES, PLATFORMS, roomOrigin, type LefEvent, type Platform } from '../../events'

/**
 * What an uploaded event must carry. Everything else in the object is kept as sent: uploads
 * are LaplaceEvents from LAPLACE Chat (archives, exports), which carry many type-specific fields.
 */
export const uploadedEventSchema = z
  .looseObject({
    type: z.enum(EVENT_TYPES, { error: (i) => `unknown event type ${JSON.stringify(i.input)}` }),
    id: z.string().min(1, 'id must not be empty').max(512, 'id is longer than 512 characters'),
    timestamp: z.number({ error: 'timestamp must be a number (ms)' }).finite().nonnegative(),
    origin: z.number({ error: 'origin must be a number' }).int().nonnegative().optional(),
    platform: z.enum(PLATFORMS, { error: 'platform must be bilibili, douyin or tiktok' }).optional(),
    room: z.string().min(1).max(128).optional(),
  })
  .refine((e) => e.room !== undefined || (e.origin !== undefined && e.origin > 0), {
    message: 'a room is required: give `room` (with `platform`) or a non-zero `origin`',
  })

/**
 * Complete an uploaded event into a LefEvent. An event without `platform`/`room` (what LAPLACE
 * Chat itself uploads) is a Bilibili event of room `origin`. An event keeps the `origin` (and
 * `originIdx`) it carries, as archived; one without gets its room's origin, as lef's own
 * connectors derive it.
 */
export function toLefEvent(e: z.output<typeof uploadedEventSchema>): LefEvent {
  const platform: Platform = e.platform ?? 'bilibili'
  const room = e.room ?? String(e.origin)
  return { ...e, platform, room, origin: e.origin ?? roomOrigin(platform, room) } as unknown as LefEvent
}
