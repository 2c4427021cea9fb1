import { fromBinary } from '@bufbuild/protobuf'
import { SocialMessageSchema } from '../../../gen/douyin/messages_pb'
import type { MessageMeta, NormalizeContext } from './context'
import { interactionEvent } from './interaction'
import { InteractionAction, SocialAction } from './methods'

/**
 * WebcastSocialMessage → interaction: action 1 follow, 3 share. Other actions have no known
 * meaning; they are skipped with a debug line (the message counter still saw them).
 */
export function handleSocial(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(SocialMessageSchema, payload)
  const action = Number(m.action)
  if (action === SocialAction.Follow) ctx.emit(interactionEvent(ctx, meta, 'follow', m.common, m.user, InteractionAction.Follow))
  else if (action === SocialAction.Share) ctx.emit(interactionEvent(ctx, meta, 'share', m.common, m.user, InteractionAction.Share))
  else ctx.log.debug({ action }, 'douyin: social message with an unknown action skipped')
}
