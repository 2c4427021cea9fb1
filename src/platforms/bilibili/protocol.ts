/**
 * Wire facts of the Bilibili danmaku WebSocket (docs/protocols/bilibili.md §1–2).
 * Every packet starts with a 16-byte big-endian header.
 */

export const HEADER_LENGTH = 16

/** Header field offsets. */
export const HeaderOffset = {
  packetLength: 0, // u32: header + body
  headerLength: 4, // u16: always 16
  version: 6, // u16: ProtocolVersion
  operation: 8, // u32: Operation
  sequence: 12, // u32
} as const

/** Header `ver` field: how the body is encoded. */
export enum ProtocolVersion {
  /** Plain JSON body. */
  Normal = 0,
  /** Client packets and the heartbeat reply (u32 popularity). */
  Heartbeat = 1,
  /** zlib body holding one or more inner packets. */
  Zlib = 2,
  /** brotli body holding one or more inner packets (web default since 2021). */
  Brotli = 3,
}

/** Header `op` field. Only these five are used by the web protocol. */
export enum Operation {
  Heartbeat = 2,
  HeartbeatReply = 3,
  /** A server message: JSON `{cmd, ...}`. */
  Message = 5,
  Auth = 7,
  AuthReply = 8,
}

/** Auth reply `code` values (blivedm AuthReplyCode). */
export enum AuthReplyCode {
  Ok = 0,
  TokenError = -101,
}

/** How op 5 messages come compressed: the auth body's `protover` asks for it (§1.3). */
export const COMPRESSION = { zlib: ProtocolVersion.Zlib, brotli: ProtocolVersion.Brotli } as const
export type Compression = keyof typeof COMPRESSION

/**
 * zlib by default, not the web client's brotli: the server still honours protover 2 (the 2026
 * zlib fixture), and inflating one costs lef about a third of what brotli does per frame
 * (measured in the ingest benchmark) for ~18% more bytes on the wire. The decoder takes
 * either, whatever was asked.
 */
export const DEFAULT_COMPRESSION: Compression = 'zlib'

/** Auth must reach the server within this long after connecting, or it hangs up. */
export const AUTH_DEADLINE_MS = 5_000

/** The server disconnects after ~60 s without a heartbeat; the web client sends one every 30 s. */
export const HEARTBEAT_INTERVAL_MS = 30_000

/** No frame for this long → the supervisor restarts the session (heartbeat replies come every 30 s). */
export const IDLE_TIMEOUT_MS = 70_000

/** The JSON the client sends in the op 7 packet. */
export interface AuthBody {
  uid: number
  roomid: number
  protover: number
  platform: 'web'
  type: 2
  key: string
  buvid?: string
}
