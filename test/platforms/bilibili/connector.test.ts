import { afterEach, describe, expect, test } from 'bun:test'
import type { Gift, Message, Toast } from '@laplace.live/event-types'
import type { RoomKey } from '../../../src/events'
import { createBilibiliConnector, danmakuUrl, pickHost, type BilibiliConnectorOptions } from '../../../src/platforms/bilibili/connector'
import { CredentialSource } from '../../../src/platforms/bilibili/credentials'
import { WbiKeyCache } from '../../../src/platforms/bilibili/wbi-keys'
import { ConnectorError } from '../../../src/platforms/connector'
import { decodeMessage } from '../../../src/platforms/bilibili/packet'
import { type BilibiliSim, startBilibiliSim } from '../../sim/bilibili/sim'
import { readFixture, readFixtureJson } from '../../fixtures'
import { captureLog, recordHooks, waitFor } from './session-harness'

let sim: BilibiliSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const room = (key: string): RoomKey => ({ platform: 'bilibili', key })
const bml = (cmd: string, file: string) => readFixtureJson<object>('bilibili', 'blive-message-listener', cmd, file)

/** The real 2026 DANMU_MSG, unpacked from its captured frame (the sim re-packs it). */
function realDanmu(): object {
  const [p] = decodeMessage(readFixture('bilibili', 'laplace-live-ws', 'danmu_msg_protover2_zlib.bin'))
  return JSON.parse(new TextDecoder().decode(p!.body))
}

function connectorFor(s: BilibiliSim, extra: BilibiliConnectorOptions = {}) {
  return createBilibiliConnector({
    apiBase: s.apiBase,
    liveApiBase: s.liveApiBase,
    wsUrl: s.wsUrl,
    loginSyncServer: s.loginSyncServer,
    heartbeatIntervalMs: 50,
    ...extra,
  })
}

describe('bilibili connector against the simulator', () => {
  test('resolves a short id, authenticates as guest asking for zlib (protover 2), emits events, heartbeats', async () => {
    sim = await startBilibiliSim({ roomId: 21452505, shortId: 456, anchorName: 'sim anchor', title: 'hello' })
    const connector = connectorFor(sim)
    const rec = recordHooks()
    const { log, lines } = captureLog()
    const abort = new AbortController()
    const ended = connector.session(room('456'), rec.hooks, abort.signal, log)

    await waitFor(() => sim!.openSockets === 1, 3000, 'auth')
    expect(rec.phases).toEqual(['resolving', 'signing', 'connecting', 'connected'])
    expect(rec.info[0]).toEqual({ roomId: '21452505', shortRoomId: 456, uid: '1437582453', username: 'sim anchor', live: true, title: 'hello' })
    const auth = sim.authLog[0]!
    expect(auth).toMatchObject({ uid: 0, roomid: 21452505, protover: 2, platform: 'web', type: 2, key: 'sim-token-1' })
    expect(auth.buvid).toBe('SIMBUVID-0000-1111-2222-33334444555512345infoc')
    expect(lines.some((l) => l.includes('connecting as a guest') && l.includes('mask'))).toBe(true)

    // The real 2026 danmaku as the server would send it (re-packed by the sim), plus gifts in one message.
    const dm = realDanmu()
    sim.send(dm, bml('SEND_GIFT', '小花花_not_same_badge.json'), bml('USER_TOAST_MSG', 'guard_jianzhang_new.json'), bml('GUARD_BUY', 'normal.json'))
    await waitFor(() => rec.events.length >= 3, 3000, 'events')
    expect(rec.events.map((e) => e.type)).toEqual(['message', 'gift', 'toast'])
    expect((rec.events[0] as Message).id).toBe('382fd7c125e5328c2ad5a4a40a69b3bd9849')
    expect((rec.events[1] as Gift).priceNormalized).toBe(0.1)
    expect((rec.events[2] as Toast).priceNormalized).toBe(198)
    expect(rec.events.every((e) => e.room === '21452505' && e.origin === 21452505 && e.platform === 'bilibili')).toBe(true)

    await waitFor(() => sim!.stats.heartbeats >= 3, 3000, 'heartbeats')
    expect(rec.alive).toBeGreaterThanOrEqual(4)

    abort.abort()
    expect(await ended).toEqual({ kind: 'aborted' })
    await waitFor(() => sim!.openSockets === 0, 2000, 'socket closed')
  })

  test('BILIBILI_COMPRESSION=brotli asks for protover 3, and the brotli frames that follow decode', async () => {
    sim = await startBilibiliSim()
    const connector = connectorFor(sim, { compression: 'brotli' })
    const rec = recordHooks()
    const { log } = captureLog()
    const abort = new AbortController()
    const ended = connector.session(room(String(sim.roomId)), rec.hooks, abort.signal, log)
    await waitFor(() => sim!.openSockets === 1 && sim!.authLog.length === 1, 3000, 'auth')
    expect(sim.authLog[0]!.protover).toBe(3)
    sim.send(realDanmu(), bml('SEND_GIFT', '小花花_not_same_badge.json'))
    await waitFor(() => rec.events.length >= 2, 3000, 'events')
    expect(rec.events.map((e) => e.type)).toEqual(['message', 'gift'])
    expect((rec.events[0] as Message).id).toBe('382fd7c125e5328c2ad5a4a40a69b3bd9849')
    abort.abort()
    expect(await ended).toEqual({ kind: 'aborted' })
  })

  test('sim drops the socket mid-stream → closed; the next session re-authenticates (cached token)', async () => {
    sim = await startBilibiliSim()
    const connector = connectorFor(sim)
    const rec = recordHooks()
    const { log } = captureLog()
    const first = connector.session(room(String(sim.roomId)), rec.hooks, new AbortController().signal, log)
    await waitFor(() => sim!.openSockets === 1)
    sim.send(bml('SUPER_CHAT_MESSAGE', 'normal.json'))
    await waitFor(() => rec.events.length === 1)
    sim.drop()
    const end = await first
    expect(end.kind).toBe('closed')

    const abort = new AbortController()
    const second = connector.session(room(String(sim.roomId)), rec.hooks, abort.signal, log)
    await waitFor(() => sim!.stats.auths === 2, 3000, 'second auth')
    expect(sim.stats.danmuInfoCalls).toBe(1) // token reused across reconnects
    sim.send(bml('SUPER_CHAT_MESSAGE', 'normal.json'), bml('LIKE_INFO_V3_UPDATE', 'normal.json'))
    await waitFor(() => rec.events.length === 2)
    // the replayed super chat is suppressed as a twin; the new event comes through
    expect(rec.events.map((e) => e.type)).toEqual(['superchat', 'likes-update'])
    abort.abort()
    expect(await second).toEqual({ kind: 'aborted' })
  })

  test('a gift sent right before the server drops the socket is emitted before the session ends', async () => {
    sim = await startBilibiliSim()
    const connector = connectorFor(sim)
    const rec = recordHooks()
    const { log } = captureLog()
    let eventsAtEnd = -1
    const ended = connector.session(room(String(sim.roomId)), rec.hooks, new AbortController().signal, log).then((end) => {
      eventsAtEnd = rec.events.length
      return end
    })
    await waitFor(() => sim!.openSockets === 1)
    // Frame and close arrive together: the close is queued behind the frame, never ahead of it.
    sim.send(bml('SEND_GIFT', '小花花_not_same_badge.json'), bml('SUPER_CHAT_MESSAGE', 'normal.json'))
    sim.drop()
    expect((await ended).kind).toBe('closed')
    expect(eventsAtEnd).toBe(2)
    expect(rec.events.map((e) => e.type)).toEqual(['gift', 'superchat'])
  })

  test('-352 once: WBI keys are refreshed and getDanmuInfo retried', async () => {
    sim = await startBilibiliSim({ riskControlOnce: true })
    const connector = connectorFor(sim)
    const rec = recordHooks()
    const abort = new AbortController()
    const ended = connector.session(room(String(sim.roomId)), rec.hooks, abort.signal, captureLog().log)
    await waitFor(() => sim!.openSockets === 1)
    expect(sim.stats.danmuInfo352).toBe(1)
    expect(sim.stats.danmuInfoCalls).toBe(2)
    expect(sim.stats.navCalls).toBe(2)
    abort.abort()
    await ended
  })

  test('-352 twice is RISK_CONTROL', async () => {
    sim = await startBilibiliSim()
    sim.riskControlNext(2)
    const connector = connectorFor(sim)
    const err = await connector.session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, captureLog().log).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectorError)
    expect((err as ConnectorError).code).toBe('RISK_CONTROL')
  })

  test('rejected token (-101) → AUTH error, token dropped, the next session fetches a new one', async () => {
    sim = await startBilibiliSim()
    const connector = connectorFor(sim)
    const rec = recordHooks()
    const { log } = captureLog()
    const first = connector.session(room(String(sim.roomId)), rec.hooks, new AbortController().signal, log)
    await waitFor(() => sim!.openSockets === 1)
    sim.rejectIssuedTokens()
    sim.drop()
    expect((await first).kind).toBe('closed')

    const err = await connector.session(room(String(sim.roomId)), rec.hooks, new AbortController().signal, log).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectorError)
    expect((err as ConnectorError).code).toBe('AUTH')
    expect(sim.stats.authRejected).toBe(1)

    const abort = new AbortController()
    const third = connector.session(room(String(sim.roomId)), rec.hooks, abort.signal, log)
    await waitFor(() => sim!.stats.auths === 2, 3000, 'auth with a fresh token')
    expect(sim.authLog.at(-1)!.key).toBe('sim-token-2')
    abort.abort()
    await third
  })

  test('unknown room is NOT_FOUND', async () => {
    sim = await startBilibiliSim()
    const err = await connectorFor(sim).session(room('999'), recordHooks().hooks, new AbortController().signal, captureLog().log).catch((e) => e)
    expect((err as ConnectorError).code).toBe('NOT_FOUND')
  })

  test('login sync: connects as the account (its uid, its cookie-authenticated token, its buvid)', async () => {
    const account = { uuid: 'uuidAAAAbbbbCCCCdddd01', password: 'passwordXYZ123', mid: 3493079520643315, uname: 'acct', sessdata: 'sessdata-1' }
    const other = { uuid: 'uuidEEEEffffGGGGhhhh02', password: 'passwordQRS456', mid: 12345678, uname: 'acct2', sessdata: 'sessdata-2' }
    sim = await startBilibiliSim({ accounts: [account, other] })
    const token = `${account.uuid}@${account.password}`
    const connector = connectorFor(sim, { loginSyncTokens: [token, `${other.uuid}@${other.password}`] })
    const rec = recordHooks()
    const { log, lines } = captureLog()
    const abort = new AbortController()
    const ended = connector.session(room(String(sim.roomId)), rec.hooks, abort.signal, log)
    await waitFor(() => sim!.openSockets === 1, 3000, 'auth as account')
    expect(sim.authLog[0]).toMatchObject({ uid: 3493079520643315, buvid: 'ACCOUNT-3493079520643315-infoc', key: 'sim-token-1' })
    expect(sim.stats.loginSyncCalls).toBe(1)
    abort.abort()
    await ended
    const all = lines.join('\n')
    expect(all).not.toContain(account.password)
    expect(all).not.toContain('sessdata-1')
    expect(all).not.toContain('connecting as a guest')
  })

  test('bad login-sync token is an AUTH error, never logged in full', async () => {
    sim = await startBilibiliSim()
    const { log, lines } = captureLog()
    const badTokens = ['short', 'unknownUuid000000@somepassword']
    for (const t of badTokens) {
      const err = await connectorFor(sim, { loginSyncTokens: [t] })
        .session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, log)
        .catch((e) => e)
      expect(err).toBeInstanceOf(ConnectorError)
      expect((err as ConnectorError).code).toBe('AUTH')
      expect((err as Error).message).not.toContain('somepassword')
    }
    expect(lines.join('\n')).not.toContain('somepassword')
  })

  test('abort while connecting resolves aborted promptly', async () => {
    sim = await startBilibiliSim()
    const abort = new AbortController()
    abort.abort()
    expect(await connectorFor(sim).session(room(String(sim.roomId)), recordHooks().hooks, abort.signal, captureLog().log)).toEqual({ kind: 'aborted' })
  })

  test('PREPARING / LIVE update info.live', async () => {
    sim = await startBilibiliSim()
    const rec = recordHooks()
    const abort = new AbortController()
    const ended = connectorFor(sim).session(room(String(sim.roomId)), rec.hooks, abort.signal, captureLog().log)
    await waitFor(() => sim!.openSockets === 1)
    sim.send(bml('PREPARING', 'normal.json'))
    await waitFor(() => rec.info.some((i) => i.live === false && Object.keys(i).length === 1))
    sim.send(bml('LIVE', 'start_live.json'))
    await waitFor(() => rec.info.filter((i) => i.live === true && Object.keys(i).length === 1).length === 1)
    expect(rec.events.map((e) => e.type)).toEqual(['live-end', 'live-start'])
    abort.abort()
    await ended
  })
})

describe('bilibili connector details', () => {
  test('no auth reply within authTimeoutMs → PROTOCOL error, and the token is refetched next time', async () => {
    sim = await startBilibiliSim()
    sim.ignoreAuth(true)
    const connector = connectorFor(sim, { authTimeoutMs: 100 })
    const started = Date.now()
    const err = await connector.session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, captureLog().log).catch((e) => e)
    expect((err as ConnectorError).code).toBe('PROTOCOL')
    expect(Date.now() - started).toBeLessThan(2000)
    sim.ignoreAuth(false)
    const abort = new AbortController()
    const ended = connector.session(room(String(sim.roomId)), recordHooks().hooks, abort.signal, captureLog().log)
    await waitFor(() => sim!.openSockets === 1)
    expect(sim.stats.danmuInfoCalls).toBe(2)
    abort.abort()
    await ended
  })

  test('idle timeout defaults to 70 s and is an option', () => {
    expect(createBilibiliConnector().idleTimeoutMs).toBe(70_000)
    expect(createBilibiliConnector({ idleTimeoutMs: 5_000 }).idleTimeoutMs).toBe(5_000)
  })

  test('hosts rotate across sessions; empty list falls back to broadcastlv', () => {
    const hosts = [
      { host: 'a.chat.bilibili.com', port: 2243, wssPort: 443, wsPort: 2244 },
      { host: 'b.chat.bilibili.com', port: 2243, wssPort: 2245, wsPort: 2244 },
    ]
    expect([0, 1, 2].map((n) => danmakuUrl(pickHost(hosts, n)))).toEqual([
      'wss://a.chat.bilibili.com:443/sub',
      'wss://b.chat.bilibili.com:2245/sub',
      'wss://a.chat.bilibili.com:443/sub',
    ])
    expect(danmakuUrl(pickHost([], 3))).toBe('wss://broadcastlv.chat.bilibili.com:443/sub')
  })

  test('several login-sync tokens are spread over rooms (room n → token n mod count)', async () => {
    const accounts = [
      { uuid: 'uuidAAAAbbbbCCCCdddd01', password: 'passwordXYZ123', mid: 1001, uname: 'a', sessdata: 's-1' },
      { uuid: 'uuidEEEEffffGGGGhhhh02', password: 'passwordQRS456', mid: 1002, uname: 'b', sessdata: 's-2' },
    ]
    sim = await startBilibiliSim({ accounts })
    const wbi = new WbiKeyCache(fetch, sim.apiBase, Date.now)
    const source = new CredentialSource({
      fetchFn: fetch,
      apiBase: sim.apiBase,
      loginSyncServer: sim.loginSyncServer,
      tokens: accounts.map((a) => `${a.uuid}@${a.password}`),
      wbiKeys: wbi,
      now: Date.now,
    })
    const uids = []
    for (const r of ['100', '200', '300', '100']) uids.push((await source.forRoom(r)).uid)
    expect(uids).toEqual([1001, 1002, 1001, 1001])
    expect(sim.stats.loginSyncCalls).toBe(2) // cached per token
  })
})

describe('bilibili login sync lifecycle', () => {
  test('expired synced cookies: a clear AUTH error naming the cause', async () => {
    const account = { uuid: 'uuidAAAAbbbbCCCCdddd01', password: 'passwordXYZ123', mid: 1001, uname: 'a', sessdata: 's-1' }
    sim = await startBilibiliSim({ accounts: [account] })
    sim.expireLogin(1001)
    const err = await connectorFor(sim, { loginSyncTokens: [`${account.uuid}@${account.password}`] })
      .session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, captureLog().log)
      .catch((e) => e)
    expect((err as ConnectorError).code).toBe('AUTH')
    expect((err as Error).message).toContain('logged out')
    expect((err as Error).message).not.toContain(account.password)
  })

  test('a refused login-sync auth logs in afresh next session', async () => {
    const account = { uuid: 'uuidAAAAbbbbCCCCdddd01', password: 'passwordXYZ123', mid: 1001, uname: 'a', sessdata: 's-1' }
    sim = await startBilibiliSim({ accounts: [account] })
    const connector = connectorFor(sim, { loginSyncTokens: [`${account.uuid}@${account.password}`] })
    const { log } = captureLog()
    const first = connector.session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, log)
    await waitFor(() => sim!.openSockets === 1)
    sim.rejectIssuedTokens()
    sim.drop()
    await first
    const err = await connector.session(room(String(sim.roomId)), recordHooks().hooks, new AbortController().signal, log).catch((e) => e)
    expect((err as ConnectorError).code).toBe('AUTH')
    expect(sim.stats.loginSyncCalls).toBe(1)
    const abort = new AbortController()
    const third = connector.session(room(String(sim.roomId)), recordHooks().hooks, abort.signal, log)
    await waitFor(() => sim!.stats.auths === 2)
    expect(sim.stats.loginSyncCalls).toBe(2)
    expect(sim.authLog.at(-1)).toMatchObject({ uid: 1001, key: 'sim-token-2' })
    abort.abort()
    await third
  })
})

describe('bilibili compression on the wire', () => {
  test('zlib, brotli and plain op 5 frames give the same events', async () => {
    sim = await startBilibiliSim()
    const rec = recordHooks()
    const abort = new AbortController()
    const ended = connectorFor(sim).session(room(String(sim.roomId)), rec.hooks, abort.signal, captureLog().log)
    await waitFor(() => sim!.openSockets === 1)
    const kinds = ['zlib', 'brotli', 'none'] as const
    for (const [i, kind] of kinds.entries()) {
      sim.forceCompression(kind)
      sim.send({ cmd: 'WATCHED_CHANGE', data: { num: 1000 + i, text_small: String(1000 + i), text_large: `${1000 + i}人看过` } })
      await waitFor(() => rec.events.length === i + 1, 3000, `${kind} frame`)
    }
    expect(rec.events.map((e) => (e as { watched?: number }).watched)).toEqual([1000, 1001, 1002])
    expect(rec.events.every((e) => e.type === 'watched-update')).toBe(true)
    abort.abort()
    await ended
  })
})
