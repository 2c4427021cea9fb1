import { describe, expect, test } from 'bun:test'
import { formatRoomKey, type RoomKey } from '../../src/events'
import { OnDemandRooms, type RoomProgress } from '../../src/rooms/on-demand'
import type { RoomStatus } from '../../src/rooms/room-status'
import { silentLog } from '../support/app'
import { waitFor } from './support'

type Verdict = 'ours' | 'held-elsewhere' | 'disabled'

/** OnDemandRooms against fake leases and statuses: no database, no connector. */
function harness(verdicts: Record<string, Verdict> = {}, maxRooms = 10, idleMs = 50) {
  const claims: string[] = []
  const releases: string[] = []
  const statuses = new Map<string, RoomStatus>()
  let gate: Promise<void> = Promise.resolve()
  const onDemand = new OnDemandRooms({
    leases: {
      claimOnDemand: async (room: RoomKey) => {
        claims.push(formatRoomKey(room))
        await gate
        return verdicts[formatRoomKey(room)] ?? 'ours'
      },
      releaseOnDemand: async (room: RoomKey) => {
        releases.push(formatRoomKey(room))
      },
    },
    status: (room) => statuses.get(formatRoomKey(room)),
    idleMs,
    maxRooms,
    log: silentLog,
    pollMs: 10,
    recheckMs: 30,
  })
  const status = (id: string, state: RoomStatus['state'], lastError: RoomStatus['lastError'] = null) => {
    const [platform, key] = id.split(':') as [RoomStatus['platform'], string]
    statuses.set(id, { platform, key, state, info: {}, lastError, connectedAt: null, lastEventAt: null, events: 0, reconnects: 0 })
  }
  const sink = () => {
    const got: RoomProgress[] = []
    return { got, notify: (p: RoomProgress) => got.push(p) }
  }
  return { onDemand, claims, releases, status, statuses, sink, hold: () => { let open!: () => void; gate = new Promise((r) => (open = r)); return open } }
}

const douyin = { platform: 'douyin' as const, room: '646454278948' }
const tiktok = { platform: 'tiktok' as const, room: 'someone' }

describe('OnDemandRooms', () => {
  test('phases reach every client once each; a late client gets the current state; release waits for the idle time', async () => {
    const h = harness()
    const a = h.sink()
    const detachA = h.onDemand.attach([douyin], a)
    await waitFor(() => h.claims.length === 1)
    h.onDemand.phase({ platform: 'douyin', key: douyin.room }, 'resolving')
    h.onDemand.phase({ platform: 'douyin', key: douyin.room }, 'resolving')
    h.onDemand.phase({ platform: 'douyin', key: douyin.room }, 'signing')
    h.status('douyin:646454278948', 'connected')
    await waitFor(() => a.got.length === 3)
    expect(a.got.map((p) => (p.type === 'status' ? p.state : p.code))).toEqual(['resolving', 'signing', 'connected'])
    const b = h.sink()
    const detachB = h.onDemand.attach([douyin], b)
    expect(b.got).toMatchObject([{ type: 'status', state: 'connected', platform: 'douyin', room: '646454278948' }])
    expect(h.claims).toEqual(['douyin:646454278948'])
    detachA()
    detachA()
    await Bun.sleep(80)
    expect(h.releases).toEqual([])
    detachB()
    await waitFor(() => h.releases.length === 1)
    expect(h.releases).toEqual(['douyin:646454278948'])
    expect(h.onDemand.rooms()).toEqual([])
    h.onDemand.close()
  })

  test('a Bilibili short id reports the long id its events carry', async () => {
    const h = harness()
    const s = h.sink()
    h.onDemand.attach([{ platform: 'bilibili', room: '6' }], s)
    await waitFor(() => h.claims.length === 1)
    h.status('bilibili:6', 'connected')
    await waitFor(() => s.got.length === 1)
    expect(s.got[0]).toEqual({ type: 'status', platform: 'bilibili', room: '6', state: 'connected', timestamp: (s.got[0] as { timestamp: number }).timestamp })
    h.onDemand.close()
    const h2 = harness()
    const s2 = h2.sink()
    h2.onDemand.attach([{ platform: 'bilibili', room: '6' }], s2)
    await waitFor(() => h2.claims.length === 1)
    h2.status('bilibili:6', 'connected')
    h2.statuses.get('bilibili:6')!.info = { roomId: '7734200', shortRoomId: 6 }
    await waitFor(() => s2.got.length === 1)
    expect(s2.got[0]).toMatchObject({ state: 'connected', room: '6', eventRoom: '7734200' })
    h2.onDemand.close()
  })

  test('a room another node connects is reported as elsewhere and claimed again later', async () => {
    const h = harness({ 'tiktok:someone': 'held-elsewhere' })
    const s = h.sink()
    h.onDemand.attach([tiktok], s)
    await waitFor(() => s.got.length === 1)
    expect(s.got[0]).toMatchObject({ type: 'status', state: 'elsewhere' })
    // That node may die: the room is claimed again, and again reported only once.
    await waitFor(() => h.claims.length >= 3)
    expect(s.got).toHaveLength(1)
    h.onDemand.close()
  })

  test('errors are passed on; NOT_FOUND is final and stops the room', async () => {
    const h = harness()
    const s = h.sink()
    h.onDemand.attach([tiktok], s)
    await waitFor(() => h.claims.length === 1)
    h.status('tiktok:someone', 'backoff', { code: 'NETWORK', message: 'connect ECONNREFUSED', at: 1 })
    await waitFor(() => s.got.some((p) => p.type === 'error'))
    expect(s.got.find((p) => p.type === 'error')).toMatchObject({ code: 'NETWORK', message: 'connect ECONNREFUSED', final: false })
    expect(h.releases).toEqual([])
    h.status('tiktok:someone', 'backoff', { code: 'NOT_FOUND', message: 'tiktok user @someone does not exist', at: 2 })
    await waitFor(() => h.releases.length === 1)
    expect(s.got.filter((p) => p.type === 'error').at(-1)).toMatchObject({ code: 'NOT_FOUND', final: true })
    h.onDemand.close()
  })

  test('ON_DEMAND_MAX caps the rooms one node starts; the rest get a LIMIT error', () => {
    const h = harness({}, 2)
    const s = h.sink()
    const rooms = ['a1', 'a2', 'a3'].map((room) => ({ platform: 'tiktok' as const, room }))
    h.onDemand.attach(rooms, s)
    expect(h.claims).toEqual(['tiktok:a1', 'tiktok:a2'])
    expect(s.got).toMatchObject([{ type: 'error', room: 'a3', code: 'LIMIT', final: true }])
    expect((s.got[0] as { message: string }).message).toContain('already runs 2 on-demand rooms (ON_DEMAND_MAX)')
    h.onDemand.close()
  })

  test('a client that leaves while the claim is still running does not leave a room behind', async () => {
    const h = harness({}, 10, 10)
    const open = h.hold()
    const s = h.sink()
    const detach = h.onDemand.attach([douyin], s)
    detach()
    await Bun.sleep(30)
    open()
    await waitFor(() => h.releases.length === 1)
    expect(h.onDemand.rooms()).toEqual([])
    h.onDemand.close()
  })
})
