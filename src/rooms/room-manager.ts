import { Cron } from 'croner'
import type { Logger } from 'pino'
import type { EventBus } from '../bus/event-bus'
import { formatRoomKey, type Platform, type RoomKey } from '../events'
import type { Connector } from '../platforms/connector'
import type { RoomDirectory, RoomStatus } from './room-status'
import { RoomSupervisor, type SupervisorOptions } from './room-supervisor'

export interface RoomManagerOptions {
  connectors: Partial<Record<Platform, Connector>>
  bus: EventBus
  log: Logger
  restartWaitMs: number
  /** RESTART_INTERVAL cron; null = no planned restarts. */
  restartCron: string | null
  timezone?: string
  /** Spread planned restarts so every room does not reconnect in the same instant. */
  restartSpreadMs?: number
  /** The rooms' `/info` order: every room's events carry their room's index in it as `originIdx`. */
  order?: { indexOf(id: string): number | undefined }
  /** Passed to every supervisor: failed sessions go to the error reporter. */
  onSessionError?: SupervisorOptions['onSessionError']
}

/** Runs one RoomSupervisor per room and the planned-restart schedule. */
export class RoomManager implements RoomDirectory {
  private readonly supervisors = new Map<string, RoomSupervisor>()
  private cron: Cron | undefined

  constructor(private readonly opts: RoomManagerOptions) {}

  /** Start supervising a room (no-op if it already runs). */
  add(room: RoomKey): RoomSupervisor {
    const id = formatRoomKey(room)
    const existing = this.supervisors.get(id)
    if (existing) return existing
    const connector = this.opts.connectors[room.platform]
    if (!connector) throw new Error(`no connector for platform ${room.platform}`)
    const order = this.opts.order
    const supervisor = new RoomSupervisor({
      room, connector, bus: this.opts.bus, log: this.opts.log, restartWaitMs: this.opts.restartWaitMs, onSessionError: this.opts.onSessionError,
      originIdx: order ? () => order.indexOf(id) : undefined,
    })
    this.supervisors.set(id, supervisor)
    supervisor.start()
    return supervisor
  }

  async remove(room: RoomKey): Promise<boolean> {
    const id = formatRoomKey(room)
    const s = this.supervisors.get(id)
    if (!s) return false
    this.supervisors.delete(id)
    await s.stop()
    return true
  }

  start(rooms: RoomKey[]): void {
    for (const room of rooms) this.add(room)
    if (this.opts.restartCron && !this.cron) {
      this.cron = new Cron(this.opts.restartCron, { timezone: this.opts.timezone, protect: true }, () => this.restartAll())
    }
  }

  /** Planned restart of every connection, spread over a short window. */
  restartAll(): void {
    const spread = this.opts.restartSpreadMs ?? 250
    this.opts.log.info({ rooms: this.supervisors.size }, 'planned restart of every room connection')
    let i = 0
    for (const s of this.supervisors.values()) {
      const delay = i++ * spread
      if (delay === 0) s.restart()
      else setTimeout(() => s.restart(), delay)
    }
  }

  get(room: RoomKey): RoomSupervisor | undefined {
    return this.supervisors.get(formatRoomKey(room))
  }

  list(): RoomStatus[] {
    return [...this.supervisors.values()].map((s) => s.status)
  }

  async stop(): Promise<void> {
    this.cron?.stop()
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()))
  }
}
