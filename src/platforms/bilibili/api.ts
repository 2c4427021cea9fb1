import { ConnectorError } from '../connector'
import { type BiliEnvelope, type FetchFn, fetchJson } from './http'
import { signWbi } from './wbi'
import type { WbiKeyCache } from './wbi-keys'

export const DEFAULT_API_BASE = 'https://api.bilibili.com'
export const DEFAULT_LIVE_API_BASE = 'https://api.live.bilibili.com'

/** getDanmuInfo's `web_location` for the live room page (biliup, blivedm). */
const WEB_LOCATION = '444.8'

export interface RoomFacts {
  /** The long (real) room id: the only one the socket accepts. */
  roomId: number
  shortId: number
  anchorUid: number
  /** 0 offline, 1 live, 2 rotation (轮播). */
  liveStatus: number
  title: string
}

export interface DanmuHost {
  host: string
  port: number
  wssPort: number
  wsPort: number
}

export interface DanmuInfo {
  token: string
  hosts: DanmuHost[]
}

interface GetInfoData {
  room_id?: number
  short_id?: number
  uid?: number
  live_status?: number
  title?: string
}

/** Room-not-found codes: get_info answers 1, room_init 60004. */
const ROOM_NOT_FOUND = new Set([1, 60004])

export class BilibiliApi {
  constructor(
    private readonly fetchFn: FetchFn,
    private readonly apiBase: string,
    private readonly liveApiBase: string,
    private readonly wbiKeys: WbiKeyCache,
    private readonly nowSeconds: () => number,
  ) {}

  /** Short or long id → long id, anchor, live status (`room/v1/Room/get_info`, what blivedm uses). */
  async roomFacts(id: string, signal?: AbortSignal): Promise<RoomFacts> {
    const res = await fetchJson<BiliEnvelope<GetInfoData>>(
      this.fetchFn,
      `${this.liveApiBase}/room/v1/Room/get_info?room_id=${encodeURIComponent(id)}`,
      { signal },
    )
    if (ROOM_NOT_FOUND.has(res.code)) throw new ConnectorError('NOT_FOUND', `Bilibili room ${id} does not exist (code ${res.code})`)
    const d = res.data
    if (res.code !== 0 || !d || typeof d.room_id !== 'number') {
      throw new ConnectorError('UPSTREAM', `get_info for room ${id} answered code ${res.code}: ${res.message ?? ''}`)
    }
    return {
      roomId: d.room_id,
      shortId: d.short_id ?? 0,
      anchorUid: d.uid ?? 0,
      liveStatus: d.live_status ?? 0,
      title: d.title ?? '',
    }
  }

  /** The anchor's name, for /info. Best effort: null when the endpoint fails. */
  async anchorName(uid: number, signal?: AbortSignal): Promise<string | null> {
    if (!uid) return null
    try {
      const res = await fetchJson<BiliEnvelope<{ info?: { uname?: string } }>>(
        this.fetchFn,
        `${this.liveApiBase}/live_user/v1/Master/info?uid=${uid}`,
        { signal },
      )
      return res.code === 0 && typeof res.data?.info?.uname === 'string' ? res.data.info.uname : null
    } catch (err) {
      if (signal?.aborted) throw err
      return null
    }
  }

  /**
   * The WBI-signed getDanmuInfo: socket token + host list. The cookie decides whose token it is
   * (guest or the login-sync account). On -352 the WBI keys are refreshed and the call retried
   * once; a second -352 is RISK_CONTROL.
   */
  async danmuInfo(roomId: number, cookie: string, signal?: AbortSignal): Promise<DanmuInfo> {
    for (let attempt = 0; ; attempt++) {
      const keys = await this.wbiKeys.get()
      const query = signWbi({ id: roomId, type: 0, web_location: WEB_LOCATION }, keys, this.nowSeconds())
      const res = await fetchJson<BiliEnvelope<{ token?: string; host_list?: Array<Record<string, unknown>> }>>(
        this.fetchFn,
        `${this.liveApiBase}/xlive/web-room/v1/index/getDanmuInfo?${query}`,
        { cookie, signal },
      )
      if (res.code === -352) {
        this.wbiKeys.invalidate()
        if (attempt === 0) continue
        throw new ConnectorError('RISK_CONTROL', `getDanmuInfo for room ${roomId} answered -352 (risk control) twice`)
      }
      if (res.code !== 0 || typeof res.data?.token !== 'string') {
        throw new ConnectorError('UPSTREAM', `getDanmuInfo for room ${roomId} answered code ${res.code}: ${res.message ?? ''}`)
      }
      return { token: res.data.token, hosts: parseHosts(res.data.host_list) }
    }
  }
}

function parseHosts(list: Array<Record<string, unknown>> | undefined): DanmuHost[] {
  const hosts: DanmuHost[] = []
  for (const h of list ?? []) {
    if (typeof h.host !== 'string' || h.host === '') continue
    hosts.push({
      host: h.host,
      port: typeof h.port === 'number' ? h.port : 2243,
      wssPort: typeof h.wss_port === 'number' ? h.wss_port : 443,
      wsPort: typeof h.ws_port === 'number' ? h.ws_port : 2244,
    })
  }
  return hosts
}
