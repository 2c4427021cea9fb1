import { afterEach, describe, expect, test } from 'bun:test'
import { resolveRoom } from '../../../src/platforms/douyin/api'
import { parseRoomEnter } from '../../../src/platforms/douyin/room-enter'
import { parseRoomPage } from '../../../src/platforms/douyin/room-page'
import { TtwidJar, buildCookieHeader } from '../../../src/platforms/douyin/ttwid'
import { ConnectorError } from '../../../src/platforms/connector'
import { readFixture, readFixtureJson } from '../../fixtures'
import { type DouyinSim, startDouyinSim } from '../../sim/douyin/sim'
import { silentLog } from './helpers'

const UA = 'Mozilla/5.0 test'
let sim: DouyinSim | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

function deps(s: DouyinSim, cookie?: string) {
  return { webBase: s.webBase, userAgent: UA, fetch, ttwid: new TtwidJar({ webBase: s.webBase, userAgent: UA, fetch }), cookie }
}

describe('douyin room resolve', () => {
  test('the real room-enter answer resolves to room 7630361251285076745, live, with its anchor', () => {
    const room = parseRoomEnter(readFixtureJson('douyin', 'jwwsjlm-douyinLive', 'doRequest.example.json'), '646454278948')
    expect(room).toEqual({
      webRid: '646454278948',
      roomId: '7630361251285076745',
      status: 2,
      live: true,
      title: '内格夫强势打法，把把虐',
      anchor: { uid: '3789344204128560', nickname: '内格夫教主Duck', secUid: 'MS4wLjABAAAAOMC6z5OYdk5GziCLRHbsYCyNKkCZ9ajxuk1QT3bFUV87v48FP5VWQNP8N6gPK5kN' },
      userUniqueId: null,
      source: 'enter',
    })
  })

  test('empty or error answers give null (the page is tried next)', () => {
    expect(parseRoomEnter({ status_code: 0, data: {} }, 'x')).toBeNull()
    expect(parseRoomEnter({ status_code: 10011 }, 'x')).toBeNull()
    expect(parseRoomEnter('garbage', 'x')).toBeNull()
    const ended = parseRoomEnter({ status_code: 0, data: { prompts: '直播已结束', room_status: 2 } }, 'x')
    expect(ended?.live).toBe(false)
  })

  test('over HTTP: ttwid first, then the API with cookie and referer (real fixture body)', async () => {
    sim = startDouyinSim({ enter: { body: readFixture('douyin', 'jwwsjlm-douyinLive', 'doRequest.example.json').toString('utf8') } })
    const room = await resolveRoom(sim.webRid, deps(sim), silentLog)
    expect(room.roomId).toBe('7630361251285076745')
    expect(room.live).toBe(true)
    expect(sim.stats.ttwidRequests).toBe(1)
    expect(sim.stats.enterRequests).toBe(1)
    expect(sim.stats.pageRequests).toBe(0)
    expect(sim.stats.lastEnter?.cookie).toStartWith(`ttwid=${sim.ttwid}; msToken=`)
    expect(sim.stats.lastEnter?.referer).toBe(`${sim.webBase}/${sim.webRid}`)
    expect(sim.stats.lastEnter?.query.web_rid).toBe(sim.webRid)
    expect(sim.stats.lastEnter?.query.aid).toBe('6383')
  })

  test('an empty API answer falls back to the state embedded in the room page', async () => {
    sim = startDouyinSim({ enter: 'empty', roomId: '7600000000000000001', anchor: { uid: '99', nickname: '页面主播' } })
    const room = await resolveRoom(sim.webRid, deps(sim), silentLog)
    expect(room.source).toBe('page')
    expect(room.roomId).toBe('7600000000000000001')
    expect(room.live).toBe(true)
    expect(room.anchor.nickname).toBe('页面主播')
    expect(room.userUniqueId).toBe('7399999999999999999')
    expect(sim.stats.pageRequests).toBe(1)
  })

  test('page parser reads an offline room and refuses a page without state', () => {
    const html = `<script>self.__pace_f.push([1,"{\\"roomId\\":\\"7611111111111111111\\",\\"room\\":{\\"id_str\\":\\"7611111111111111111\\",\\"status\\":4,\\"title\\":\\"下播了\\"}}"])</script>`
    const room = parseRoomPage(html, 'r')
    expect(room?.roomId).toBe('7611111111111111111')
    expect(room?.status).toBe(4)
    expect(room?.live).toBe(false)
    expect(room?.title).toBe('下播了')
    expect(parseRoomPage('<html>验证码</html>', 'r')).toBeNull()
  })

  test('a room missing everywhere is a clean ConnectorError', async () => {
    sim = startDouyinSim({ enter: 'empty', webRid: '1' })
    const err = await resolveRoom('2', deps(sim), silentLog).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectorError)
    expect((err as ConnectorError).code).toBe('NOT_FOUND')
  })

  test('ttwid is fetched once, kept, renewed when stale or invalidated', async () => {
    sim = startDouyinSim()
    let now = 0
    const jar = new TtwidJar({ webBase: sim.webBase, userAgent: UA, fetch, now: () => now, maxAgeMs: 1000 })
    expect(await jar.get(silentLog)).toBe(sim.ttwid)
    await jar.get(silentLog)
    expect(sim.stats.ttwidRequests).toBe(1)
    now = 1000
    await jar.get(silentLog)
    expect(sim.stats.ttwidRequests).toBe(2)
    jar.invalidate()
    await jar.get(silentLog)
    expect(sim.stats.ttwidRequests).toBe(3)
  })

  test('rooms starting together share one ttwid request; an aborted waiter does not cancel it', async () => {
    sim = startDouyinSim()
    const jar = new TtwidJar({ webBase: sim.webBase, userAgent: UA, fetch })
    const ac = new AbortController()
    const aborted = jar.get(silentLog, ac.signal)
    ac.abort()
    const [a, b] = await Promise.all([jar.get(silentLog), jar.get(silentLog), aborted.catch(() => 'aborted')])
    expect(a).toBe(sim.ttwid)
    expect(b).toBe(sim.ttwid)
    expect(await aborted.catch(() => 'aborted')).toBe('aborted')
    expect(sim.stats.ttwidRequests).toBe(1)
  })

  test('cookie header: the user cookie wins over our ttwid', () => {
    expect(buildCookieHeader('T1', undefined)).toBe('ttwid=T1')
    expect(buildCookieHeader('T1', 'sessionid=abc; ')).toBe('sessionid=abc; ttwid=T1')
    expect(buildCookieHeader('T1', 'sessionid=abc; ttwid=MINE')).toBe('sessionid=abc; ttwid=MINE')
  })
})
