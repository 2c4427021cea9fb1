import { sql } from 'drizzle-orm'
import { bigint, bigserial, boolean, doublePrecision, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import type { LefEvent } from '../events'
import type { RoomStatus } from '../rooms/room-status'

/**
 * Every event lef has seen, one row each. The row's columns are what queries filter and sort
 * on; `data` keeps the whole LefEvent exactly as it was emitted.
 */
export const events = pgTable(
  'events',
  {
    /** Deterministic event id (see src/events/event-id.ts): a replayed event is stored once. */
    id: text('id').primaryKey(),
    /** Insertion order. SSE `Last-Event-ID` and bridge `?since=` resume after a row's seq. */
    seq: bigserial('seq', { mode: 'bigint' }).notNull().unique(),
    /** 'bilibili' | 'douyin' | 'tiktok' */
    platform: text('platform').notNull(),
    /** Stable room key: Bilibili long room id, Douyin web_rid, TikTok uniqueId. */
    room: text('room').notNull(),
    /** The numeric room id LAPLACE Chat matches on (0 where none exists). */
    origin: bigint('origin', { mode: 'number' }).notNull(),
    /** LaplaceEvent `type`. */
    type: text('type').notNull(),
    /** Sender's uid as text: upstream uids are 64-bit. Null for room-level events. */
    uid: text('uid'),
    /** When it happened upstream, ms since epoch. */
    eventTime: bigint('event_time', { mode: 'number' }).notNull(),
    /** When lef received it, ms since epoch. Pruning (EVENTS_KEEP) goes by this. */
    receivedAt: bigint('received_at', { mode: 'number' }).notNull(),
    /** Part of the paid set (gift with gold coins, superchat, toast, mvp, red-envelope-start). */
    paid: boolean('paid').notNull(),
    /**
     * What the event cost in its platform's own currency (CNY for Bilibili/Douyin, USD for TikTok):
     * the event's `priceOriginal` (older events: their `priceNormalized`, then in that currency); 0 when free.
     */
    priceNormalized: doublePrecision('price_normalized').notNull().default(0),
    /** The full event as emitted. */
    data: jsonb('data').$type<LefEvent>().notNull(),
  },
  (t) => [
    index('events_room_time_idx').on(t.platform, t.room, t.eventTime),
    index('events_room_paid_time_idx').on(t.platform, t.room, t.eventTime).where(sql`${t.paid}`),
    index('events_received_at_idx').on(t.receivedAt),
  ],
)

export type EventRow = typeof events.$inferSelect
export type NewEventRow = typeof events.$inferInsert

/**
 * The rooms lef watches, managed by the operator (`/rooms`) and seeded from `ROOMS`. Each row
 * is also the room's lease: the node whose id is in `holder` connects it until
 * `lease_expires` (database clock, so nodes never compare their own clocks).
 */
export const rooms = pgTable(
  'rooms',
  {
    /** `platform:key`, as formatRoomKey writes it. */
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    /** The key as configured (a Bilibili short id stays short). */
    key: text('key').notNull(),
    /** The operator's name for the room. */
    label: text('label'),
    /** False: the operator switched it off; seeding from ROOMS never turns it back on. */
    enabled: boolean('enabled').notNull().default(true),
    /** Started for a client that asked for it (ON_DEMAND_ROOMS); removed when no client is left. */
    onDemand: boolean('on_demand').notNull().default(false),
    addedAt: bigint('added_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    /** Node id of the lease holder; null = nobody connects it. */
    holder: text('holder'),
    leaseExpires: timestamp('lease_expires', { withTimezone: true, mode: 'date' }),
    /** The holder's last status snapshot (written with every renewal), so every node can show it. */
    status: jsonb('status').$type<RoomStatus>(),
  },
  (t) => [index('rooms_holder_idx').on(t.holder)],
)

export type RoomRow = typeof rooms.$inferSelect
