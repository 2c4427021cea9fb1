import type { ProtoMessageFetchResult } from '../../gen/tiktok/push_pb'

/** What a signer hands back: everything needed to open the push socket. */
export interface SignedConnect {
  /** pushServer, cursor, internalExt, routeParams, and the first batch of messages. */
  fetchResult: ProtoMessageFetchResult
  /** Cookie header the push socket must send (a secret: never log it). */
  cookieHeader: string
  /** The room id the signer used, when it says. */
  roomId?: string
}

export interface SignRequest {
  roomId: string
  /** UA the socket will send; signers bind the signature to it. */
  userAgent: string
  signal: AbortSignal
}

/**
 * Turns a room id into a signed push-socket connect. Implementations throw ConnectorError
 * (`RATE_LIMITED` with retryAfterMs on 429, `AUTH`, `UPSTREAM`, `NETWORK`, `PROTOCOL`).
 * Euler Stream is one; a self-hosted signer can be plugged in instead.
 */
export interface SignProvider {
  readonly name: string
  signConnect(req: SignRequest): Promise<SignedConnect>
}
