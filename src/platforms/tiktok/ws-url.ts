import type { ProtoMessageFetchResult } from '../../gen/tiktok/push_pb'
import { ConnectorError } from '../connector'
import { IDENTITY_AUDIENCE, LIVE_ID, WEB_AID, WS_VERSION_CODE } from './protocol'

/** Query parameters the web client sends on the push socket (§1.5; a subset that matters). */
const WS_PARAMS: Record<string, string> = {
  aid: WEB_AID,
  app_name: 'tiktok_web',
  app_language: 'en',
  browser_language: 'en-US',
  browser_name: 'Mozilla',
  browser_online: 'true',
  browser_platform: 'MacIntel',
  cookie_enabled: 'true',
  device_platform: 'web',
  identity: IDENTITY_AUDIENCE,
  live_id: LIVE_ID,
  webcast_language: 'en',
  ws_direct: '0',
  sup_ws_ds_opt: '1',
  update_version_code: '2.0.0',
  did_rule: '3',
  heartbeat_duration: '0',
  resp_content_type: 'protobuf',
  history_comment_count: '6',
  client_enter: '1',
}

/**
 * The push socket URL: the signed push server plus our params, the cursor/ext from the signed
 * fetch result and its route params (they carry the signature, e.g. `wrss`), then the version.
 * Throws ConnectorError PROTOCOL when the signer's push server is not a ws(s) URL.
 */
export function buildPushUrl(result: ProtoMessageFetchResult, roomId: string): string {
  let url: URL
  try {
    url = new URL(result.pushServer)
  } catch (err) {
    throw new ConnectorError('PROTOCOL', `signer gave an unusable push server URL`, undefined, { cause: err })
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new ConnectorError('PROTOCOL', `signer gave a push server that is not ws(s): ${url.protocol}`)
  const q = url.searchParams
  for (const [k, v] of Object.entries(WS_PARAMS)) q.set(k, v)
  q.set('compress', 'gzip')
  q.set('room_id', roomId)
  q.set('internal_ext', result.internalExt)
  q.set('cursor', result.cursor)
  for (const [k, v] of Object.entries(result.routeParams)) if (v !== '') q.set(k, v)
  q.set('version_code', WS_VERSION_CODE)
  return url.toString()
}
