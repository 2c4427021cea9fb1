/**
 * `bun run demo`: lef against local simulators of all three platforms, with scripted traffic
 * (chat, gifts, super chats, guards; Douyin and TikTok chat and gifts), so a new user sees
 * events flow with no internet and no account. Ctrl-C stops everything.
 */
import { startApp } from '../../src/app'
import { parseEnv } from '../../src/config'
import { serviceUrls } from '../../src/http/service-urls'
import { startBilibiliSim } from './bilibili/sim'
import { startScriptedRoom } from './bilibili/scripted-room'
import { startDouyinSim } from './douyin/sim'
import { startTikTokSim } from './tiktok/sim'
import { simEnv } from './sim-env'

const bilibili = await startBilibiliSim({ roomId: 21452505, anchorName: '演示主播' })
const douyin = startDouyinSim()
const tiktok = startTikTokSim()

const config = parseEnv({
  PORT: '8080',
  WEBSOCKET_BRIDGE: 'true',
  ...process.env,
  ROOMS: `${bilibili.roomId},douyin:${douyin.webRid},tiktok:@sim_host`,
  ...simEnv({ bilibili, douyin, tiktok }),
})
// The demo keeps its data in memory unless DATABASE_URL points somewhere.
const app = await startApp(config, { inMemoryDatabase: true })

const scripted = startScriptedRoom(bilibili, { intervalMs: 700 })
const viewers = [
  { id: 4_000_000_000_000_001n, nickname: '抖音观众' },
  { id: 4_000_000_000_000_002n, nickname: '老铁666' },
]
let tick = 0
const others = setInterval(() => {
  tick++
  const v = viewers[tick % viewers.length]!
  douyin.pushChat(v, `弹幕 ${tick}`)
  tiktok.pushChat(`hello #${tick}`)
  if (tick % 5 === 0) {
    // A Douyin combo of three, ended; a TikTok Rose streak of three, ended.
    for (const repeatCount of [1, 2, 3]) douyin.pushGift({ user: v, giftId: 685n, name: '粉丝团灯牌', diamonds: 1, groupId: BigInt(tick), repeatCount, repeatEnd: repeatCount === 3 })
    for (const repeatCount of [1, 2, 3]) tiktok.pushGift({ giftId: 5655, name: 'Rose', type: 1, coins: 1, repeatCount, repeatEnd: repeatCount === 3, groupId: String(tick) })
  }
}, 1500)

const urls = serviceUrls(app.url, app.bridge !== undefined)
console.log(`
lef demo is running at ${app.url}
  dashboard: ${urls.dashboard}
  API docs:  ${urls.docs}
  bridge:    ${urls.bridge ?? 'off (WEBSOCKET_BRIDGE=false)'}
  rooms:     bilibili ${bilibili.roomId}, douyin:${douyin.webRid}, tiktok:@sim_host (all simulated locally)
  try:       curl ${app.url}/info
             curl "${app.url}/events/${bilibili.roomId}?full=1"
             curl -N ${app.url}/sse
             open ${app.url}/websocket-test.html
`)

process.on('SIGINT', async () => {
  scripted.stop()
  clearInterval(others)
  await app.stop()
  await Promise.all([bilibili.close(), douyin.stop(), tiktok.close()])
  process.exit(0)
})
