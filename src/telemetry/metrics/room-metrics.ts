import { Counter, Gauge, type Registry } from 'prom-client'
import type { RoomDirectory, RoomState } from '../../rooms/room-status'

/** Every state a room can be in, so each room exports a full 0/1 state set. */
export const ROOM_STATES: readonly RoomState[] = ['idle', 'resolving', 'signing', 'connecting', 'connected', 'offline', 'backoff', 'stopped']

/** Per-room connection state, reconnects and events, read from the supervisors at scrape time. */
export function registerRoomMetrics(registry: Registry, rooms: RoomDirectory): void {
  new Gauge({
    name: 'lef_room_state',
    help: 'Connection state of each room this node runs (1 for the current state)',
    labelNames: ['platform', 'room', 'state'] as const,
    registers: [registry],
    collect() {
      // Reset first: a removed room must disappear, not keep its last value.
      this.reset()
      for (const r of rooms.list()) {
        for (const state of ROOM_STATES) this.set({ platform: r.platform, room: r.key, state }, r.state === state ? 1 : 0)
      }
    },
  })
  new Gauge({
    name: 'lef_room_live',
    help: '1 when the platform says the room is live, 0 when not, absent when unknown',
    labelNames: ['platform', 'room'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const r of rooms.list()) if (r.info.live !== undefined) this.set({ platform: r.platform, room: r.key }, r.info.live ? 1 : 0)
    },
  })
  new Counter({
    name: 'lef_room_reconnects_total',
    help: 'Reconnects of each room after a failure or a dropped connection (planned restarts excluded)',
    labelNames: ['platform', 'room'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const r of rooms.list()) this.inc({ platform: r.platform, room: r.key }, r.reconnects)
    },
  })
  new Counter({
    name: 'lef_room_events_total',
    help: 'Events received from each room connection',
    labelNames: ['platform', 'room'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const r of rooms.list()) this.inc({ platform: r.platform, room: r.key }, r.events)
    },
  })
  new Gauge({
    name: 'lef_room_last_event_timestamp_seconds',
    help: 'Unix time of the last event from each room (absent before the first)',
    labelNames: ['platform', 'room'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const r of rooms.list()) if (r.lastEventAt !== null) this.set({ platform: r.platform, room: r.key }, r.lastEventAt / 1000)
    },
  })
}
