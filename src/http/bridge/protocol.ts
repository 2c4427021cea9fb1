/**
 * The LAPLACE Event Bridge wire protocol as @laplace.live/event-bridge-sdk speaks it
 * (docs/protocols/laplace.md §1). Every frame is one JSON text message.
 */

/**
 * The protocol version lef announces in `established`. The SDK only watches for server pings
 * (and reconnects when they stop) if this parses as x.y.z ≥ 4.0.3 — the LAPLACE Event
 * Fetcher version that introduced them. Below that, a half-dead connection would never be
 * noticed by the client, so this must stay ≥ 4.0.3.
 */
export const BRIDGE_PROTOCOL_VERSION = '4.1.0'

/** Offered as the first `Sec-WebSocket-Protocol` entry; the second entry is the password. */
export enum BridgeRole {
  /** A consumer of events (the SDK's default when it has a token). */
  Client = 'laplace-event-bridge-role-client',
  /** Short form some clients send. */
  ClientShort = 'client',
  /** A producer: LAPLACE Chat's dashboard pushes events as this role. */
  Server = 'laplace-event-bridge-role-server',
}

export enum FrameType {
  Established = 'established',
  Ping = 'ping',
  Pong = 'pong',
  Error = 'error',
  BroadcastSuccess = 'broadcast-success',
  ClientMessageReceived = 'client-message-received',
}

export interface EstablishedFrame {
  type: FrameType.Established
  clientId: string
  isServer: boolean
  version: string
  message: string
}

export const establishedFrame = (clientId: string, isServer: boolean): EstablishedFrame => ({
  type: FrameType.Established,
  clientId,
  isServer,
  version: BRIDGE_PROTOCOL_VERSION,
  message: 'Connected to lef (LAPLACE Event Bridge protocol)',
})

export const pingFrame = (timestamp: number) => ({ type: FrameType.Ping, timestamp })

export const errorFrame = (message: string, timestamp: number) => ({ type: FrameType.Error, message, timestamp })

export const broadcastSuccessFrame = (clientCount: number, accepted: number, timestamp: number) => ({
  type: FrameType.BroadcastSuccess,
  clientCount,
  accepted,
  timestamp,
})

export const clientMessageReceivedFrame = (timestamp: number) => ({
  type: FrameType.ClientMessageReceived,
  message: 'Message received (client-to-server messages are not relayed)',
  timestamp,
})
