import type { Interaction } from '@laplace.live/event-types'
import type { CommonMessageData, User } from '../../../gen/tiktok/messages_pb'
import { envelope, messageId, NO_MEDAL } from './common'
import type { NormalizeContext, TikTokEnvelope, TikTokUserExtras } from './context'
import { userFields } from './user'

/** LAPLACE interaction actions (the Bilibili INTERACT_WORD codes). */
export enum InteractionAction {
  Enter = 1,
  Follow = 2,
  Share = 3,
}

export function interactionEvent(common: CommonMessageData | undefined, user: User | undefined, action: InteractionAction, kind: string, ctx: NormalizeContext) {
  const u = userFields(user)
  return {
    type: 'interaction',
    id: messageId(common, kind, [u.uidStr, common?.createTime, action]),
    ...envelope(common, ctx),
    ...u,
    action,
    guardType: 0,
    relation: { type: 0, icon: '', text: '' },
    wealthMedalLevel: 0,
    medal: NO_MEDAL,
  } satisfies Interaction & TikTokEnvelope & TikTokUserExtras
}
