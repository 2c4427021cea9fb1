import { keyMatches, presentedKey } from '../auth'
import { BridgeRole } from './protocol'

export interface Handshake {
  /** Producer (server role) or consumer. */
  isServer: boolean
  /** The role exactly as offered, echoed back as the selected subprotocol (browsers require one). */
  selectedProtocol?: string
  password?: string
}

/**
 * Read the role and password a bridge client offers: `Sec-WebSocket-Protocol: <role>, <password>`,
 * else `?token=` (what the SDK adds too), else an `Authorization` header (wscat -H).
 */
export function readHandshake(req: Request): Handshake {
  const offered = (req.headers.get('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const role = offered[0]
  const fromProtocol = offered[1]
  return {
    isServer: role === BridgeRole.Server,
    selectedProtocol: role,
    password: fromProtocol ?? presentedKey(req),
  }
}

export type AuthVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string }

/**
 * Consumers need the password when one is configured; producers always need one, since they
 * inject events every client and the database trust.
 */
export function authorize(handshake: Handshake, passwords: readonly string[]): AuthVerdict {
  if (passwords.length === 0) {
    if (handshake.isServer) return { ok: false, status: 403, message: 'Producers (server role) need WEBSOCKET_BRIDGE_AUTH to be set' }
    return { ok: true }
  }
  if (handshake.password === undefined) return { ok: false, status: 401, message: 'Unauthorized: missing bridge password' }
  if (!keyMatches(handshake.password, passwords)) return { ok: false, status: 401, message: 'Unauthorized: wrong bridge password' }
  return { ok: true }
}
