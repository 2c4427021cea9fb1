import { fromBinary } from '@bufbuild/protobuf'
import type { Message } from '@laplace.live/event-types'
import { WebcastChatMessageSchema, type EmoteWithIndex } from '../../../gen/tiktok/messages_pb'
import { envelope, messageId, NO_MEDAL } from './common'
import type { HandlerOutput, NormalizeContext, TikTokEnvelope, TikTokUserExtras } from './context'
import { userFields } from './user'

type SimpleEmotesList = NonNullable<Message['bmotes']>

/**
 * Chat text with emotes put back where TikTok says they sit (`placeInComment`, in characters),
 * as `[tt:<emoteId>]` keys that `bmotes` maps to images (how LAPLACE renders inline emotes).
 */
export function renderChat(content: string, emotes: EmoteWithIndex[]): { text: string; bmotes: SimpleEmotesList } {
  const chars = Array.from(content)
  const bmotes: SimpleEmotesList = {}
  // Insert from the back so earlier positions stay valid.
  const sorted = [...emotes].sort((a, b) => b.placeInComment - a.placeInComment)
  for (const e of sorted) {
    const id = e.emote?.emoteId ?? ''
    if (id === '') continue
    const key = `[tt:${id}]`
    const url = e.emote?.image?.imageUrl ?? ''
    if (url !== '') bmotes[key] = { url }
    const at = Math.min(Math.max(e.placeInComment, 0), chars.length)
    chars.splice(at, 0, key)
  }
  return { text: chars.join(''), bmotes }
}

export function handleChat(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastChatMessageSchema, payload)
  const user = userFields(msg.user)
  const { text, bmotes } = renderChat(msg.content, msg.emotes)
  const event = {
    type: 'message',
    id: messageId(msg.common, 'chat', [user.uidStr, msg.common?.createTime, msg.content]),
    ...envelope(msg.common, ctx),
    ...user,
    nameColor: '',
    message: text,
    // LAPLACE's "streamer" user type (100); TikTok marks no moderators in the fields we read.
    userType: ctx.hostUid !== undefined && ctx.hostUid !== '' && user.uidStr === ctx.hostUid ? 100 : 0,
    userLvl: 0,
    userLvlBorder: 0,
    currentRank: 0,
    phoneVerified: 0,
    guardType: 0,
    sendType: 0,
    medal: NO_MEDAL,
    ...(Object.keys(bmotes).length > 0 ? { bmotes } : {}),
    reply: {},
    idStr: msg.common?.msgId ?? '',
    wealthMedalLevel: 0,
  } satisfies Message & TikTokEnvelope & TikTokUserExtras
  return { events: [event] }
}
