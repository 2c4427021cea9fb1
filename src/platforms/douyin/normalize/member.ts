import { fromBinary } from '@bufbuild/protobuf'
import { MemberMessageSchema } from '../../../gen/douyin/messages_pb'
import type { MessageMeta, NormalizeContext } from './context'
import { interactionEvent } from './interaction'
import { InteractionAction } from './methods'

/** WebcastMemberMessage (someone entered) → interaction, action enter. */
export function handleMember(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(MemberMessageSchema, payload)
  ctx.emit(interactionEvent(ctx, meta, 'enter', m.common, m.user, InteractionAction.Enter))
}
