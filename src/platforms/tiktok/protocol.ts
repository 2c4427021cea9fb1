/** Protocol facts of TikTok LIVE Webcast (docs/protocols/tiktok.md §3). */

/** `WebcastPushFrame.payloadType` values. */
export enum PayloadType {
  /** Server data: a (gzip'd) ProtoMessageFetchResult. */
  Msg = 'msg',
  /** Client: acknowledges a frame whose result asked for it. */
  Ack = 'ack',
  /** Heartbeat, both directions. */
  Heartbeat = 'hb',
  /** Client: join the room after the socket opens. */
  EnterRoom = 'im_enter_room',
  /** Server: answer to EnterRoom. */
  EnterRoomResp = 'im_enter_room_resp',
}

/** `BaseProtoMessage.method` values lef normalises. */
export enum Method {
  Chat = 'WebcastChatMessage',
  Gift = 'WebcastGiftMessage',
  Like = 'WebcastLikeMessage',
  Member = 'WebcastMemberMessage',
  Social = 'WebcastSocialMessage',
  RoomUserSeq = 'WebcastRoomUserSeqMessage',
  Control = 'WebcastControlMessage',
}

/** `Gift.type`: only this type streaks (repeats, then a repeatEnd frame). */
export const GIFT_TYPE_STREAKABLE = 1

/** `WebcastMemberMessage.action` for a viewer joining. */
export const MEMBER_ACTION_JOINED = 1

/** Constants the web client sends (§1.5, §3). */
export const PAYLOAD_ENCODING_PB = 'pb'
export const WEB_AID = '1988'
export const LIVE_ID = '12'
export const IDENTITY_AUDIENCE = 'audience'
export const WS_VERSION_CODE = '270000'

/** Live status in the live page / user room API: 4 = not live (§1.2). */
export const ROOM_STATUS_OFFLINE = 4

/** User room API `statusCode` for an unknown handle (TLC#323). */
export const STATUS_USER_NOT_FOUND = 19881007

/** A desktop browser UA: TikTok refuses the WS handshake without one (TLC#187). */
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
