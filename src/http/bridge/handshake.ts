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

export type AuthVerdict =
  | { ok: true }
  /** `wrong`: a password was presented and matched nothing (it counts against AUTH_FAIL_LIMIT). */
  | { ok: false; status: 401 | 403; message: string; wrong: boolean }

export interface BridgeSecrets {
  /** Consumers' passwords (WEBSOCKET_BRIDGE_AUTH, else AUTH_KEY); empty = consumers connect freely. */
  passwords: readonly string[]
  /** WEBSOCKET_BRIDGE_PRODUCER_AUTH; empty = producers are refused. */
  producerPasswords: readonly string[]
}

/**
 * Consumers need the password when one is configured. Producers inject events every client and
 * the database trust, so they need the producer secret, which no consumer holds: the consumer
 * password (pasted into overlay URLs) never opens the producer role.
 */
export function authorize(handshake: Handshake, secrets: BridgeSecrets): AuthVerdict {
  if (handshake.isServer) {
    if (secrets.producerPasswords.length === 0) {
      return { ok: false, status: 403, wrong: false, message: 'Producers (server role) are refused: set WEBSOCKET_BRIDGE_PRODUCER_AUTH and connect with it' }
    }
    if (handshake.password === undefined) return { ok: false, status: 401, wrong: false, message: 'Unauthorized: missing producer secret (WEBSOCKET_BRIDGE_PRODUCER_AUTH)' }
    if (!keyMatches(handshake.password, secrets.producerPasswords)) {
      return { ok: false, status: 401, wrong: true, message: 'Unauthorized: wrong producer secret (WEBSOCKET_BRIDGE_PRODUCER_AUTH; the client password does not open the producer role)' }
    }
    return { ok: true }
  }
  if (secrets.passwords.length === 0) return { ok: true }
  if (handshake.password === undefined) return { ok: false, status: 401, wrong: false, message: 'Unauthorized: missing bridge password' }
  if (!keyMatches(handshake.password, secrets.passwords)) return { ok: false, status: 401, wrong: true, message: 'Unauthorized: wrong bridge password' }
  return { ok: true }
}
