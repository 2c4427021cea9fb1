/**
 * The push WebSocket URL (docs/protocols/douyin.md §1.1). room_id, user_unique_id and the SDK
 * versions must equal the values that were signed.
 */

/** Push hosts seen in 2025–2026 captures; we rotate through them across attempts. */
export const PUSH_HOSTS = [
  'wss://webcast100-ws-web-lq.douyin.com/webcast/im/push/v2/',
  'wss://webcast100-ws-web-hl.douyin.com/webcast/im/push/v2/',
  'wss://webcast100-ws-web-lf.douyin.com/webcast/im/push/v2/',
] as const

export const WEBCAST_SDK_VERSION = '1.0.15'
export const VERSION_CODE = '180800'

export interface PushUrlInput {
  base: string
  roomId: string
  userUniqueId: string
  userAgent: string
  signature: string
  /** Resume point from the previous connection's last Response, when there is one. */
  cursor?: string
  internalExt?: string
  sdkVersion?: string
  versionCode?: string
}

export function buildPushUrl(input: PushUrlInput): string {
  const sdk = input.sdkVersion ?? WEBCAST_SDK_VERSION
  const params: Array<[string, string]> = [
    ['app_name', 'douyin_web'], ['version_code', input.versionCode ?? VERSION_CODE],
    ['webcast_sdk_version', sdk], ['update_version_code', sdk], ['compress', 'gzip'],
    ['device_platform', 'web'], ['cookie_enabled', 'true'], ['screen_width', '1920'], ['screen_height', '1080'],
    ['browser_language', 'zh-CN'], ['browser_platform', 'Win32'], ['browser_name', 'Mozilla'],
    ['browser_version', input.userAgent.replace(/^Mozilla\//, '')], ['browser_online', 'true'],
    ['tz_name', 'Asia/Shanghai'],
  ]
  // A fresh connection omits the resume pair (accepted, as biliup shows); a reconnect presents it.
  if (input.cursor) params.push(['cursor', input.cursor])
  if (input.internalExt) params.push(['internal_ext', input.internalExt])
  params.push(
    ['host', 'https://live.douyin.com'], ['aid', '6383'], ['live_id', '1'], ['did_rule', '3'],
    ['endpoint', 'live_pc'], ['support_wrds', '1'], ['user_unique_id', input.userUniqueId],
    ['im_path', '/webcast/im/fetch/'], ['identity', 'audience'], ['need_persist_msg_count', '15'],
    ['insert_task_id', ''], ['live_reason', ''], ['room_id', input.roomId], ['heartbeatDuration', '0'],
    ['signature', input.signature],
  )
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
  return `${input.base}${input.base.includes('?') ? '&' : '?'}${query}`
}

/** A random user_unique_id in the range browsers use: 7300000000000000000–7999999999999999999. */
export function randomUserUniqueId(random: () => number = Math.random): string {
  const span = 700_000_000_000_000_000n
  // Two draws so all 19 digits vary (one double has only 53 random bits).
  const hi = BigInt(Math.floor(random() * 1_000_000_000))
  const lo = BigInt(Math.floor(random() * 1_000_000_000_0))
  return (7_300_000_000_000_000_000n + ((hi * 10_000_000_000n + lo) % span)).toString()
}
