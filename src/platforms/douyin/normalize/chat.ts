import { fromBinary } from '@bufbuild/protobuf'
import type { Message } from '@laplace.live/event-types'
import type { Common, User } from '../../../gen/douyin/data_pb'
import { ChatMessageSchema, EmojiChatMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, douyinEventId, eventTime, messageId } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import { userFields, userIdString } from './user'

/** LaplaceEvent userType for the anchor's own chat. */
const USER_TYPE_ANCHOR = 100

function chatEvent(ctx: NormalizeContext, meta: MessageMeta, common: Common | undefined, user: User | undefined, text: string, time: number) {
  const uid = userIdString(user)
  const id = messageId(common, meta)
  return {
    type: 'message',
    id: douyinEventId('message', common, meta, ctx, uid, time, text),
    ...baseFields(ctx, time),
    ...userFields(user),
    nameColor: '',
    message: text,
    userType: uid !== '' && uid === ctx.anchorUid ? USER_TYPE_ANCHOR : 0,
    userLvl: 0,
    userLvlBorder: 0,
    currentRank: 0,
    phoneVerified: 0,
    guardType: 0,
    sendType: 0,
    reply: {},
    idStr: id === 0n ? '' : id.toString(),
    wealthMedalLevel: 0,
  } satisfies DouyinEvent<Message>
}

/** WebcastChatMessage → message. */
export function handleChat(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(ChatMessageSchema, payload)
  // event_time is in seconds; create_time (ms) is finer when present.
  const time = m.common?.createTime ? eventTime(m.common, ctx) : m.eventTime > 0n ? Number(m.eventTime) * 1000 : ctx.now()
  ctx.emit(chatEvent(ctx, meta, m.common, m.user, m.content, time))
}

/** WebcastEmojiChatMessage → message; the text is the emoji's fallback, e.g. "[表情]". */
export function handleEmojiChat(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(EmojiChatMessageSchema, payload)
  const text = m.defaultContent || m.emojiContent?.defaultPattern || '[表情]'
  ctx.emit(chatEvent(ctx, meta, m.common, m.user, text, eventTime(m.common, ctx)))
}
